import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { BadRequest, Conflict, NotFound, SovError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { isoSeconds } from '../../platform/time.ts';

export type { Logger } from '../../platform/log.ts';

/** What every placement module is built from; wired once in index.ts. */
export interface PlacementDeps {
  db: Db;
  policy: PolicyEngine;
  log: Logger;
}

/**
 * Placement's stable error codes (microversion 1.23), which clients such as Nova's report client
 * branch on; anything without one is `placement.undefined_code`.
 */
export const CODES = {
  concurrentUpdate: 'placement.concurrent_update',
  duplicateName: 'placement.duplicate_name',
  inventoryInUse: 'placement.inventory.inuse',
  providerInUse: 'placement.resource_provider.inuse',
  cannotDeleteParent: 'placement.resource_provider.cannot_delete_parent',
  providerNotFound: 'placement.resource_provider.not_found',
  badQueryValue: 'placement.query.bad_value',
  missingQueryValue: 'placement.query.missing_value',
} as const;

/** A placement error code travels with the error to the `{"errors": [...]}` body. */
export interface Coded {
  placementCode: string;
}

export function coded<T extends SovError>(e: T, code: string): T & Coded {
  return Object.assign(e, { placementCode: code });
}

/**
 * A consumer's allocations could not be made because a provider lacks room, inventory or the
 * unit constraints for a class: for the scheduler, "no valid host" on that provider.
 */
export class AllocationFailed extends Conflict {
  constructor(message: string, readonly resourceClass: string, readonly providerUuid: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The generation a client sent is not the current one: it must re-read and try again. */
export class GenerationConflict extends Conflict {
  readonly placementCode: string = CODES.concurrentUpdate;
}

/** Our own compare-and-set lost to a concurrent writer; `retrying` tries the work again. */
export class Raced extends GenerationConflict {}

export const conflict = (message: string, code?: string) => (code ? coded(new Conflict(message), code) : new Conflict(message));
export const badRequest = (message: string) => new BadRequest(message);
export const notFound = (message: string) => new NotFound(message);

export const providerNotFound = (uuid: string) => notFound(`No resource provider with uuid ${uuid} found`);

export function enforce(d: PlacementDeps, ctx: AuthContext, action: string): void {
  d.policy.enforce(action, ctx.credentials, { project_id: ctx.scope.kind === 'project' ? ctx.scope.project.id : undefined });
}

/** Placement timestamps have whole seconds (they only feed `Last-Modified`). */
export function now(): string {
  return isoSeconds(new Date());
}

/** `CUSTOM_` plus upper-case letters, digits and underscores, as upstream's schema allows. */
export const CUSTOM_NAME = /^CUSTOM_[A-Z0-9_]+$/;

export const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Upstream normalizes UUIDs given without dashes (oslo's `is_uuid_like`). */
export function normalUuid(v: string): string {
  const hex = v.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Runs `fn` in one transaction, again when a generation check or the database says it raced. */
export async function retrying<T>(db: Db, fn: (tx: Db) => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      if (i >= attempts || !(e instanceof Raced || isBusy(e))) throw e;
      // The other writer is mid-commit: give it a moment rather than spin.
      if (isBusy(e)) await new Promise((resolve) => setTimeout(resolve, i * 2));
    }
  }
}

/** SQLite refuses a write whose read snapshot went stale under another connection. */
function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Runs in the caller's transaction when given one, else in a new one. */
export function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
