import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRangeSet, resolveRange } from './ranges.ts';

describe('byte ranges', () => {
  it('parses first-last, first- and -suffix specs, ignoring a header with any malformed one', () => {
    assert.deepEqual(parseRangeSet('bytes=0-9'), [{ start: 0, end: 9 }]);
    assert.deepEqual(parseRangeSet('bytes=5-, -3'), [{ start: 5, end: undefined }, { suffix: 3 }]);
    for (const bad of ['bytes=5-3', 'bytes=-', 'bytes=1', 'items=0-1', 'bytes=a-b', 'bytes=0-1,', '']) assert.equal(parseRangeSet(bad), undefined, bad);
  });

  it('resolves specs against a size as swob does: clamped, or unsatisfiable', () => {
    assert.deepEqual(resolveRange({ start: 2, end: 100 }, 10), { start: 2, end: 9 });
    assert.deepEqual(resolveRange({ start: 2 }, 10), { start: 2, end: 9 });
    assert.deepEqual(resolveRange({ suffix: 3 }, 10), { start: 7, end: 9 });
    assert.deepEqual(resolveRange({ suffix: 30 }, 10), { start: 0, end: 9 });
    assert.equal(resolveRange({ start: 10 }, 10), undefined);
    assert.equal(resolveRange({ suffix: 0 }, 10), undefined);
    assert.equal(resolveRange({ start: 0 }, 0), undefined);
  });
});
