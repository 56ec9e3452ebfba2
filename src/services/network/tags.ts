import type { Db } from '../../platform/db/index.ts';
import { invalid } from './validate.ts';

/** Neutron's `standard-attr-tag`: any resource's tags by its id (ids are UUIDs, unique across kinds). */
export class Tags {
  constructor(private readonly db: Db) {}

  async of(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('network_tags').selectAll().where('resource_id', 'in', ids.slice(i, i + 500)).orderBy('tag').execute();
      for (const r of rows) out.get(r.resource_id)?.push(r.tag);
    }
    return out;
  }

  async replace(id: string, tags: unknown): Promise<string[]> {
    if (!Array.isArray(tags)) throw invalid('tags', `'${JSON.stringify(tags)}' is not a list`);
    const clean = [...new Set(tags.map((t) => check(t)))];
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      if (clean.length > 0) await tx.insertInto('network_tags').values(clean.map((tag) => ({ resource_id: id, tag }))).execute();
    });
    return clean.sort();
  }

  async add(id: string, tag: string): Promise<void> {
    await this.db.insertInto('network_tags').values({ resource_id: id, tag: check(tag) }).onConflict((oc) => oc.doNothing()).execute();
  }

  /** Whether the tag was there. */
  async remove(id: string, tag: string): Promise<boolean> {
    const r = await this.db.deleteFrom('network_tags').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async clear(id: string): Promise<void> {
    await this.db.deleteFrom('network_tags').where('resource_id', '=', id).execute();
  }
}

function check(t: unknown): string {
  if (typeof t !== 'string' || t === '' || t.length > 255 || t.includes(',')) throw invalid('tags', `'${String(t)}' is not a valid tag`);
  return t;
}
