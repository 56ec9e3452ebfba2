import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleTokens, TOKEN_TTL_MS } from './console-tokens.ts';

test('a token stands for its instance once', () => {
  const tokens = new ConsoleTokens();
  const a = tokens.issue('vm-a');
  const b = tokens.issue('vm-b');
  assert.notEqual(a, b);
  assert.equal(tokens.redeem(b), 'vm-b');
  assert.equal(tokens.redeem(a), 'vm-a');
  assert.equal(tokens.redeem(a), null);
  assert.equal(tokens.redeem('not-issued'), null);
});

test('a token expires after ten minutes, used or not', () => {
  let now = 1_000_000;
  const tokens = new ConsoleTokens(() => now);
  const early = tokens.issue('vm-a');
  const late = tokens.issue('vm-a');
  now += TOKEN_TTL_MS - 1;
  assert.equal(tokens.redeem(early), 'vm-a');
  now += 1;
  assert.equal(tokens.redeem(late), null);
  assert.equal(TOKEN_TTL_MS, 600_000);
});
