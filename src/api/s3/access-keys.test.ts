import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Identity } from '../../services/identity/index.ts';
import { AccessKeys } from './access-keys.ts';
import { S3Error } from './s3-error.ts';

function stubIdentity() {
  const calls = { find: 0, context: 0 };
  const state = { secret: 's1', member: true };
  const identity = {
    credentials: {
      findEc2: async (access: string) => {
        calls.find++;
        return access === 'KEY' ? { access, secret: state.secret, user_id: 'u1', tenant_id: 'p1', trust_id: null } : undefined;
      },
    },
    tokens: {
      ec2Context: async () => {
        calls.context++;
        return state.member ? projectContext('p1', ['member'], 'u1') : undefined;
      },
    },
  } as unknown as Identity;
  return { identity, calls, state };
}

describe('AccessKeys', () => {
  it('serves secret and context from one lookup for a few seconds, then looks again', async () => {
    const { identity, calls, state } = stubIdentity();
    let now = 1_000_000;
    const keys = new AccessKeys(identity, () => now);
    assert.equal(await keys.secretOf('KEY'), 's1');
    assert.equal((await keys.context('KEY')).user.id, 'u1');
    assert.equal(await keys.secretOf('KEY'), 's1');
    assert.deepEqual(calls, { find: 1, context: 1 });
    state.secret = 's2';
    state.member = false;
    now += 4_000;
    assert.equal(await keys.secretOf('KEY'), 's1');
    now += 2_000;
    assert.equal(await keys.secretOf('KEY'), 's2');
    await assert.rejects(keys.context('KEY'), (e: unknown) => e instanceof S3Error && e.code === 'InvalidAccessKeyId' && e.status === 403);
  });

  it('never caches an unknown key, so a new one works at once', async () => {
    const { identity, calls } = stubIdentity();
    const keys = new AccessKeys(identity);
    assert.equal(await keys.secretOf('NEW'), undefined);
    assert.equal(await keys.secretOf('NEW'), undefined);
    assert.equal(calls.find, 2);
  });
});
