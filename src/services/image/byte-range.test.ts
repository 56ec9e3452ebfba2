import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequest, RangeNotSatisfiable } from '../../platform/errors.ts';
import { resolveRange } from './byte-range.ts';

const unsatisfiable = (message: RegExp, size: number) => (e: unknown) =>
  e instanceof RangeNotSatisfiable && e.status === 416 && e.size === size && message.test(e.message);

test('no range header means the whole data', () => {
  assert.equal(resolveRange({}, 26), undefined);
});

test('Range: first-last, first- and -suffix resolve to inclusive bounds within the data', () => {
  assert.deepEqual(resolveRange({ range: 'bytes=3-10' }, 26), { start: 3, end: 10 });
  assert.deepEqual(resolveRange({ range: 'bytes=0-0' }, 26), { start: 0, end: 0 });
  assert.deepEqual(resolveRange({ range: 'bytes=20-' }, 26), { start: 20, end: 25 });
  assert.deepEqual(resolveRange({ range: 'bytes=-5' }, 26), { start: 21, end: 25 });
  // webob's pattern: any case, spaces around `=` and `-`.
  assert.deepEqual(resolveRange({ range: 'Bytes = 1 - 2' }, 26), { start: 1, end: 2 });
});

test('Range past the end is clamped, and a suffix longer than the data is all of it', () => {
  assert.deepEqual(resolveRange({ range: 'bytes=10-1000' }, 26), { start: 10, end: 25 });
  assert.deepEqual(resolveRange({ range: 'bytes=-100' }, 26), { start: 0, end: 25 });
  assert.deepEqual(resolveRange({ range: 'bytes=-26' }, 26), { start: 0, end: 25 });
});

test('Range starting at or past the end is a 416 naming the valid start positions', () => {
  assert.throws(() => resolveRange({ range: 'bytes=26-' }, 26), unsatisfiable(/^Invalid start position in Range header\. Start position MUST be in the inclusive range \[0, 25\]\.$/, 26));
  assert.throws(() => resolveRange({ range: 'bytes=30-40' }, 26), unsatisfiable(/inclusive range \[0, 25\]/, 26));
  assert.throws(() => resolveRange({ range: 'bytes=0-' }, 0), unsatisfiable(/Invalid start position/, 0));
});

test('a malformed or empty Range is a 416 Invalid Range header', () => {
  for (const range of ['bytes=10-5', 'bytes=-', 'bytes=-0', 'bytes=a-b', 'items=0-5', 'bytes=1-2x', '']) {
    assert.throws(() => resolveRange({ range }, 26), unsatisfiable(/^Invalid Range header\.$/, 26), range);
  }
  assert.throws(() => resolveRange({ range: 'bytes=-5' }, 0), unsatisfiable(/^Invalid Range header\.$/, 0));
});

test('several ranges are a 400, as Glance does not serve multipart answers', () => {
  assert.throws(() => resolveRange({ range: 'bytes=0-1,5-6' }, 26), (e: unknown) => e instanceof BadRequest && /multiple ranges are not supported/.test(e.message));
  assert.throws(() => resolveRange({ range: 'bytes=100-200, 0-1' }, 26), BadRequest);
});

test('Content-Range in a request is honoured when there is no Range, which wins otherwise', () => {
  assert.deepEqual(resolveRange({ contentRange: 'bytes 3-10/26' }, 26), { start: 3, end: 10 });
  assert.deepEqual(resolveRange({ contentRange: 'bytes 3-10/*' }, 26), { start: 3, end: 10 });
  assert.deepEqual(resolveRange({ contentRange: 'bytes 20-40/100' }, 26), { start: 20, end: 25 });
  assert.deepEqual(resolveRange({ range: 'bytes=1-1', contentRange: 'bytes 3-10/26' }, 26), { start: 1, end: 1 });
});

test('a Content-Range that names no bytes, inverts, overruns its total or the data is a 416', () => {
  for (const contentRange of ['bytes */26', 'bytes 5-3/26', 'bytes 0-26/26', 'bytes=0-3', 'bytes 1-2']) {
    assert.throws(() => resolveRange({ contentRange }, 26), unsatisfiable(/^Invalid Content-Range header\.$/, 26), contentRange);
  }
  assert.throws(() => resolveRange({ contentRange: 'bytes 0-26/*' }, 26), unsatisfiable(/^Invalid stop position in Content-Range header\. The stop position MUST be in the inclusive range \[0, 25\]\.$/, 26));
  assert.throws(() => resolveRange({ contentRange: 'bytes 30-40/100' }, 26), unsatisfiable(/^Invalid start position in Content-Range header\./, 26));
});
