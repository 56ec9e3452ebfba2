import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { callerProject, conflict, enforce, flag, isAdmin, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import type { Quotas } from './quotas.ts';
import { normalizedCidr } from './rule-validation.ts';
import type { DefaultSecurityGroupRuleTable, SecurityGroupRuleTable, SecurityGroupTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, invalid, only, str, type Body } from './validate.ts';

export type SecurityGroup = Record<string, unknown> & { id: string; project_id: string };
export type SecurityGroupRule = Record<string, unknown> & { id: string; project_id: string; security_group_id: string };

const CREATE = ['name', 'description', 'stateful', 'project_id', 'tenant_id', 'tags'];
const UPDATE = ['name', 'description', 'stateful'];
const DEFAULT_NAME = 'default';
/** In a default-rule template, the group the rule is copied into. */
export const PARENT = 'PARENT';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const securityGroupNotFound = (id: string) => notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);

/** A rule row as it goes on the wire; `belongs_to_default_sg` is whether its group is the project's `default`. */
export function ruleView(r: Selectable<SecurityGroupRuleTable>, inDefault: boolean): SecurityGroupRule {
  return {
    id: r.id, tenant_id: r.project_id, project_id: r.project_id, security_group_id: r.security_group_id, direction: r.direction,
    ethertype: r.ethertype, protocol: r.protocol, port_range_min: r.port_range_min, port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix, remote_group_id: r.remote_group_id, remote_address_group_id: r.remote_address_group_id,
    normalized_cidr: normalizedCidr(r.remote_ip_prefix), description: r.description, belongs_to_default_sg: inDefault,
    created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
  };
}

/** Neutron's `name_not_default` validator: only the service itself names a group `default`. */
function name(b: Body): string | undefined {
  const v = str(b, 'name');
  if (v?.toLowerCase() === DEFAULT_NAME) throw conflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  return v;
}

/** Runs `work` in `db`'s transaction, or in a new one when `db` is not in one. */
async function inTransaction(db: Db, work: (tx: Db) => Promise<void>): Promise<void> {
  if (db.isTransaction) await work(db);
  else await db.transaction().execute(work);
}

export class SecurityGroups {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas) {}

  canSee(ctx: AuthContext, row: Pick<SecurityGroupTable, 'project_id'>): boolean {
    return row.project_id === callerProject(ctx) || isAdmin(this.d, ctx);
  }

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<SecurityGroupTable>> {
    const row = await db.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !this.canSee(ctx, row)) throw securityGroupNotFound(id);
    return row;
  }

  /** Neutron creates the caller's `default` group the first time its groups are listed. */
  async list(ctx: AuthContext): Promise<SecurityGroup[]> {
    if (callerProject(ctx) !== '') await this.ensureDefault(this.d.db, callerProject(ctx));
    let q = this.d.db.selectFrom('security_groups').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where('project_id', '=', callerProject(ctx));
    return this.views(await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<SecurityGroup> {
    return (await this.views([await this.row(ctx, id)]))[0]!;
  }

  /** A new group gets the template rules marked `used_in_non_default_sg` (by default: egress anywhere). */
  async create(ctx: AuthContext, b: Body): Promise<SecurityGroup> {
    only(b, CREATE);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_security_group', { project_id: project });
    const t = now();
    const row: Selectable<SecurityGroupTable> = {
      id: uuid(), project_id: project, name: name(b) ?? '', description: str(b, 'description') ?? '',
      stateful: flag(bool(b, 'stateful') ?? true), is_default: 0, revision_number: 1, created_at: t, updated_at: t,
    };
    await this.ensureDefault(this.d.db, project);
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'security_group');
      const rules = await this.templates(tx, row, 'used_in_non_default_sg');
      await this.quotas.check(tx, project, 'security_group_rule', rules.length);
      await tx.insertInto('security_groups').values(row).execute();
      if (rules.length > 0) await tx.insertInto('security_group_rules').values(rules).execute();
    });
    if (b.tags !== undefined) await this.tags.replace(row.id, b.tags);
    this.d.dataplane.firewall();
    return this.get(ctx, row.id);
  }

  /** `default` keeps its name; `stateful` may not flip while ports use the group. */
  async update(ctx: AuthContext, id: string, b: Body): Promise<SecurityGroup> {
    only(b, UPDATE);
    const newName = name(b);
    const description = str(b, 'description');
    const stateful = bool(b, 'stateful');
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_security_group', { project_id: row.project_id });
    if (stateful !== undefined && flag(stateful) !== row.stateful && await this.inUse(this.d.db, id)) throw this.inUseError(id);
    if (row.is_default === 1 && b.name !== undefined) throw conflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
    const set: Partial<SecurityGroupTable> = { revision_number: row.revision_number + 1, updated_at: now() };
    if (newName !== undefined) set.name = newName;
    if (description !== undefined) set.description = description;
    if (stateful !== undefined) set.stateful = flag(stateful);
    await this.d.db.updateTable('security_groups').set(set).where('id', '=', id).execute();
    if (set.stateful !== undefined && set.stateful !== row.stateful) this.d.dataplane.firewall();
    return this.get(ctx, id);
  }

  /**
   * Removes the group, its rules, and other groups' rules naming it as remote group (Neutron's
   * foreign key cascades them). Only admins may remove a project's `default`.
   */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_security_group', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      if (await this.inUse(tx, id)) throw this.inUseError(id);
      if (row.is_default === 1 && !isAdmin(this.d, ctx)) throw conflict('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
      await tx.deleteFrom('security_group_rules').where((eb) => eb.or([eb('security_group_id', '=', id), eb('remote_group_id', '=', id)])).execute();
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('security_groups').where('id', '=', id).execute();
    });
    this.d.dataplane.firewall();
  }

  /**
   * The id of the project's `default` group, created with the templates' `used_in_default_sg`
   * rules when missing. Joins `db`'s transaction when it is one; when two callers race, the
   * unique index lets one insert win and the other reads the winner's group.
   */
  async ensureDefault(db: Db, projectId: string): Promise<string> {
    const existing = await this.defaultId(db, projectId);
    if (existing) return existing;
    const t = now();
    const row: Selectable<SecurityGroupTable> = {
      id: uuid(), project_id: projectId, name: DEFAULT_NAME, description: 'Default security group', stateful: 1, is_default: 1,
      revision_number: 1, created_at: t, updated_at: t,
    };
    try {
      await inTransaction(db, async (tx) => {
        const rules = await this.templates(tx, row, 'used_in_default_sg');
        await tx.insertInto('security_groups').values(row).execute();
        if (rules.length > 0) await tx.insertInto('security_group_rules').values(rules).execute();
      });
    } catch (e) {
      const winner = await this.defaultId(db, projectId);
      if (winner) return winner;
      throw e;
    }
    if (!db.isTransaction) this.d.dataplane.firewall();
    return row.id;
  }

  /**
   * Validates a port's `security_groups`: a list (null is empty) of ids of groups `projectId`
   * owns (admins may name any), without repeats, in the order given.
   */
  async resolve(db: Db, ctx: AuthContext, projectId: string, ids: unknown): Promise<string[]> {
    if (ids === null) return [];
    if (!Array.isArray(ids)) throw invalid('security_groups', `'${JSON.stringify(ids)}' is not a list`);
    for (const id of ids) if (typeof id !== 'string' || !UUID.test(id)) throw invalid('security_groups', `'${String(id)}' is not a valid UUID`);
    const wanted = [...new Set(ids as string[])];
    if (wanted.length === 0) return [];
    const rows = await db.selectFrom('security_groups').select(['id', 'project_id']).where('id', 'in', wanted).execute();
    const admin = isAdmin(this.d, ctx);
    const valid = new Set(rows.filter((r) => admin || r.project_id === projectId).map((r) => r.id));
    const missing = wanted.filter((id) => !valid.has(id));
    if (missing.length > 0) throw securityGroupNotFound(missing.join(', '));
    return wanted;
  }

  private async defaultId(db: Db, projectId: string): Promise<string | undefined> {
    const r = await db.selectFrom('security_groups').select('id').where('project_id', '=', projectId).where('is_default', '=', 1).executeTakeFirst();
    return r?.id;
  }

  private async inUse(db: Db, id: string): Promise<boolean> {
    // Group ids are UUIDs, so they hold no LIKE wildcards.
    const port = await db.selectFrom('ports').select('id').where('security_groups', 'like', `%"${id}"%`).executeTakeFirst();
    return port !== undefined;
  }

  private inUseError(id: string) {
    return conflict('SecurityGroupInUse', `Security Group ${id} in use.`);
  }

  /** The group's first rules, from the default-rule templates marked `used`. */
  private async templates(db: Db, group: Selectable<SecurityGroupTable>, used: 'used_in_default_sg' | 'used_in_non_default_sg'): Promise<Selectable<SecurityGroupRuleTable>[]> {
    const templates: Selectable<DefaultSecurityGroupRuleTable>[] = await db.selectFrom('default_security_group_rules').selectAll().where(used, '=', 1).execute();
    return templates.map((r) => ({
      id: uuid(), project_id: group.project_id, security_group_id: group.id, direction: r.direction, ethertype: r.ethertype,
      protocol: r.protocol, port_range_min: r.port_range_min, port_range_max: r.port_range_max, remote_ip_prefix: r.remote_ip_prefix,
      remote_group_id: r.remote_group_id === PARENT ? group.id : r.remote_group_id, remote_address_group_id: r.remote_address_group_id,
      description: r.description, revision_number: 0, created_at: group.created_at, updated_at: group.updated_at,
    }));
  }

  private async views(rows: Selectable<SecurityGroupTable>[]): Promise<SecurityGroup[]> {
    const ids = rows.map((r) => r.id);
    const tags = await this.tags.of(ids);
    const rules = new Map<string, Selectable<SecurityGroupRuleTable>[]>(ids.map((id) => [id, []]));
    for (let i = 0; i < ids.length; i += 500) {
      const batch = await this.d.db.selectFrom('security_group_rules').selectAll().where('security_group_id', 'in', ids.slice(i, i + 500))
        .orderBy('created_at').orderBy('id').execute();
      for (const r of batch) rules.get(r.security_group_id)?.push(r);
    }
    return rows.map((r) => ({
      id: r.id, name: r.name, description: r.description, tenant_id: r.project_id, project_id: r.project_id,
      security_group_rules: (rules.get(r.id) ?? []).map((rule) => ruleView(rule, r.is_default === 1)),
      stateful: r.stateful === 1, shared: false, tags: tags.get(r.id) ?? [],
      created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
    }));
  }
}
