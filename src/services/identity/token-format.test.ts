import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SealingKey } from '../../platform/crypto.ts';
import { decodeToken, encodeToken, type TokenPayload } from './token-format.ts';

const key = new SealingKey(randomBytes(32));
const payload: TokenPayload = {
  user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
  scope: { kind: 'project', project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } } },
  roles: [{ id: 'r1', name: 'member' }, { id: 'r2', name: 'reader' }],
  methods: ['password'],
  auditIds: ['a1'],
  issuedAt: 1_800_000_000_000,
  expiresAt: 1_800_003_600_000,
  applicationCredential: { id: 'ac1', unrestricted: false },
};

test('a token round-trips every scope kind', () => {
  for (const scope of [payload.scope, { kind: 'domain', domain: { id: 'd1', name: 'D1' } }, { kind: 'system' }, { kind: 'unscoped' }] as const) {
    const p = { ...payload, scope };
    assert.deepEqual(decodeToken(key, encodeToken(key, p)), p);
  }
});

test('a tampered token, a token of another key, and garbage are all rejected', () => {
  const token = encodeToken(key, payload);
  const bytes = Buffer.from(token.slice(3), 'base64url');
  bytes[20] = bytes[20]! ^ 1;
  assert.equal(decodeToken(key, `sv1${bytes.toString('base64url')}`), undefined);
  assert.equal(decodeToken(new SealingKey(randomBytes(32)), token), undefined);
  assert.equal(decodeToken(key, 'not a token!'), undefined);
  assert.equal(decodeToken(key, ''), undefined);
  assert.equal(decodeToken(key, token.slice(0, 30)), undefined);
});

test('two tokens for the same payload differ (random IV), and none starts like a CLI option', () => {
  assert.notEqual(encodeToken(key, payload), encodeToken(key, payload));
  for (let i = 0; i < 200; i++) assert.match(encodeToken(key, payload), /^[A-Za-z0-9]/);
});
