import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, conflict, enforce, flag, notFound, type NetworkDeps } from './deps.ts';
import { ruleSpec, sameRule } from './rule-validation.ts';
import { PARENT } from './security-groups.ts';
import type { DefaultSecurityGroupRuleTable } from './tables.ts';
import { bool, only, type Body } from './validate.ts';

export type DefaultSecurityGroupRule = Record<string, unknown> & { id: string };
type Row = Selectable<DefaultSecurityGroupRuleTable>;

const CREATE = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id',
  'remote_address_group_id', 'description', 'used_in_default_sg', 'used_in_non_default_sg', 'project_id', 'tenant_id'];
const READ_ONLY = [...CREATE, 'id'];

const EGRESS = 'Legacy default SG rule for egress traffic';
const INGRESS = 'Legacy default SG rule for ingress traffic';
/**
 * Neutron's own templates, which are also SCS standard scs-0115: every group may send anywhere;
 * a project's `default` group also admits traffic from its own members.
 */
const SEED: Omit<Row, 'id'>[] = (['IPv4', 'IPv6'] as const).flatMap((ethertype) => [
  { direction: 'egress', ethertype, remote_group_id: null, description: EGRESS, used_in_default_sg: 1, used_in_non_default_sg: 1 },
  { direction: 'ingress', ethertype, remote_group_id: PARENT, description: INGRESS, used_in_default_sg: 1, used_in_non_default_sg: 0 },
].map((r) => ({ ...r, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_address_group_id: null })));

const ruleNotFound = (id: string) => notFound('DefaultSecurityGroupRuleNotFound', `Default Security Group rule ${id} does not exist`);

/** Neutron's `default-security-group-rules` (2023.2+): the templates new security groups copy their rules from. */
export class DefaultSecurityGroupRules {
  constructor(private readonly d: NetworkDeps) {}

  /** Inserts the standard templates into an empty table; an operator's edits are kept across restarts. */
  async seed(): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('default_security_group_rules').select('id').executeTakeFirst()) return;
      await tx.insertInto('default_security_group_rules').values(SEED.map((r) => ({ id: uuid(), ...r }))).execute();
    });
  }

  async list(ctx: AuthContext): Promise<DefaultSecurityGroupRule[]> {
    enforce(this.d, ctx, 'get_default_security_group_rule');
    return (await this.d.db.selectFrom('default_security_group_rules').selectAll().execute()).map(view);
  }

  async get(ctx: AuthContext, id: string): Promise<DefaultSecurityGroupRule> {
    enforce(this.d, ctx, 'get_default_security_group_rule');
    return view(await this.row(id));
  }

  /**
   * Neutron does not check `remote_group_id` here (it may be `PARENT` or any id). A template
   * equal to one already used for the same kind of group is a conflict.
   */
  async create(ctx: AuthContext, b: Body): Promise<DefaultSecurityGroupRule> {
    only(b, CREATE);
    const spec = ruleSpec(b);
    enforce(this.d, ctx, 'create_default_security_group_rule');
    const row: Row = {
      id: uuid(), ...spec, used_in_default_sg: flag(bool(b, 'used_in_default_sg') ?? false),
      used_in_non_default_sg: flag(bool(b, 'used_in_non_default_sg') ?? false),
    };
    await this.d.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('default_security_group_rules').selectAll().execute();
      const same = existing.find((r) => sameRule(r, spec)
        && ((r.used_in_default_sg === 1 && row.used_in_default_sg === 1) || (r.used_in_non_default_sg === 1 && row.used_in_non_default_sg === 1)));
      if (same) throw conflict('DefaultSecurityGroupRuleExists', `Default Security group rule already exists. Rule id is ${same.id}.`);
      await tx.insertInto('default_security_group_rules').values(row).execute();
    });
    return view(row);
  }

  /** Neutron has no update for templates: every attribute is read-only, so only an empty body passes. */
  async update(ctx: AuthContext, id: string, b: Body): Promise<DefaultSecurityGroupRule> {
    only(b, READ_ONLY);
    const attr = Object.keys(b)[0];
    if (attr !== undefined) throw badRequest(`Cannot update read-only attribute ${attr}`);
    return this.get(ctx, id);
  }

  /** Groups made from the template keep their rules. */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    enforce(this.d, ctx, 'delete_default_security_group_rule');
    await this.row(id);
    await this.d.db.deleteFrom('default_security_group_rules').where('id', '=', id).execute();
  }

  private async row(id: string): Promise<Row> {
    const r = await this.d.db.selectFrom('default_security_group_rules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw ruleNotFound(id);
    return r;
  }
}

function view(r: Row): DefaultSecurityGroupRule {
  return {
    id: r.id, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol, port_range_min: r.port_range_min,
    port_range_max: r.port_range_max, remote_ip_prefix: r.remote_ip_prefix, remote_group_id: r.remote_group_id,
    remote_address_group_id: r.remote_address_group_id, description: r.description,
    used_in_default_sg: r.used_in_default_sg === 1, used_in_non_default_sg: r.used_in_non_default_sg === 1,
  };
}
