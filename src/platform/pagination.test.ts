import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SovError } from './errors.ts';
import { nextLink, paginate, parseLimit, parseSort, pickFields, sortBy } from './pagination.ts';
import { isoMicros, isoNaive, isoSeconds, parseTimestamp } from './time.ts';

const rows = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, n: 5 - i, name: i % 2 ? null : `x${i}` }));

test('limit and marker walk a list page by page, and the last page has no next marker', () => {
  const p1 = paginate(rows, { limit: 2 });
  assert.deepEqual(p1.items.map((r) => r.id), ['a', 'b']);
  assert.equal(p1.nextMarker, 'b');
  const p2 = paginate(rows, { limit: 2, marker: p1.nextMarker });
  assert.deepEqual(p2.items.map((r) => r.id), ['c', 'd']);
  const p3 = paginate(rows, { limit: 2, marker: p2.nextMarker });
  assert.deepEqual(p3.items.map((r) => r.id), ['e']);
  assert.equal(p3.nextMarker, undefined);
  assert.deepEqual(paginate(rows, { marker: 'c' }).items.map((r) => r.id), ['d', 'e']);
});

test('an unknown marker and a bad limit are 400s', () => {
  assert.throws(() => paginate(rows, { marker: 'zz' }), (e: SovError) => e.status === 400);
  assert.throws(() => parseLimit('-1'), (e: SovError) => e.status === 400);
  assert.throws(() => parseLimit('ten'), (e: SovError) => e.status === 400);
  assert.equal(parseLimit('5000', 1000), 1000);
  assert.equal(parseLimit(undefined), undefined);
});

test('next link replaces the marker and keeps the other parameters', () => {
  const u = new URL(nextLink('http://h/v2.0/networks?limit=2&marker=a&name=x', 'b'));
  assert.equal(u.searchParams.get('marker'), 'b');
  assert.equal(u.searchParams.get('limit'), '2');
  assert.equal(u.searchParams.get('name'), 'x');
});

test('sort keys pair with directions, nulls sort first ascending, and unknown keys are refused', () => {
  assert.deepEqual(parseSort(['n', 'id'], ['desc'], ['n', 'id']), [['n', 'desc'], ['id', 'desc']]);
  assert.deepEqual(sortBy(rows, [['n', 'asc']]).map((r) => r.id), ['e', 'd', 'c', 'b', 'a']);
  assert.deepEqual(sortBy(rows, [['name', 'asc'], ['id', 'desc']]).map((r) => r.id), ['d', 'b', 'a', 'c', 'e']);
  assert.throws(() => parseSort(['secret'], [], ['n']), (e: SovError) => e.status === 400);
  assert.throws(() => parseSort(['n'], ['up'], ['n']), (e: SovError) => e.status === 400);
});

test('fields projection keeps only the named fields', () => {
  assert.deepEqual(pickFields(rows[0]!, ['id', 'name', 'missing']), { id: 'a', name: 'x0' });
  assert.deepEqual(pickFields(rows[0]!, []), rows[0]);
});

test('timestamps render in the formats OpenStack clients parse', () => {
  const d = new Date('2026-11-23T10:11:12.345Z');
  assert.equal(isoMicros(d), '2026-11-23T10:11:12.345000Z');
  assert.equal(isoSeconds(d), '2026-11-23T10:11:12Z');
  assert.equal(isoNaive(d), '2026-11-23T10:11:12.345000');
  assert.equal(parseTimestamp('2026-11-23T10:11:12')?.toISOString(), '2026-11-23T10:11:12.000Z');
  assert.equal(parseTimestamp('2026-11-23T12:11:12+02:00')?.toISOString(), '2026-11-23T10:11:12.000Z');
  assert.equal(parseTimestamp('yesterday'), undefined);
});
