import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SovError } from '../../platform/errors.ts';
import { inList, matches, parseFilters, parseListQuery, parseSorting } from './filters.ts';
import type { Image } from './model.ts';

const image = (over: Partial<Image>): Image => ({
  id: '11111111-1111-1111-1111-111111111111', name: 'debian', status: 'active', visibility: 'public', protected: false,
  os_hidden: false, checksum: null, os_hash_algo: null, os_hash_value: null, size: 100, virtual_size: null, min_disk: 0,
  min_ram: 0, disk_format: 'qcow2', container_format: 'bare', owner: 'p', tags: ['a', 'b'],
  created_at: '2026-11-23T10:00:00.500Z', updated_at: '2026-11-23T11:00:00.000Z', properties: { os_distro: 'debian' }, ...over,
});

const pass = (q: Record<string, string | string[]>, over: Partial<Image> = {}) => matches(image(over), parseFilters(q));
const status = (code: number) => (e: unknown) => e instanceof SovError && e.status === code;

test('equality, in: lists, free properties and tags narrow the list', () => {
  assert.ok(pass({ name: 'debian', disk_format: 'in:raw,qcow2', os_distro: 'debian', tag: ['a', 'b'] }));
  assert.ok(!pass({ name: 'ubuntu' }));
  assert.ok(!pass({ os_distro: 'ubuntu' }));
  assert.ok(!pass({ tag: ['a', 'c'] }));
  assert.deepEqual(inList('in:"a,b",c'), ['a,b', 'c']);
});

test('hidden images are left out unless asked for, and visibility=all does not narrow', () => {
  assert.ok(!pass({}, { os_hidden: true }));
  assert.ok(pass({ os_hidden: 'True' }, { os_hidden: true }));
  assert.ok(pass({ visibility: 'all' }, { visibility: 'private' }));
  assert.ok(!pass({ visibility: 'public' }, { visibility: 'private' }));
});

test('size and time ranges compare as numbers and whole seconds', () => {
  assert.ok(pass({ size_min: '100', size_max: '100' }));
  assert.ok(!pass({ size_min: '101' }));
  assert.ok(!pass({ size_max: '10' }, { size: null }));
  assert.ok(pass({ created_at: 'eq:2026-11-23T10:00:00Z' }));
  assert.ok(pass({ created_at: 'gte:2026-11-23T10:00:00Z' }));
  assert.ok(!pass({ created_at: 'gt:2026-11-23T10:00:00Z' }));
  assert.ok(pass({ updated_at: 'lt:2026-11-24T00:00:00Z' }));
});

test('bad filter values are 400s', () => {
  for (const q of [{ size_min: 'big' }, { created_at: 'gt:yesterday' }, { visibility: 'everyone' }, { status: 'happy' },
    { os_hidden: 'maybe' }, { member_status: 'maybe' }, { 'changes-since': '2020-01-01' }]) {
    assert.throws(() => parseFilters(q), status(400), JSON.stringify(q));
  }
});

test('sorting takes both syntaxes, defaults to newest first and always breaks ties by created_at and id', () => {
  assert.deepEqual(parseSorting({}), [['created_at', 'desc'], ['id', 'desc']]);
  assert.deepEqual(parseSorting({ sort: 'name:asc,size' }), [['name', 'asc'], ['size', 'desc'], ['created_at', 'desc'], ['id', 'desc']]);
  assert.deepEqual(parseSorting({ sort_key: ['name', 'size'], sort_dir: 'asc' }), [['name', 'asc'], ['size', 'asc'], ['created_at', 'asc'], ['id', 'asc']]);
  assert.throws(() => parseSorting({ sort: 'name', sort_key: 'size' }), status(400));
  assert.throws(() => parseSorting({ sort_key: ['name', 'size', 'id'], sort_dir: ['asc', 'desc'] }), status(400));
  assert.throws(() => parseSorting({ sort_key: 'owner' }), status(400));
});

test('limit defaults to 25 and is capped at 1000', () => {
  assert.equal(parseListQuery({}).page.limit, 25);
  assert.equal(parseListQuery({ limit: '5000', marker: 'm' }).page.limit, 1000);
  assert.equal(parseListQuery({ marker: 'm' }).page.marker, 'm');
});
