import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { NotFound } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { paginate, type Page } from '../../platform/pagination.ts';
import { callerProject, enforce, nowIso, visible, type BlockStorageDeps } from './deps.ts';
import type { MessageTable } from './tables.ts';

/** Cinder's `message_ttl` default: a message is guaranteed to exist for 30 days. */
const MESSAGE_TTL_MS = 2_592_000 * 1000;

/** Cinder's `message_field.Resource`. */
export type MessageResource = 'VOLUME' | 'VOLUME_SNAPSHOT' | 'VOLUME_BACKUP';

type Field = readonly [id: string, text: string];

/** Cinder's `message_field.Action` entries this service can fail in, with Cinder's ids and words. */
export const Action = {
  COPY_IMAGE_TO_VOLUME: ['005', 'copy image to volume'],
  EXTEND_VOLUME: ['007', 'extend volume'],
  CREATE_VOLUME_FROM_BACKEND: ['008', 'create volume from backend storage'],
  SNAPSHOT_CREATE: ['009', 'create snapshot'],
  SNAPSHOT_DELETE: ['010', 'delete snapshot'],
  BACKUP_CREATE: ['013', 'create backup'],
  BACKUP_DELETE: ['014', 'delete backup'],
  BACKUP_RESTORE: ['015', 'restore backup'],
  // Cinder records no message for these two; the ids are sovcloud's, far from Cinder's range.
  VOLUME_DELETE: ['901', 'delete volume'],
  REVERT_TO_SNAPSHOT: ['902', 'revert volume to snapshot'],
} as const satisfies Record<string, Field>;

/** Cinder's `message_field.Detail` entries, with Cinder's ids and words. */
export const Detail = {
  UNKNOWN_ERROR: ['001', 'An unknown error occurred.'],
  DRIVER_FAILED_EXTEND: ['010', 'Volume Driver failed to extend volume.'],
  DRIVER_FAILED_CREATE: ['012', 'Driver failed to create the volume.'],
  SNAPSHOT_CREATE_ERROR: ['013', 'Snapshot failed to create.'],
  SNAPSHOT_DELETE_ERROR: ['016', 'Snapshot failed to delete.'],
  BACKUP_CREATE_DRIVER_ERROR: ['020', 'Backup driver failed to create backup.'],
  BACKUP_DELETE_DRIVER_ERROR: ['025', 'Backup driver failed to delete backup.'],
  BACKUP_RESTORE_ERROR: ['026', 'Backup driver failed to restore backup.'],
} as const satisfies Record<string, Field>;

/** What a failed background job tells the project that asked for it. */
export interface MessageSpec {
  projectId: string;
  resourceType: MessageResource;
  resourceUuid: string;
  action: Field;
  detail: Field;
}

/**
 * Records an ERROR message as Cinder's `message.api.create` does: the event id joins resource,
 * action and detail ids, the user message their words, and it expires after `message_ttl`.
 */
export async function recordMessage(db: Db, m: MessageSpec, requestId: string): Promise<void> {
  const now = new Date();
  await db.insertInto('volume_messages').values({
    id: uuid(), project_id: m.projectId, request_id: requestId, resource_type: m.resourceType, resource_uuid: m.resourceUuid,
    event_id: `VOLUME_${m.resourceType}_${m.action[0]}_${m.detail[0]}`, user_message: `${m.action[1]}: ${m.detail[1]}`,
    message_level: 'ERROR', created_at: now.toISOString(), expires_at: new Date(now.getTime() + MESSAGE_TTL_MS).toISOString(),
  }).execute();
}

export interface MessageFilters {
  resource_uuid?: string | undefined;
  resource_type?: string | undefined;
  event_id?: string | undefined;
  request_id?: string | undefined;
  message_level?: string | undefined;
}

export function messageNotFound(id: string): NotFound {
  return new NotFound(`Message ${id} could not be found.`);
}

/** Cinder's `/messages`: a project reads and deletes its own; expired ones are gone. */
export class Messages {
  constructor(private readonly d: BlockStorageDeps) {}

  /** Deletes messages past their guarantee (Cinder's reaper); returns how many. */
  async purgeExpired(): Promise<number> {
    const r = await this.d.db.deleteFrom('volume_messages').where('expires_at', '<', nowIso()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async list(ctx: AuthContext, f: MessageFilters, page: { limit?: number | undefined; marker?: string | undefined }): Promise<Page<MessageTable>> {
    const project = callerProject(ctx);
    enforce(this.d, ctx, 'message:get_all', { project_id: project });
    await this.purgeExpired();
    let q = this.d.db.selectFrom('volume_messages').selectAll().where('project_id', '=', project).orderBy('created_at', 'desc').orderBy('id', 'desc');
    for (const key of ['resource_uuid', 'resource_type', 'event_id', 'request_id', 'message_level'] as const) {
      const value = f[key];
      if (value !== undefined) q = q.where(key, '=', value);
    }
    return paginate(await q.execute(), page);
  }

  async get(ctx: AuthContext, id: string): Promise<MessageTable> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'message:get', { project_id: row.project_id });
    return row;
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.visibleRow(ctx, id);
    enforce(this.d, ctx, 'message:delete', { project_id: row.project_id });
    await this.d.db.deleteFrom('volume_messages').where('id', '=', id).execute();
  }

  private async visibleRow(ctx: AuthContext, id: string): Promise<MessageTable> {
    const row = await this.d.db.selectFrom('volume_messages').selectAll().where('id', '=', id).where('expires_at', '>=', nowIso()).executeTakeFirst();
    if (!row || !visible(this.d, ctx, row.project_id)) throw messageNotFound(id);
    return row;
  }
}
