import type { Logger } from '../../platform/log.ts';
import type { AuthContext } from '../../platform/auth.ts';
import type { SealingKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db/index.ts';
import { NotFound } from '../../platform/errors.ts';
import type { PolicyEngine, Target } from '../../platform/policy/engine.ts';
import type { BackupStore } from './backup-store.ts';
import type { Worker } from './controller.ts';
import type { VolumeDriver, VolumeSpec } from './driver.ts';
import type { ImageSource } from './image-source.ts';
import type { VolumeTable } from './tables.ts';

export type { Logger } from '../../platform/log.ts';

/** What every block-storage module is built from; wired once in index.ts. */
export interface BlockStorageDeps {
  db: Db;
  policy: PolicyEngine;
  driver: VolumeDriver;
  backups: BackupStore;
  /** Wraps each encrypted volume's passphrase; the master key lives in `<stateDir>/keys/`. */
  volumeKey: SealingKey;
  /** The image service as far as volumes from images need it. */
  images: ImageSource;
  worker: Worker;
  log: Logger;
}

export const AVAILABILITY_ZONE = 'nova';

export function enforce(d: BlockStorageDeps, ctx: AuthContext, action: string, target: Target = {}): void {
  d.policy.enforce(action, ctx.credentials, target);
}

export function isAdmin(d: BlockStorageDeps, ctx: AuthContext): boolean {
  return d.policy.check('context_is_admin', ctx.credentials, {});
}

/** The project a request acts for; Cinder needs a project-scoped token. */
export function callerProject(ctx: AuthContext): string {
  return ctx.scope.kind === 'project' ? ctx.scope.project.id : '';
}

/**
 * Whether the caller may see a resource of `projectId` at all; Cinder answers "not found", never
 * "forbidden", for other projects' resources.
 */
export function visible(d: BlockStorageDeps, ctx: AuthContext, projectId: string): boolean {
  return projectId === callerProject(ctx) || isAdmin(d, ctx);
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function volumeNotFound(id: string): NotFound {
  return new NotFound(`Volume ${id} could not be found.`);
}

/** What the driver needs to know of a volume, with its passphrase unwrapped. */
export function volumeSpec(d: BlockStorageDeps, row: Pick<VolumeTable, 'id' | 'size' | 'encryption_key'>): VolumeSpec {
  if (row.encryption_key === null) return { id: row.id, sizeGiB: row.size };
  const passphrase = d.volumeKey.open(Buffer.from(row.encryption_key, 'base64'), Buffer.from(row.id));
  if (!passphrase) throw new Error(`the key of volume ${row.id} does not open with the volume master key`);
  return { id: row.id, sizeGiB: row.size, passphrase };
}

/** Seals a passphrase to one volume id, so a key row copied to another volume does not open. */
export function sealPassphrase(d: BlockStorageDeps, volumeId: string, passphrase: Buffer): string {
  return d.volumeKey.seal(passphrase, Buffer.from(volumeId)).toString('base64');
}

export function parseMap(json: string): Record<string, string> {
  return JSON.parse(json) as Record<string, string>;
}
