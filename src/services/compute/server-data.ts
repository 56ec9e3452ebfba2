import type { AuthContext } from '../../platform/auth.ts';
import { badRequest, enforce, json, notFound, now, type ComputeDeps } from './deps.ts';
import type { Quotas } from './quotas.ts';
import type { Servers } from './servers.ts';

/** Nova's limit on tags per server. */
const MAX_TAGS = 50;

function checkTag(t: unknown): string {
  if (typeof t !== 'string' || t === '' || t.length > 60 || t.includes(',') || t.includes('/')) throw badRequest(`Invalid tag: "${String(t)}"`);
  return t;
}

/** Server tags (2.26) and metadata: small per-server data that needs no host work. */
export class ServerData {
  constructor(private readonly d: ComputeDeps, private readonly servers: Servers, private readonly quotas: Quotas) {}

  async tags(ctx: AuthContext, id: string): Promise<string[]> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-server-tags:index', { project_id: row.project_id });
    return (await this.d.db.selectFrom('instance_tags').select('tag').where('instance_id', '=', id).orderBy('tag').execute()).map((r) => r.tag);
  }

  async hasTag(ctx: AuthContext, id: string, tag: string): Promise<boolean> {
    return (await this.tags(ctx, id)).includes(tag);
  }

  async replaceTags(ctx: AuthContext, id: string, tags: unknown): Promise<string[]> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-server-tags:update_all', { project_id: row.project_id });
    if (!Array.isArray(tags)) throw badRequest("Invalid input for field/attribute tags. Value: None. 'tags' is a required property");
    const clean = [...new Set(tags.map(checkTag))];
    if (clean.length > MAX_TAGS) throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('instance_tags').where('instance_id', '=', id).execute();
      if (clean.length > 0) await tx.insertInto('instance_tags').values(clean.map((tag) => ({ instance_id: id, tag }))).execute();
    });
    return clean.sort();
  }

  /** Whether the tag was new. */
  async addTag(ctx: AuthContext, id: string, tag: string): Promise<boolean> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-server-tags:update', { project_id: row.project_id });
    checkTag(tag);
    const have = await this.tags(ctx, id);
    if (have.includes(tag)) return false;
    if (have.length >= MAX_TAGS) throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    await this.d.db.insertInto('instance_tags').values({ instance_id: id, tag }).execute();
    return true;
  }

  async deleteTag(ctx: AuthContext, id: string, tag: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-server-tags:delete', { project_id: row.project_id });
    const r = await this.d.db.deleteFrom('instance_tags').where('instance_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound(`Tag ${tag} could not be found.`);
  }

  async clearTags(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:os-server-tags:delete_all', { project_id: row.project_id });
    await this.d.db.deleteFrom('instance_tags').where('instance_id', '=', id).execute();
  }

  async metadata(ctx: AuthContext, id: string): Promise<Record<string, string>> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:server-metadata:index', { project_id: row.project_id });
    return json(row.metadata);
  }

  /** `replace` for PUT (the whole set), merge for POST and single keys. */
  async setMetadata(ctx: AuthContext, id: string, items: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, `os_compute_api:server-metadata:${replace ? 'update_all' : 'update'}`, { project_id: row.project_id });
    this.servers.checkLock(ctx, row);
    const next = replace ? { ...items } : { ...json<Record<string, string>>(row.metadata), ...items };
    for (const [k, v] of Object.entries(next)) {
      if (typeof v !== 'string' || k.length === 0 || k.length > 255 || v.length > 255) throw badRequest('Metadata property key or value is invalid or too long.');
    }
    const limit = (await this.quotas.limits(this.d.db, row.project_id)).metadata_items!;
    if (limit >= 0 && Object.keys(next).length > limit) throw badRequest(`Quota exceeded for metadata_items: Requested ${Object.keys(next).length}, but already used 0 of ${limit} metadata_items`);
    await this.d.db.updateTable('instances').set({ metadata: JSON.stringify(next), updated_at: now() }).where('id', '=', id).execute();
    return next;
  }

  async deleteMetadata(ctx: AuthContext, id: string, key: string): Promise<void> {
    const row = await this.servers.row(ctx, id);
    enforce(this.d, ctx, 'os_compute_api:server-metadata:delete', { project_id: row.project_id });
    this.servers.checkLock(ctx, row);
    const meta = json<Record<string, string>>(row.metadata);
    if (!(key in meta)) throw notFound('Metadata item was not found');
    delete meta[key];
    await this.d.db.updateTable('instances').set({ metadata: JSON.stringify(meta), updated_at: now() }).where('id', '=', id).execute();
  }
}
