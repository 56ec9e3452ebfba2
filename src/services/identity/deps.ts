import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import type { SealingKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine, Target } from '../../platform/policy/engine.ts';
import type { RevocationList } from './revocations.ts';

/** What every identity module is built from; wired once in index.ts. */
export interface IdentityDeps {
  db: Db;
  config: Config;
  policy: PolicyEngine;
  revocations: RevocationList;
  tokenKey: SealingKey;
  credentialKey: SealingKey;
}

export function enforce(d: IdentityDeps, ctx: AuthContext, action: string, target: Target = {}): void {
  d.policy.enforce(`identity:${action}`, ctx.credentials, target);
}

/** Fields a resource keeps but Keystone does not define (`email` on users, ...), stored as JSON. */
export function splitExtra<T extends Record<string, unknown>>(body: T, known: readonly string[]): string {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!known.includes(k)) extra[k] = v;
  return JSON.stringify(extra);
}

export function mergeExtra(stored: string, patch: Record<string, unknown>, known: readonly string[]): string {
  const extra = JSON.parse(stored) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) if (!known.includes(k)) extra[k] = v;
  return JSON.stringify(extra);
}

export function flag(value: boolean | undefined, fallback = true): number {
  return (value ?? fallback) ? 1 : 0;
}

/** Where a new user, group or project goes when the request names no domain: the token's. */
export function defaultDomain(ctx: AuthContext): string {
  if (ctx.scope.kind === 'domain') return ctx.scope.domain.id;
  if (ctx.scope.kind === 'project') return ctx.scope.project.domain.id;
  return 'default';
}

export function nowIso(): string {
  return new Date().toISOString();
}
