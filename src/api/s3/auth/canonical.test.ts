import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalHeaders, canonicalQuery, canonicalUri, queryParams } from './canonical.ts';

test('the canonical URI decodes and re-encodes each segment once', () => {
  assert.equal(canonicalUri('/b/a%20b+c=d~e'), '/b/a%20b%2Bc%3Dd~e');
  assert.equal(canonicalUri('/b/%7e%2a%c3%bc'), '/b/~%2A%C3%BC');
  assert.equal(canonicalUri("/b/!*'()ü"), '/b/%21%2A%27%28%29%C3%BC');
  // An escaped slash is part of a segment, not a separator; empty segments stay.
  assert.equal(canonicalUri('/b/a%2Fb//c/'), '/b/a%2Fb//c/');
  // Bytes that are not UTF-8, and a % that starts no escape, survive.
  assert.equal(canonicalUri('/b/%FF%fe'), '/b/%FF%FE');
  assert.equal(canonicalUri('/b/100%zz'), '/b/100%25zz');
});

test('the canonical query sorts by encoded name, then value, and reads + as a space', () => {
  assert.equal(canonicalQuery('b=2&a_b=1&aB=3&a-b=4&b=1'), 'a-b=4&aB=3&a_b=1&b=1&b=2');
  assert.equal(canonicalQuery('prefix=a+b%2Bc&uploads'), 'prefix=a%20b%2Bc&uploads=');
  assert.equal(canonicalQuery('X-Amz-Signature=abc&x=1', 'X-Amz-Signature'), 'x=1');
  assert.deepEqual(queryParams('a=1+2&b&c=%C3%BC'), [['a', '1 2'], ['b', ''], ['c', 'ü']]);
});

test('canonical headers are trimmed, inner whitespace collapsed, repeated values joined by ","', () => {
  const headers = { 'x-amz-meta-a': '  one   two\tthree ', 'x-amz-meta-b': ['x ', ' y'] };
  assert.equal(canonicalHeaders({ headers }, ['x-amz-meta-a', 'x-amz-meta-b', 'x-amz-meta-c']), 'x-amz-meta-a:one two three\nx-amz-meta-b:x,y\nx-amz-meta-c:\n');
});
