import type { Db } from '../../platform/db/index.ts';
import { toImage, type Image, type ImageDraft } from './model.ts';
import type { ImageMemberTable, ImageTable } from './tables.ts';

/** Who asks for a list, in the terms Glance's `_select_images_query` uses. */
export interface ListScope {
  admin: boolean;
  project?: string;
  memberStatus: string;
  /** Community images of others are listed only when asked for by `visibility=community`. */
  community: boolean;
}

/** Queries only: rows in, rows and models out. Status changes are compare-and-set. */
export class ImageStore {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<ImageTable | undefined> {
    return this.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async load(id: string): Promise<Image | undefined> {
    const row = await this.find(id);
    return row && (await this.render([row]))[0];
  }

  /** Adds properties and tags to rows, in two queries whatever the number of rows. */
  async render(rows: ImageTable[]): Promise<Image[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const props = new Map<string, Record<string, string>>(ids.map((id) => [id, {}]));
    const tags = new Map<string, string[]>(ids.map((id) => [id, []]));
    // SQLite caps bound parameters; chunk the id list.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const p of await this.db.selectFrom('image_properties').selectAll().where('image_id', 'in', chunk).orderBy('name').execute()) {
        props.get(p.image_id)![p.name] = p.value;
      }
      for (const t of await this.db.selectFrom('image_tags').selectAll().where('image_id', 'in', chunk).orderBy('value').execute()) {
        tags.get(t.image_id)!.push(t.value);
      }
    }
    return rows.map((r) => toImage(r, props.get(r.id)!, tags.get(r.id)!));
  }

  async insert(row: ImageTable, draft: Pick<ImageDraft, 'tags' | 'properties'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('images').values(row).execute();
      await replaceExtras(tx, row.id, draft);
    });
  }

  /** Writes what an owner may change, never status or data fields an upload may be writing. */
  async saveDraft(id: string, draft: ImageDraft, updatedAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('images').set({
        name: draft.name,
        visibility: draft.visibility,
        protected: draft.protected ? 1 : 0,
        os_hidden: draft.os_hidden ? 1 : 0,
        min_disk: draft.min_disk,
        min_ram: draft.min_ram,
        disk_format: draft.disk_format,
        container_format: draft.container_format,
        owner: draft.owner,
        updated_at: updatedAt,
      }).where('id', '=', id).executeTakeFirst();
      if (res.numUpdatedRows === 0n) return false;
      await replaceExtras(tx, id, draft);
      return true;
    });
  }

  /** Moves an image out of one of `from` and applies `set`; false when it was in another status or gone. */
  async transition(id: string, from: readonly string[], set: Partial<ImageTable> & { status: string }): Promise<boolean> {
    const res = await this.db.updateTable('images').set({ ...set, updated_at: new Date().toISOString() })
      .where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async remove(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('images').where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  byStatus(statuses: readonly string[]): Promise<ImageTable[]> {
    return this.db.selectFrom('images').selectAll().where('status', 'in', statuses).execute();
  }

  /** The images a caller may list: all for an admin; else own, public, accepted shares (and community when asked). */
  candidates(s: ListScope): Promise<ImageTable[]> {
    let q = this.db.selectFrom('images').selectAll();
    if (!s.admin) {
      const project = s.project;
      q = q.where((eb) => {
        const visible = [eb('visibility', '=', 'public')];
        if (s.community) visible.push(eb('visibility', '=', 'community'));
        if (project !== undefined) {
          visible.push(eb('owner', '=', project));
          let shares = eb.selectFrom('image_members').select('image_id').where('member', '=', project);
          if (s.memberStatus !== 'all') shares = shares.where('status', '=', s.memberStatus);
          visible.push(eb.and([eb('visibility', '=', 'shared'), eb('id', 'in', shares)]));
        }
        return eb.or(visible);
      });
    }
    return q.execute();
  }

  async setTag(id: string, tag: string, present: boolean): Promise<boolean> {
    if (present) {
      const res = await this.db.insertInto('image_tags').values({ image_id: id, value: tag }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
    }
    const res = await this.db.deleteFrom('image_tags').where('image_id', '=', id).where('value', '=', tag).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  // members

  member(imageId: string, member: string): Promise<ImageMemberTable | undefined> {
    return this.db.selectFrom('image_members').selectAll().where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst();
  }

  members(imageId: string): Promise<ImageMemberTable[]> {
    return this.db.selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('created_at').execute();
  }

  async addMember(row: ImageMemberTable): Promise<void> {
    await this.db.insertInto('image_members').values(row).execute();
  }

  async setMemberStatus(imageId: string, member: string, status: string, at: string): Promise<void> {
    await this.db.updateTable('image_members').set({ status, updated_at: at }).where('image_id', '=', imageId).where('member', '=', member).execute();
  }

  async removeMember(imageId: string, member: string): Promise<boolean> {
    const res = await this.db.deleteFrom('image_members').where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}

async function replaceExtras(tx: Db, id: string, draft: Pick<ImageDraft, 'tags' | 'properties'>): Promise<void> {
  await tx.deleteFrom('image_properties').where('image_id', '=', id).execute();
  await tx.deleteFrom('image_tags').where('image_id', '=', id).execute();
  const props = Object.entries(draft.properties).map(([name, value]) => ({ image_id: id, name, value }));
  if (props.length) await tx.insertInto('image_properties').values(props).execute();
  if (draft.tags.length) await tx.insertInto('image_tags').values(draft.tags.map((value) => ({ image_id: id, value }))).execute();
}
