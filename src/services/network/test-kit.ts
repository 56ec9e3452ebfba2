import assert from 'node:assert/strict';
import type { AuthContext } from '../../platform/auth.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { SovError } from '../../platform/errors.ts';
import { PolicyEngine } from '../../platform/policy/engine.ts';
import type { Dataplane, NetworkDeps } from './deps.ts';
import { networkPolicies } from './policies.ts';

/** For service tests: matches a SovError with `status` and, when given, Neutron fault `type` and message. */
export const fails = (status: number, type?: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SovError, String(e));
  assert.equal(e.status, status, e.message);
  if (type) assert.equal((e as SovError & { neutronType?: string }).neutronType, type);
  if (message) assert.match(e.message, message);
  return true;
};

export const projectOf = (ctx: AuthContext) => (ctx.scope.kind === 'project' ? ctx.scope.project.id : '');

/** For service tests: an in-memory database with every migration, Neutron's policies, a quiet log and `dataplane`. */
export async function networkDeps(dataplane: Dataplane): Promise<NetworkDeps> {
  const db = await openDatabase(':memory:');
  const policy = new PolicyEngine();
  policy.registerDefaults(networkPolicies());
  return {
    db, policy, log: { info: () => {}, warn: () => {}, error: () => {} },
    settings: { publicCidr: '198.51.100.0/24', projectDefaults: false, projectCidr: '10.0.0.0/24', dnsDomain: 'example.' },
    dataplane,
  };
}
