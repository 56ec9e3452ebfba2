import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { PolicyEngine, Target } from '../../platform/policy/engine.ts';
import { isoSeconds } from '../../platform/time.ts';

export type { Logger } from '../../platform/log.ts';

/** What every compute module is built from; wired once in index.ts. */
export interface ComputeDeps {
  db: Db;
  policy: PolicyEngine;
  log: Logger;
}

/** How long a guest gets to shut down on ACPI before it is switched off (Nova's `shutdown_timeout`). */
export const SHUTDOWN_TIMEOUT_S = 60;

/** Nova has one availability zone per cell by default; ours is `nova` as in a fresh Nova. */
export const AVAILABILITY_ZONE = 'nova';

/**
 * Nova's RequestContext: the caller and, for calls from the API, the request's id (`req-<uuid>`),
 * which instance actions record.
 */
export interface ComputeContext extends AuthContext {
  requestId?: string;
}

export function enforce(d: ComputeDeps, ctx: AuthContext, action: string, target: Target = {}): void {
  d.policy.enforce(action, ctx.credentials, target);
}

export function isAdmin(d: ComputeDeps, ctx: AuthContext): boolean {
  return d.policy.check('context_is_admin', ctx.credentials, {});
}

export function callerProject(ctx: AuthContext): string {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : '';
}

/** Nova's `OverQuota` answers 403 with the `forbidden` body. */
export class QuotaExceeded extends Forbidden {}

export const notFound = (message: string) => new NotFound(message);
export const conflict = (message: string) => new Conflict(message);
export const badRequest = (message: string) => new BadRequest(message);

export const json = <T>(text: string): T => JSON.parse(text) as T;
export const flag = (b: boolean): number => (b ? 1 : 0);

/** Nova's server timestamps: `2026-12-01T10:00:00Z`. */
export function now(): string {
  return isoSeconds(new Date());
}
