import assert from 'node:assert/strict';
import type { AuthContext } from '../../platform/auth.ts';
import { SovError } from '../../platform/errors.ts';

/** For service tests: matches a SovError with `status` and, when given, Neutron fault `type` and message. */
export const fails = (status: number, type?: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SovError, String(e));
  assert.equal(e.status, status, e.message);
  if (type) assert.equal((e as SovError & { neutronType?: string }).neutronType, type);
  if (message) assert.match(e.message, message);
  return true;
};

export const projectOf = (ctx: AuthContext) => (ctx.scope.kind === 'project' ? ctx.scope.project.id : '');
