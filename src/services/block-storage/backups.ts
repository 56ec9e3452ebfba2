import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { paginate, type Page } from '../../platform/pagination.ts';
import { restoreBackupData } from './backup-data.ts';
import { AVAILABILITY_ZONE, callerProject, enforce, isAdmin, nowIso, parseMap, visible, volumeSpec, type BlockStorageDeps } from './deps.ts';
import { Action, Detail, type MessageSpec } from './messages.ts';
import type { Quotas } from './quotas.ts';
import type { BackupTable } from './tables.ts';
import type { Volumes } from './volumes.ts';

export interface Backup extends Omit<BackupTable, 'metadata' | 'is_incremental' | 'restore_volume_id'> {
  metadata: Record<string, string>;
  is_incremental: boolean;
  has_dependent_backups: boolean;
}

export interface BackupCreate {
  volume_id: string;
  name?: string | null;
  description?: string | null;
  container?: string | null;
  incremental?: boolean;
  force?: boolean;
  snapshot_id?: string | null;
  metadata?: Record<string, string>;
}

export function backupNotFound(id: string): NotFound {
  return new NotFound(`Backup ${id} could not be found.`);
}

export class Backups {
  constructor(private readonly d: BlockStorageDeps, private readonly volumes: Volumes, private readonly quotas: Quotas) {}

  private async visibleRow(ctx: AuthContext, id: string): Promise<BackupTable> {
    const row = await this.d.db.selectFrom('volume_backups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !visible(this.d, ctx, row.project_id)) throw backupNotFound(id);
    return row;
  }

  private async render(r: BackupTable): Promise<Backup> {
    const child = await this.d.db.selectFrom('volume_backups').select('id').where('parent_id', '=', r.id).executeTakeFirst();
    const { restore_volume_id: _internal, ...rest } = r;
    return { ...rest, metadata: parseMap(r.metadata), is_incremental: r.is_incremental === 1, has_dependent_backups: child !== undefined };
  }

  async list(ctx: AuthContext, f: { name?: string | undefined; status?: string | undefined; volume_id?: string | undefined; allTenants?: boolean | undefined },
    page: { limit?: number | undefined; marker?: string | undefined }): Promise<Page<Backup>> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'backup:get_all', { project_id: project });
    let q = this.d.db.selectFrom('volume_backups').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (!(f.allTenants && isAdmin(this.d, ctx))) q = q.where('project_id', '=', project);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.volume_id !== undefined) q = q.where('volume_id', '=', f.volume_id);
    const p = paginate(await q.execute(), page);
    return { items: await Promise.all(p.items.map((r) => this.render(r))), ...(p.nextMarker ? { nextMarker: p.nextMarker } : {}) };
  }

  async get(ctx: AuthContext, id: string): Promise<Backup> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'backup:get', { project_id: row.project_id });
    return this.render(row);
  }

  async create(ctx: AuthContext, input: BackupCreate): Promise<Backup> {
    const volume = await this.volumes.visibleRow(ctx, input.volume_id);
    enforce(this.d, ctx, 'backup:create', { project_id: volume.project_id });
    if (input.snapshot_id) throw new BadRequest('Backups of snapshots are not supported; back up the volume.');
    // An attached volume changes under the reader; without a snapshot to read from, only a detached one is safe.
    if (volume.status !== 'available') throw new BadRequest(`Invalid volume: Volume to be backed up must be available but the current status is "${volume.status}".`);
    let parent: BackupTable | undefined;
    if (input.incremental) {
      parent = await this.d.db.selectFrom('volume_backups').selectAll().where('volume_id', '=', volume.id).where('status', '=', 'available')
        .orderBy('data_timestamp', 'desc').executeTakeFirst();
      if (!parent) throw new BadRequest('Invalid backup: No backups available to do an incremental backup.');
    }
    const now = nowIso();
    const row: BackupTable = {
      id: uuid(), project_id: volume.project_id, user_id: ctx.user.id, volume_id: volume.id, name: input.name ?? '',
      description: input.description ?? null, size: volume.size, status: 'creating', fail_reason: null,
      container: input.container ?? null, is_incremental: parent ? 1 : 0, parent_id: parent?.id ?? null, object_count: 0,
      metadata: JSON.stringify(input.metadata ?? {}), availability_zone: AVAILABILITY_ZONE, restore_volume_id: null,
      created_at: now, updated_at: null, data_timestamp: now,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, volume.project_id, { backups: 1, backup_gigabytes: volume.size });
      const moved = await tx.updateTable('volumes').set({ status: 'backing-up', updated_at: now }).where('id', '=', volume.id).where('status', '=', 'available').executeTakeFirst();
      if (moved.numUpdatedRows === 0n) throw new BadRequest('Invalid volume: Volume to be backed up must be available.');
      await tx.insertInto('volume_backups').values(row).execute();
    });
    const back = () => this.d.db.updateTable('volumes').set({ status: 'available', updated_at: nowIso() }).where('id', '=', volume.id).where('status', '=', 'backing-up').execute();
    this.d.worker.run({ backup: row.id }, backupMessage(row, Action.BACKUP_CREATE, Detail.BACKUP_CREATE_DRIVER_ERROR), async () => {
      const parentManifest = parent ? await this.d.backups.manifest({ id: parent.id, projectId: parent.project_id }) : undefined;
      const manifest = await this.d.driver.withRawData(volumeSpec(this.d, volume), (raw) => this.d.backups.write({ id: row.id, projectId: row.project_id }, raw, parentManifest));
      const stored = manifest.chunks.filter((c) => !c.zero && c.storedIn === row.id).length;
      await this.d.db.updateTable('volume_backups').set({ status: 'available', object_count: stored, updated_at: nowIso() }).where('id', '=', row.id).execute();
      await back();
    }, async (fault) => {
      await this.d.backups.delete({ id: row.id, projectId: row.project_id });
      await this.d.db.updateTable('volume_backups').set({ status: 'error', fail_reason: fault, updated_at: nowIso() }).where('id', '=', row.id).execute();
      await back();
    });
    return this.render(row);
  }

  async delete(ctx: AuthContext, id: string, force = false): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, force ? 'volume_extension:volume_admin_actions:force_delete' : 'backup:delete', { project_id: row.project_id });
    if (!force && !['available', 'error'].includes(row.status)) throw new BadRequest('Invalid backup: Backup status must be available or error');
    if (await this.d.db.selectFrom('volume_backups').select('id').where('parent_id', '=', id).executeTakeFirst()) {
      throw new BadRequest('Invalid backup: Incremental backups exist for this backup.');
    }
    await this.d.db.updateTable('volume_backups').set({ status: 'deleting', updated_at: nowIso() }).where('id', '=', id).execute();
    this.d.worker.run({ backup: id }, backupMessage(row, Action.BACKUP_DELETE, Detail.BACKUP_DELETE_DRIVER_ERROR), () => this.finishDelete(id), async (fault) => {
      await this.d.db.updateTable('volume_backups').set({ status: 'error_deleting', fail_reason: fault, updated_at: nowIso() }).where('id', '=', id).execute();
    });
  }

  async finishDelete(id: string): Promise<void> {
    const row = await this.d.db.selectFrom('volume_backups').select('project_id').where('id', '=', id).executeTakeFirst();
    if (row) await this.d.backups.delete({ id, projectId: row.project_id });
    await this.d.db.deleteFrom('volume_backups').where('id', '=', id).execute();
  }

  /** Restores to an existing volume, or to a new one made for it. Answers with the target. */
  async restore(ctx: AuthContext, id: string, o: { volume_id?: string | null; name?: string | null }): Promise<{ backup_id: string; volume_id: string; volume_name: string }> {
    const backup = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'backup:restore', { project_id: backup.project_id });
    if (backup.status !== 'available') throw new BadRequest(`Invalid backup: Backup status must be available but is ${backup.status}.`);
    if (!o.volume_id) {
      // A new volume is a volume created from the backup: one job makes it and fills it.
      const made = await this.volumes.create(ctx, { size: backup.size, name: o.name ?? `restore_backup_${id}`, backup_id: id });
      return { backup_id: id, volume_id: made.id, volume_name: made.name };
    }
    const target = await this.volumes.visibleRow(ctx, o.volume_id);
    if (target.status !== 'available') throw new BadRequest(`Invalid volume: Volume to be restored to must be available but is ${target.status}.`);
    if (target.size < backup.size) throw new BadRequest(`Invalid volume: volume size ${target.size} is smaller than backup size ${backup.size}.`);
    await this.volumes.setStatus(target.id, 'restoring-backup', null);
    await this.d.db.updateTable('volume_backups').set({ status: 'restoring', restore_volume_id: target.id, updated_at: nowIso() }).where('id', '=', id).execute();
    const volume = target;
    const backupBack = () => this.d.db.updateTable('volume_backups').set({ status: 'available', restore_volume_id: null, updated_at: nowIso() }).where('id', '=', id).execute();
    this.d.worker.run({ backup: id, volume: volume.id }, backupMessage(backup, Action.BACKUP_RESTORE, Detail.BACKUP_RESTORE_ERROR), async () => {
      await restoreBackupData(this.d, id, volume);
      await this.volumes.setStatus(volume.id, 'available', null);
      await backupBack();
    }, async (fault) => {
      await this.volumes.setStatus(volume.id, 'error_restoring', fault);
      await backupBack();
    });
    return { backup_id: id, volume_id: volume.id, volume_name: volume.name };
  }
}

function backupMessage(b: BackupTable, action: MessageSpec['action'], detail: MessageSpec['detail']): MessageSpec {
  return { projectId: b.project_id, resourceType: 'VOLUME_BACKUP', resourceUuid: b.id, action, detail };
}
