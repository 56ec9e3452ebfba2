import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { paginate, type Page } from '../../platform/pagination.ts';
import { callerProject, enforce, isAdmin, nowIso, parseMap, visible, type BlockStorageDeps } from './deps.ts';
import { Action, Detail } from './messages.ts';
import type { Quotas } from './quotas.ts';
import type { SnapshotTable } from './tables.ts';
import type { Volumes } from './volumes.ts';

export interface Snapshot extends Omit<SnapshotTable, 'metadata'> {
  metadata: Record<string, string>;
}

export interface SnapshotCreate {
  volume_id: string;
  name?: string | null;
  description?: string | null;
  force?: boolean;
  metadata?: Record<string, string>;
}

const toSnapshot = (r: SnapshotTable): Snapshot => ({ ...r, metadata: parseMap(r.metadata) });

export function snapshotNotFound(id: string): NotFound {
  return new NotFound(`Snapshot ${id} could not be found.`);
}

export class Snapshots {
  constructor(private readonly d: BlockStorageDeps, private readonly volumes: Volumes, private readonly quotas: Quotas) {}

  private async visibleRow(ctx: AuthContext, id: string): Promise<SnapshotTable> {
    const row = await this.d.db.selectFrom('volume_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !visible(this.d, ctx, row.project_id)) throw snapshotNotFound(id);
    return row;
  }

  async list(ctx: AuthContext, f: { name?: string | undefined; status?: string | undefined; volume_id?: string | undefined; allTenants?: boolean | undefined },
    page: { limit?: number | undefined; marker?: string | undefined }): Promise<Page<Snapshot>> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'volume:get_all_snapshots', { project_id: project });
    let q = this.d.db.selectFrom('volume_snapshots').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (!(f.allTenants && isAdmin(this.d, ctx))) q = q.where('project_id', '=', project);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.volume_id !== undefined) q = q.where('volume_id', '=', f.volume_id);
    const p = paginate(await q.execute(), page);
    return { items: p.items.map(toSnapshot), ...(p.nextMarker ? { nextMarker: p.nextMarker } : {}) };
  }

  async get(ctx: AuthContext, id: string): Promise<Snapshot> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:get_snapshot', { project_id: row.project_id });
    return toSnapshot(row);
  }

  async create(ctx: AuthContext, input: SnapshotCreate): Promise<Snapshot> {
    const volume = await this.volumes.visibleRow(ctx, input.volume_id);
    enforce(this.d, ctx, 'volume:create_snapshot', { project_id: volume.project_id });
    const allowed = input.force ? ['available', 'in-use'] : ['available'];
    if (!allowed.includes(volume.status)) throw new BadRequest(`Invalid volume: Volume ${volume.id} status must be available, but current status is: ${volume.status}.`);
    const row: SnapshotTable = {
      id: uuid(), project_id: volume.project_id, user_id: ctx.user.id, volume_id: volume.id, name: input.name ?? '',
      description: input.description ?? null, size: volume.size, status: 'creating', metadata: JSON.stringify(input.metadata ?? {}),
      fault: null, created_at: nowIso(), updated_at: null,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, volume.project_id, { snapshots: 1, gigabytes: volume.size });
      await tx.insertInto('volume_snapshots').values(row).execute();
    });
    const message = { projectId: row.project_id, resourceType: 'VOLUME_SNAPSHOT', resourceUuid: row.id, action: Action.SNAPSHOT_CREATE, detail: Detail.SNAPSHOT_CREATE_ERROR } as const;
    this.d.worker.run({ snapshot: row.id }, message, async () => {
      await this.d.driver.createSnapshot(row.id, volume.id);
      await this.setStatus(row.id, 'available', null);
    }, (fault) => this.setStatus(row.id, 'error', fault));
    return toSnapshot(row);
  }

  async update(ctx: AuthContext, id: string, patch: { name?: string | null; description?: string | null }): Promise<Snapshot> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:update_snapshot', { project_id: row.project_id });
    const next: SnapshotTable = {
      ...row, name: patch.name === undefined ? row.name : patch.name ?? '',
      description: patch.description === undefined ? row.description : patch.description, updated_at: nowIso(),
    };
    await this.d.db.updateTable('volume_snapshots').set(next).where('id', '=', id).execute();
    return toSnapshot(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:delete_snapshot', { project_id: row.project_id });
    if (!['available', 'error', 'error_deleting'].includes(row.status)) {
      throw new BadRequest(`Invalid snapshot: Volume Snapshot status must be available or error, but current status is: ${row.status}.`);
    }
    await this.d.db.updateTable('volume_snapshots').set({ status: 'deleting', updated_at: nowIso() }).where('id', '=', id).execute();
    const message = { projectId: row.project_id, resourceType: 'VOLUME_SNAPSHOT', resourceUuid: id, action: Action.SNAPSHOT_DELETE, detail: Detail.SNAPSHOT_DELETE_ERROR } as const;
    this.d.worker.run({ snapshot: id }, message, () => this.finishDelete(id), (fault) => this.setStatus(id, 'error_deleting', fault));
  }

  async finishDelete(id: string): Promise<void> {
    await this.d.driver.deleteSnapshot(id);
    await this.d.db.deleteFrom('volume_snapshots').where('id', '=', id).execute();
  }

  private async setStatus(id: string, status: string, fault: string | null): Promise<void> {
    await this.d.db.updateTable('volume_snapshots').set({ status, fault, updated_at: nowIso() }).where('id', '=', id).execute();
  }
}
