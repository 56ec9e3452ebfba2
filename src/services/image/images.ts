import { projectId, type AuthContext } from '../../platform/auth.ts';
import { Conflict, Forbidden, NotFound, PayloadTooLarge } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { paginate, sortBy, type Page } from '../../platform/pagination.ts';
import { enforce, imageNotFound, imageTarget, isAdmin, visibleImage, type ImageDeps } from './deps.ts';
import { matches, parseListQuery, type Query } from './filters.ts';
import { applyChange, type Change, type PatchDialect } from './json-patch.ts';
import {
  checkFormats, checkQuotas, checkValue, checkWritable, TAG_QUOTA,
  type Image, type ImageDraft,
} from './model.ts';
import type { ImageTable } from './tables.ts';

/** Attributes Glance refuses on create even before schema validation. */
const NOT_ON_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores'];

/** Images: create, show, list, JSON-patch update, delete, (de)activate, tags. */
export class Images {
  constructor(private readonly d: ImageDeps) {}

  async create(ctx: AuthContext, body: Record<string, unknown>): Promise<Image> {
    for (const key of NOT_ON_CREATE) if (key in body) throw new Forbidden(`Attribute '${key}' is read-only.`);
    for (const [key, value] of Object.entries(body)) checkValue(key, value);
    for (const key of Object.keys(body)) if (key !== 'id') checkWritable(key);

    const draft: ImageDraft = {
      name: null, visibility: 'shared', protected: false, os_hidden: false, min_disk: 0, min_ram: 0,
      disk_format: null, container_format: null, owner: projectId(ctx) ?? null, tags: [], properties: {},
    };
    // A create body is a series of `add`s to the default draft.
    for (const [key, value] of Object.entries(body)) if (key !== 'id') applyChange(draft, { op: 'add', path: [key], value }, 10);
    const id = (body.id as string | undefined)?.toLowerCase() ?? uuid();
    const target = imageTarget({ id, owner: draft.owner, visibility: draft.visibility });
    enforce(this.d, ctx, 'add_image', target);
    this.enforceVisibility(ctx, draft.visibility, target);
    checkFormats(draft);
    checkQuotas(draft);
    if (await this.d.store.find(id)) throw new Conflict(`Image with identifier ${id} already exists!`);

    const now = new Date().toISOString();
    const row: ImageTable = {
      id, name: draft.name, status: 'queued', visibility: draft.visibility, protected: draft.protected ? 1 : 0,
      os_hidden: draft.os_hidden ? 1 : 0, checksum: null, os_hash_algo: null, os_hash_value: null, size: null,
      virtual_size: null, min_disk: draft.min_disk, min_ram: draft.min_ram, disk_format: draft.disk_format,
      container_format: draft.container_format, owner: draft.owner, created_at: now, updated_at: now,
    };
    await this.d.store.insert(row, draft);
    return this.reload(id);
  }

  async get(ctx: AuthContext, id: string): Promise<Image> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'get_image', imageTarget(image, memberId));
    return image;
  }

  async list(ctx: AuthContext, query: Query): Promise<Page<Image>> {
    const { filters, sort, page } = parseListQuery(query);
    const project = projectId(ctx);
    enforce(this.d, ctx, 'get_images', project === undefined ? {} : { project_id: project });
    const admin = isAdmin(this.d, ctx);
    const rows = await this.d.store.candidates({ admin, project, memberStatus: filters.memberStatus, community: filters.visibility === 'community' });
    // A listed shared image that is not the caller's own is one it is a member of (or an admin sees).
    const memberOf = new Set(project === undefined ? [] : rows.filter((r) => r.visibility === 'shared' && r.owner !== project).map((r) => r.id));
    const images = (await this.d.store.render(rows)).filter((image) => matches(image, filters) &&
      this.d.policy.check('image:get_image', ctx.credentials, imageTarget(image, memberOf.has(image.id) ? project : undefined)));
    return paginate(sortBy(images, sort), page);
  }

  async update(ctx: AuthContext, id: string, changes: Change[], dialect: PatchDialect): Promise<Image> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    const target = imageTarget(image, memberId);
    const draft = toDraft(image);
    for (const change of changes) {
      const name = change.path[0]!;
      if (name === 'visibility' && change.op !== 'remove') this.enforceVisibility(ctx, change.value as string, target);
      if (name === 'owner' && !isAdmin(this.d, ctx)) throw new Forbidden("Owner can't be updated by non admin.");
      enforce(this.d, ctx, 'modify_image', target);
      if ((name === 'disk_format' || name === 'container_format') && !['queued', 'importing'].includes(image.status)) {
        throw new Forbidden(`Attribute ${name} can be only replaced for a queued image.`);
      }
      applyChange(draft, change, dialect);
    }
    checkFormats(draft);
    checkQuotas(draft);
    if (changes.length > 0 && !(await this.d.store.saveDraft(id, draft, new Date().toISOString()))) throw imageNotFound(id);
    return this.reload(id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'delete_image', imageTarget(image, memberId));
    if (image.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    // The row goes first: a crash before the files are gone leaves orphans that recovery collects,
    // never an active image without data.
    if (!(await this.d.store.remove(id))) throw new NotFound(`Failed to find image ${id} to delete`);
    await this.d.data.delete('image', id);
    await this.d.data.delete('staging', id);
  }

  async deactivate(ctx: AuthContext, id: string): Promise<void> {
    await this.toggle(ctx, id, 'deactivate', 'active', 'deactivated');
  }

  async reactivate(ctx: AuthContext, id: string): Promise<void> {
    await this.toggle(ctx, id, 'reactivate', 'deactivated', 'active');
  }

  private async toggle(ctx: AuthContext, id: string, action: string, from: string, to: string): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, action, imageTarget(image, memberId));
    if (image.status === to) return;
    if (image.status !== from || !(await this.d.store.transition(id, [from], { status: to }))) {
      throw new Forbidden(`Not allowed to ${action} image in status '${image.status}'`);
    }
  }

  async addTag(ctx: AuthContext, id: string, tag: string): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'modify_image', imageTarget(image, memberId));
    checkValue('tags', [tag]);
    if (!image.tags.includes(tag) && image.tags.length >= TAG_QUOTA) {
      throw new PayloadTooLarge(`Maximum number of tags exceeded: at most ${TAG_QUOTA} are allowed.`);
    }
    await this.d.store.setTag(id, tag, true);
  }

  async removeTag(ctx: AuthContext, id: string, tag: string): Promise<void> {
    const { image, memberId } = await visibleImage(this.d, ctx, id);
    enforce(this.d, ctx, 'modify_image', imageTarget(image, memberId));
    if (!(await this.d.store.setTag(id, tag, false))) throw new NotFound('The resource could not be found.');
  }

  /** Public images need `publicize_image`, community ones `communitize_image`. */
  private enforceVisibility(ctx: AuthContext, visibility: string, target: Record<string, unknown>): void {
    if (visibility === 'public') enforce(this.d, ctx, 'publicize_image', target);
    if (visibility === 'community') enforce(this.d, ctx, 'communitize_image', target);
  }

  private async reload(id: string): Promise<Image> {
    const image = await this.d.store.load(id);
    if (!image) throw imageNotFound(id);
    return image;
  }
}

function toDraft(image: Image): ImageDraft {
  const { name, visibility, min_disk, min_ram, disk_format, container_format, owner } = image;
  return {
    name, visibility, protected: image.protected, os_hidden: image.os_hidden, min_disk, min_ram, disk_format, container_format,
    owner, tags: [...image.tags], properties: { ...image.properties },
  };
}
