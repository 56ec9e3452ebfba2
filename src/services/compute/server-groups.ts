import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { callerProject, enforce, json, notFound, now, type ComputeDeps } from './deps.ts';
import { MAX_LIMIT } from './flavors.ts';
import type { Quotas } from './quotas.ts';
import type { ServerGroupTable } from './tables.ts';

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroup {
  id: string;
  name: string;
  policy: ServerGroupPolicy;
  /** `max_server_per_host` (2.64 and later; empty below). */
  rules: Record<string, number>;
  /** Ids of the servers in the group. */
  members: string[];
  project_id: string;
  user_id: string;
}

async function members(db: Db, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('instances').select('id').where('server_group_id', '=', groupId).where('vm_state', '!=', 'deleted').orderBy('created_at').execute();
  return rows.map((r) => r.id);
}

async function toServerGroup(db: Db, r: ServerGroupTable): Promise<ServerGroup> {
  return { id: r.id, name: r.name, policy: r.policy as ServerGroupPolicy, rules: json(r.rules), members: await members(db, r.id), project_id: r.project_id, user_id: r.user_id };
}

const groupNotFound = (id: string) => notFound(`Instance group ${id} could not be found.`);

/** Nova's server groups: a scheduling policy over the servers booted into the group. */
export class ServerGroups {
  constructor(private readonly d: ComputeDeps, private readonly quotas: Quotas) {}

  /** For the scheduler (in its transaction): the group with its current members, or undefined. */
  async get(db: Db, id: string): Promise<ServerGroup | undefined> {
    const row = await db.selectFrom('server_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toServerGroup(db, row) : undefined;
  }

  /** The caller's project's groups, or (admins, `all_projects`) everyone's; Nova pages these by `offset`. */
  async list(ctx: AuthContext, q: { allProjects: boolean; limit?: number; offset?: number }): Promise<ServerGroup[]> {
    const projectId = callerProject(ctx);
    enforce(this.d, ctx, 'os_compute_api:os-server-groups:index', { project_id: projectId });
    let query = this.d.db.selectFrom('server_groups').selectAll().orderBy('created_at').orderBy('id');
    if (q.allProjects) enforce(this.d, ctx, 'os_compute_api:os-server-groups:index:all_projects', { project_id: projectId });
    else query = query.where('project_id', '=', projectId);
    const rows = await query.limit(Math.min(q.limit ?? MAX_LIMIT, MAX_LIMIT)).offset(q.offset ?? 0).execute();
    return Promise.all(rows.map((r) => toServerGroup(this.d.db, r)));
  }

  async show(ctx: AuthContext, id: string): Promise<ServerGroup> {
    const group = await this.get(this.d.db, id);
    if (!group) throw groupNotFound(id);
    enforce(this.d, ctx, 'os_compute_api:os-server-groups:show', { project_id: group.project_id, user_id: group.user_id });
    return group;
  }

  async create(ctx: AuthContext, input: { name: string; policy: ServerGroupPolicy }): Promise<ServerGroup> {
    const projectId = callerProject(ctx);
    enforce(this.d, ctx, 'os_compute_api:os-server-groups:create', { project_id: projectId, user_id: ctx.user.id });
    const row: ServerGroupTable = { id: uuid(), project_id: projectId, user_id: ctx.user.id, name: input.name, policy: input.policy, rules: '{}', created_at: now() };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.checkServerGroup(tx, projectId);
      await tx.insertInto('server_groups').values(row).execute();
    });
    return toServerGroup(this.d.db, row);
  }

  /** Servers in a deleted group keep running; the group no longer constrains anything. */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    const group = await this.get(this.d.db, id);
    if (!group) throw groupNotFound(id);
    enforce(this.d, ctx, 'os_compute_api:os-server-groups:delete', { project_id: group.project_id, user_id: group.user_id });
    await this.d.db.deleteFrom('server_groups').where('id', '=', id).execute();
  }
}
