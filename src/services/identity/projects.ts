import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, Forbidden, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { ProjectTable } from './tables.ts';
import { defaultDomain, enforce, flag, mergeExtra, nowIso, splitExtra, type IdentityDeps } from './deps.ts';
import type { Domains } from './domains.ts';

export interface Project {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string;
  description: string;
  enabled: boolean;
  is_domain: false;
  tags: string[];
  options: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface ProjectInput {
  name?: string;
  domain_id?: string;
  parent_id?: string | null;
  description?: string;
  enabled?: boolean;
  is_domain?: boolean;
  tags?: string[];
  [extra: string]: unknown;
}

export interface ProjectFilters {
  name?: string;
  domain_id?: string;
  parent_id?: string;
  enabled?: boolean;
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
}

const KNOWN = ['id', 'name', 'domain_id', 'parent_id', 'description', 'enabled', 'is_domain', 'tags', 'options'] as const;
const MAX_TAGS = 80;

export class Projects {
  private readonly createdListeners: ((projectId: string) => Promise<void>)[] = [];
  private readonly deletedListeners: ((projectId: string) => Promise<void>)[] = [];

  constructor(private readonly d: IdentityDeps, private readonly domains: Domains) {}

  async find(id: string): Promise<ProjectTable | undefined> {
    return this.d.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<ProjectTable> {
    const row = await this.find(id);
    if (!row) throw notFound('project', id);
    return row;
  }

  async byName(name: string, domainId: string): Promise<ProjectTable | undefined> {
    return this.d.db.selectFrom('projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
  }

  async render(row: ProjectTable): Promise<Project> {
    const tags = await this.d.db.selectFrom('project_tags').select('name').where('project_id', '=', row.id).orderBy('name').execute();
    return {
      ...(JSON.parse(row.extra) as object),
      id: row.id,
      name: row.name,
      domain_id: row.domain_id,
      parent_id: row.parent_id ?? row.domain_id,
      description: row.description,
      enabled: bool(row.enabled),
      is_domain: false,
      tags: tags.map((t) => t.name),
      options: {},
    };
  }

  /** Ids of the project's ancestors, nearest first. */
  async ancestors(row: ProjectTable): Promise<string[]> {
    const out: string[] = [];
    let parent = row.parent_id;
    while (parent && !out.includes(parent)) {
      out.push(parent);
      parent = (await this.find(parent))?.parent_id ?? null;
    }
    return out;
  }

  /** Ids of every project below the given one. */
  async descendants(id: string): Promise<string[]> {
    const out: string[] = [];
    let frontier = [id];
    while (frontier.length > 0) {
      const rows = await this.d.db.selectFrom('projects').select('id').where('parent_id', 'in', frontier).execute();
      frontier = rows.map((r) => r.id).filter((c) => !out.includes(c));
      out.push(...frontier);
    }
    return out;
  }

  async list(ctx: AuthContext, f: ProjectFilters): Promise<Project[]> {
    const domainId = f.domain_id ?? (ctx.scope.kind === 'domain' ? ctx.scope.domain.id : undefined);
    enforce(this.d, ctx, 'list_projects', { target: domainId === undefined ? {} : { domain_id: domainId } });
    let q = this.d.db.selectFrom('projects').selectAll().orderBy('name');
    if (domainId !== undefined) q = q.where('domain_id', '=', domainId);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.enabled !== undefined) q = q.where('enabled', '=', flag(f.enabled));
    if (f.parent_id !== undefined) {
      const parent = f.parent_id;
      q = (await this.domains.find(parent)) ? q.where('parent_id', 'is', null).where('domain_id', '=', parent) : q.where('parent_id', '=', parent);
    }
    const projects = await Promise.all((await q.execute()).map((r) => this.render(r)));
    return projects.filter((p) => matchesTags(p.tags, f));
  }

  async get(ctx: AuthContext, id: string): Promise<Project> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'get_project', { target: { project: { id, domain_id: row.domain_id } } });
    return this.render(row);
  }

  async create(ctx: AuthContext, input: ProjectInput & { name: string }): Promise<Project> {
    if (input.is_domain) throw new BadRequest('Creating a project acting as a domain is not supported; create a domain instead.');
    let parent: ProjectTable | undefined;
    let domainId = input.domain_id;
    if (input.parent_id) {
      parent = await this.find(input.parent_id);
      if (!parent && !(await this.domains.find(input.parent_id))) throw new BadRequest(`Could not find parent project: ${input.parent_id}.`);
      domainId ??= parent?.domain_id ?? input.parent_id;
      if (domainId !== (parent?.domain_id ?? input.parent_id)) throw new BadRequest('The parent project must be in the same domain.');
    }
    domainId ??= defaultDomain(ctx);
    enforce(this.d, ctx, 'create_project', { target: { project: { domain_id: domainId, parent_id: input.parent_id ?? null } } });
    const domain = await this.domains.find(domainId);
    if (!domain) throw new BadRequest(`Could not find domain: ${domainId}.`);
    if (await this.byName(input.name, domainId)) {
      throw new Conflict(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${input.name}.`);
    }
    const tags = validTags(input.tags ?? []);
    const row: ProjectTable = {
      id: hexId(),
      name: input.name,
      domain_id: domainId,
      parent_id: parent?.id ?? null,
      description: input.description ?? '',
      enabled: flag(input.enabled),
      extra: splitExtra(input, KNOWN),
      created_at: nowIso(),
    };
    await this.d.db.transaction().execute(async (tx) => {
      await tx.insertInto('projects').values(row).execute();
      if (tags.length) await tx.insertInto('project_tags').values(tags.map((name) => ({ project_id: row.id, name }))).execute();
    });
    for (const listener of this.createdListeners) await listener(row.id);
    return this.render(row);
  }

  /**
   * Keystone's `identity.project.created` notification, for services that give every new project
   * something (its network defaults). Runs after the project is committed, before the API
   * answers; a listener must not throw, since the project exists whatever it does.
   */
  onCreated(listener: (projectId: string) => Promise<void>): void {
    this.createdListeners.push(listener);
  }

  /** Keystone's `identity.project.deleted`, after the project is gone; a listener must not throw. */
  onDeleted(listener: (projectId: string) => Promise<void>): void {
    this.deletedListeners.push(listener);
  }

  async update(ctx: AuthContext, id: string, patch: ProjectInput): Promise<Project> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_project', { target: { project: { id, domain_id: row.domain_id } } });
    if (patch.domain_id !== undefined && patch.domain_id !== row.domain_id) throw new BadRequest('Update of `domain_id` is not allowed.');
    if (patch.parent_id !== undefined && (patch.parent_id ?? row.domain_id) !== (row.parent_id ?? row.domain_id)) {
      throw new Forbidden('Update of `parent_id` is not allowed.');
    }
    if (patch.is_domain !== undefined && patch.is_domain) throw new BadRequest('Update of `is_domain` is not allowed.');
    if (patch.name !== undefined && patch.name !== row.name && (await this.byName(patch.name, row.domain_id))) {
      throw new Conflict(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${patch.name}.`);
    }
    const next: ProjectTable = {
      ...row,
      name: patch.name ?? row.name,
      description: patch.description ?? row.description,
      enabled: patch.enabled === undefined ? row.enabled : flag(patch.enabled),
      extra: mergeExtra(row.extra, patch, KNOWN),
    };
    await this.d.db.transaction().execute(async (tx) => {
      await tx.updateTable('projects').set(next).where('id', '=', id).execute();
      if (patch.tags !== undefined) await replaceTags(tx, id, validTags(patch.tags));
    });
    if (bool(row.enabled) && !bool(next.enabled)) await this.d.revocations.revoke({ project_id: id });
    return this.render(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'delete_project', { target: { project: { id, domain_id: row.domain_id } } });
    const child = await this.d.db.selectFrom('projects').select('id').where('parent_id', '=', id).executeTakeFirst();
    if (child) throw new Forbidden(`Cannot delete project ${id}: it has child projects.`);
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('assignments').where('target_id', '=', id).execute();
      await tx.deleteFrom('projects').where('id', '=', id).execute();
    });
    await this.d.revocations.revoke({ project_id: id });
    for (const listener of this.deletedListeners) await listener(id);
  }

  async tags(ctx: AuthContext, id: string): Promise<string[]> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'list_project_tags', { target: { project: { id, domain_id: row.domain_id } } });
    return (await this.render(row)).tags;
  }

  async setTags(ctx: AuthContext, id: string, change: (tags: string[]) => string[]): Promise<string[]> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_project_tags', { target: { project: { id, domain_id: row.domain_id } } });
    const tags = validTags(change((await this.render(row)).tags));
    await this.d.db.transaction().execute((tx) => replaceTags(tx, id, tags));
    return tags;
  }
}

function validTags(tags: string[]): string[] {
  const unique = [...new Set(tags)];
  if (unique.length > MAX_TAGS) throw new BadRequest(`A project may have at most ${MAX_TAGS} tags.`);
  for (const t of unique) {
    if (t.length === 0 || t.length > 255 || t.includes('/') || t.includes(',')) {
      throw new BadRequest(`Invalid tag '${t}': tags are 1 to 255 characters without '/' or ','.`);
    }
  }
  return unique;
}

async function replaceTags(tx: IdentityDeps['db'], id: string, tags: string[]): Promise<void> {
  await tx.deleteFrom('project_tags').where('project_id', '=', id).execute();
  if (tags.length) await tx.insertInto('project_tags').values(tags.map((name) => ({ project_id: id, name }))).execute();
}

function matchesTags(tags: string[], f: ProjectFilters): boolean {
  if (f.tags && !f.tags.every((t) => tags.includes(t))) return false;
  if (f.tagsAny && !f.tagsAny.some((t) => tags.includes(t))) return false;
  if (f.notTags && f.notTags.every((t) => tags.includes(t))) return false;
  if (f.notTagsAny && f.notTagsAny.some((t) => tags.includes(t))) return false;
  return true;
}
