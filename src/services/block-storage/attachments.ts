import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { callerProject, enforce, isAdmin, nowIso, visible, volumeSpec, type BlockStorageDeps } from './deps.ts';
import type { AttachmentTable } from './tables.ts';
import type { Volumes } from './volumes.ts';

export interface Attachment {
  id: string;
  status: string;
  instance: string | null;
  volume_id: string;
  attached_at: string | null;
  detached_at: string | null;
  attach_mode: string;
  connection_info: Record<string, unknown> | null;
}

export interface AttachmentCreate {
  volume_uuid: string;
  instance_uuid?: string | null;
  connector?: Record<string, unknown> | null;
  mode?: string;
}

/**
 * Cinder's new-style attach flow (microversion 3.27+), the one compute uses: create reserves the
 * volume, update with the host's connector returns how to reach it, complete marks it in-use,
 * delete detaches. No data moves here: the driver only describes the connection.
 */
export class Attachments {
  constructor(private readonly d: BlockStorageDeps, private readonly volumes: Volumes) {}

  private async visibleRow(ctx: AuthContext, id: string): Promise<AttachmentTable> {
    const row = await this.d.db.selectFrom('volume_attachments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !visible(this.d, ctx, row.project_id)) throw new NotFound(`Volume attachment could not be found with filter: attachment_id = ${id}.`);
    return row;
  }

  private async render(r: AttachmentTable): Promise<Attachment> {
    let connection: Record<string, unknown> | null = null;
    if (r.connector !== null) {
      const volume = await this.volumes.row(r.volume_id);
      if (volume) connection = { ...this.d.driver.connectionInfo(volumeSpec(this.d, volume)), attachment_id: r.id, access_mode: r.attach_mode };
    }
    return {
      id: r.id, status: r.status, instance: r.instance_uuid, volume_id: r.volume_id, attached_at: r.attached_at, detached_at: null,
      attach_mode: r.attach_mode, connection_info: connection,
    };
  }

  async list(ctx: AuthContext, f: { volume_id?: string | undefined; instance_id?: string | undefined; allTenants?: boolean | undefined }): Promise<Attachment[]> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'volume:attachment_get_all', { project_id: project });
    let q = this.d.db.selectFrom('volume_attachments').selectAll().orderBy('created_at', 'desc');
    if (!(f.allTenants && isAdmin(this.d, ctx))) q = q.where('project_id', '=', project);
    if (f.volume_id !== undefined) q = q.where('volume_id', '=', f.volume_id);
    if (f.instance_id !== undefined) q = q.where('instance_uuid', '=', f.instance_id);
    return Promise.all((await q.execute()).map((r) => this.render(r)));
  }

  async get(ctx: AuthContext, id: string): Promise<Attachment> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:attachment_get', { project_id: row.project_id });
    return this.render(row);
  }

  async create(ctx: AuthContext, input: AttachmentCreate): Promise<Attachment> {
    const volume = await this.volumes.visibleRow(ctx, input.volume_uuid);
    enforce(this.d, ctx, 'volume:attachment_create', { project_id: volume.project_id });
    const mode = input.mode ?? 'rw';
    if (mode !== 'rw' && mode !== 'ro') throw new BadRequest(`Invalid attach mode '${mode}': use rw or ro.`);
    const row: AttachmentTable = {
      id: uuid(), project_id: volume.project_id, volume_id: volume.id, instance_uuid: input.instance_uuid ?? null,
      status: input.connector ? 'attaching' : 'reserved', attach_mode: mode,
      connector: input.connector ? JSON.stringify(input.connector) : null, attached_at: null, created_at: nowIso(),
    };
    await this.d.db.transaction().execute(async (tx) => {
      // Volumes are not multiattach: only an available volume can take an attachment.
      const r = await tx.updateTable('volumes').set({ status: input.connector ? 'attaching' : 'reserved', updated_at: nowIso() })
        .where('id', '=', volume.id).where('status', '=', 'available').executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw new BadRequest(`Invalid volume: Volume ${volume.id} status must be available to reserve, but the status is ${volume.status}.`);
      await tx.insertInto('volume_attachments').values(row).execute();
    });
    return this.render(row);
  }

  async update(ctx: AuthContext, id: string, connector: Record<string, unknown>): Promise<Attachment> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:attachment_update', { project_id: row.project_id });
    const next = { ...row, connector: JSON.stringify(connector), status: row.status === 'attached' ? 'attached' : 'attaching' };
    await this.d.db.updateTable('volume_attachments').set(next).where('id', '=', id).execute();
    if (row.status !== 'attached') await this.volumes.setStatus(row.volume_id, 'attaching', null);
    return this.render(next);
  }

  async complete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:attachment_complete', { project_id: row.project_id });
    if (row.connector === null) throw new BadRequest('Invalid attachment: it has no connector yet; update it with the host connector first.');
    await this.d.db.updateTable('volume_attachments').set({ status: 'attached', attached_at: nowIso() }).where('id', '=', id).execute();
    await this.volumes.setStatus(row.volume_id, 'in-use', null);
  }

  /**
   * The LUKS passphrase of an attached encrypted volume, for the host that opens it (what Nova
   * fetches from the key manager); undefined for plain volumes. Only attachments with a
   * connector (a host) have one.
   */
  async passphrase(ctx: AuthContext, id: string): Promise<Buffer | undefined> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:attachment_update', { project_id: row.project_id });
    if (row.connector === null) throw new BadRequest('Invalid attachment: it has no connector yet; update it with the host connector first.');
    const volume = await this.volumes.row(row.volume_id);
    return volume ? volumeSpec(this.d, volume).passphrase : undefined;
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'volume:attachment_delete', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('volume_attachments').where('id', '=', id).execute();
      const other = await tx.selectFrom('volume_attachments').select('id').where('volume_id', '=', row.volume_id).executeTakeFirst();
      if (!other) await tx.updateTable('volumes').set({ status: 'available', updated_at: nowIso() }).where('id', '=', row.volume_id).execute();
    });
  }
}
