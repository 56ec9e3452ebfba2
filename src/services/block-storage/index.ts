import type { AuthContext } from '../../platform/auth.ts';
import type { SealingKey } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { Attachments } from './attachments.ts';
import type { BackupStore } from './backup-store.ts';
import { Backups } from './backups.ts';
import { recover, Worker } from './controller.ts';
import { isAdmin, type BlockStorageDeps, type Logger } from './deps.ts';
import type { VolumeDriver } from './driver.ts';
import type { ImageSource } from './image-source.ts';
import { Messages, recordMessage } from './messages.ts';
import { blockStoragePolicies } from './policies.ts';
import { Quotas } from './quotas.ts';
import { Snapshots } from './snapshots.ts';
import { VolumeTypes } from './types.ts';
import { Volumes } from './volumes.ts';

export type { Attachment, AttachmentCreate } from './attachments.ts';
export type { BackupStore, BackupManifest, BackupRef } from './backup-store.ts';
export type { Backup, BackupCreate } from './backups.ts';
export type { Logger } from './deps.ts';
export { AVAILABILITY_ZONE } from './deps.ts';
export type { VolumeDriver, VolumeSpec } from './driver.ts';
export type { ImageDescription, ImageSource } from './image-source.ts';
export type { MessageFilters } from './messages.ts';
export type { MessageTable as Message } from './tables.ts';
export { QUOTA_DEFAULTS } from './quotas.ts';
export type { Snapshot, SnapshotCreate } from './snapshots.ts';
export type { Encryption, VolumeType, VolumeTypeInput } from './types.ts';
export type { Volume, VolumeCreate, VolumeFilters } from './volumes.ts';

/** Cinder v3: the public interface the HTTP layer and other services (compute) use. */
export interface BlockStorage {
  volumes: Volumes;
  types: VolumeTypes;
  snapshots: Snapshots;
  backups: Backups;
  attachments: Attachments;
  quotas: Quotas;
  messages: Messages;
  /** Creates the bootstrap types, finishes what a crash interrupted and purges expired messages; call before serving. */
  start(): Promise<void>;
  /** Resolves when no background job runs. */
  idle(): Promise<void>;
  /** Whether the caller sees admin-only attributes (host, project of a backup). */
  isAdmin(ctx: AuthContext): boolean;
}

export interface BlockStorageOptions {
  driver: VolumeDriver;
  backups: BackupStore;
  volumeKey: SealingKey;
  images: ImageSource;
  log: Logger;
}

export function createBlockStorage(db: Db, policy: PolicyEngine, o: BlockStorageOptions): BlockStorage {
  policy.registerDefaults(blockStoragePolicies());
  const worker = new Worker(o.log, (m, requestId) => recordMessage(db, m, requestId));
  const d: BlockStorageDeps = { db, policy, driver: o.driver, backups: o.backups, volumeKey: o.volumeKey, images: o.images, worker, log: o.log };
  const types = new VolumeTypes(d);
  const quotas = new Quotas(d);
  const volumes = new Volumes(d, types, quotas);
  const snapshots = new Snapshots(d, volumes, quotas);
  const backups = new Backups(d, volumes, quotas);
  const messages = new Messages(d);
  return {
    volumes, types, snapshots, backups, quotas, messages,
    attachments: new Attachments(d, volumes),
    async start() {
      await types.bootstrap();
      await recover(d, {
        deleteVolume: (id) => volumes.finishDelete(id),
        deleteSnapshot: (id) => snapshots.finishDelete(id),
        deleteBackup: (id) => backups.finishDelete(id),
      });
      await messages.purgeExpired();
    },
    idle: () => worker.idle(),
    isAdmin: (ctx) => isAdmin(d, ctx),
  };
}
