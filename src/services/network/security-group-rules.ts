import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, conflict, enforce, isAdmin, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import type { Quotas } from './quotas.ts';
import { ruleSpec, sameRule } from './rule-validation.ts';
import { ruleView, type SecurityGroupRule, type SecurityGroups } from './security-groups.ts';
import type { SecurityGroupRuleTable } from './tables.ts';
import { only, str, type Body } from './validate.ts';

const CREATE = ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix',
  'remote_group_id', 'remote_address_group_id', 'description', 'project_id', 'tenant_id'];
/** What a rule shows; none of it can change after creation. */
const READ_ONLY = [...CREATE, 'id', 'normalized_cidr', 'belongs_to_default_sg', 'created_at', 'updated_at', 'revision_number'];

const ruleNotFound = (id: string) => notFound('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

/** Rule rows with whether their group is its project's `default`. */
type Row = Selectable<SecurityGroupRuleTable> & { is_default: number };

export class SecurityGroupRules {
  constructor(private readonly d: NetworkDeps, private readonly groups: SecurityGroups, private readonly quotas: Quotas) {}

  /** The rules of the groups the caller sees. */
  async list(ctx: AuthContext): Promise<SecurityGroupRule[]> {
    let q = this.rows(this.d.db);
    if (!isAdmin(this.d, ctx)) q = q.where('security_groups.project_id', '=', callerProject(ctx));
    return (await q.execute()).map((r) => ruleView(r, r.is_default === 1));
  }

  async get(ctx: AuthContext, id: string): Promise<SecurityGroupRule> {
    const r = await this.row(ctx, id);
    return ruleView(r, r.is_default === 1);
  }

  /**
   * Adds a rule to a group the caller may change; the rule belongs to the group's project. A
   * remote group must be one the caller sees, and an equal rule must not exist yet.
   */
  async create(ctx: AuthContext, b: Body): Promise<SecurityGroupRule> {
    only(b, CREATE);
    const groupId = str(b, 'security_group_id', 36);
    if (groupId === undefined) throw badRequest('Failed to parse request. Required attribute \'security_group_id\' not specified');
    const spec = ruleSpec(b);
    // Only checks that a member names no other project; the rule always belongs to its group's project.
    ownerFor(this.d, ctx, b);
    const group = await this.groups.row(ctx, groupId);
    enforce(this.d, ctx, 'create_security_group_rule', { project_id: group.project_id });
    if (spec.remote_group_id !== null) await this.groups.row(ctx, spec.remote_group_id);
    // This cloud has no address groups, so any named one is missing.
    if (spec.remote_address_group_id !== null) throw notFound('AddressGroupNotFound', `Address group ${spec.remote_address_group_id} could not be found.`);
    const t = now();
    const row: Selectable<SecurityGroupRuleTable> = { id: uuid(), project_id: group.project_id, security_group_id: group.id, ...spec, revision_number: 0, created_at: t, updated_at: t };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, group.project_id, 'security_group_rule');
      const existing = await tx.selectFrom('security_group_rules').selectAll().where('security_group_id', '=', group.id).execute();
      const same = existing.find((r) => sameRule(r, spec));
      if (same) throw conflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${same.id}.`);
      await tx.insertInto('security_group_rules').values(row).execute();
      await this.bump(tx, group.id, t);
    });
    this.d.dataplane.firewall();
    return ruleView(row, group.is_default === 1);
  }

  /** Neutron has no update for rules: every attribute is read-only, so only an empty body passes. */
  async update(ctx: AuthContext, id: string, b: Body): Promise<SecurityGroupRule> {
    only(b, READ_ONLY);
    const attr = Object.keys(b)[0];
    if (attr !== undefined) throw badRequest(`Cannot update read-only attribute ${attr}`);
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const r = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_security_group_rule', { project_id: r.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('security_group_rules').where('id', '=', id).execute();
      await this.bump(tx, r.security_group_id, now());
    });
    this.d.dataplane.firewall();
  }

  private rows(db: Db) {
    return db.selectFrom('security_group_rules').innerJoin('security_groups', 'security_groups.id', 'security_group_rules.security_group_id')
      .selectAll('security_group_rules').select('security_groups.is_default');
  }

  private async row(ctx: AuthContext, id: string): Promise<Row> {
    const r = await this.rows(this.d.db).select('security_groups.project_id as group_project').where('security_group_rules.id', '=', id).executeTakeFirst();
    if (!r || !this.groups.canSee(ctx, { project_id: r.group_project })) throw ruleNotFound(id);
    return r;
  }

  /** A rule change is a change of its group (Neutron bumps the parent's revision). */
  private async bump(db: Db, groupId: string, t: string): Promise<void> {
    await db.updateTable('security_groups').set((eb) => ({ revision_number: eb('revision_number', '+', 1), updated_at: t })).where('id', '=', groupId).execute();
  }
}
