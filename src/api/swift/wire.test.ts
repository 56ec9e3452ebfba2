import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpDate, quote, swiftTimestamp, titleCase, transId } from './wire.ts';

describe('Swift wire formats', () => {
  it('makes transaction ids of 21 hex digits and the time', () => {
    assert.match(transId(Date.UTC(2026, 0, 1)), /^tx[0-9a-f]{21}-006955b900$/);
  });

  it('writes X-Timestamp with five decimals and Last-Modified rounded up to the second', () => {
    assert.equal(swiftTimestamp(new Date(1_700_000_000_123)), '1700000000.12300');
    assert.equal(httpDate(new Date(1_700_000_000_123)), 'Tue, 14 Nov 2023 22:13:21 GMT');
    assert.equal(httpDate(new Date(1_700_000_000_000)), 'Tue, 14 Nov 2023 22:13:20 GMT');
  });

  it('title-cases and quotes as Python does', () => {
    assert.equal(titleCase('abc1def x-object-meta-foo_bar'), 'Abc1Def X-Object-Meta-Foo_Bar');
    assert.equal(quote('My Test File (1).pdf'), 'My%20Test%20File%20%281%29.pdf');
    assert.equal(quote('ü/x*~'), '%C3%BC/x%2A~');
  });
});
