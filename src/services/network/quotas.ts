import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { badRequest, conflict, enforce, type NetworkDeps } from './deps.ts';

/** Neutron's default quotas (neutron.conf `[quotas]`); -1 is unlimited. */
export const QUOTA_DEFAULTS: Record<string, number> = {
  network: 100, subnet: 100, subnetpool: -1, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100, rbac_policy: 10,
};

/** How each quota resource is counted: its table, and which rows belong to the quota. */
const COUNTED: Record<string, (db: Db, project: string) => Promise<number>> = {
  network: (db, p) => count(db, 'networks', p),
  subnet: (db, p) => count(db, 'subnets', p),
  subnetpool: (db, p) => count(db, 'subnet_pools', p),
  port: (db, p) => count(db, 'ports', p),
  router: (db, p) => count(db, 'routers', p),
  floatingip: (db, p) => count(db, 'floating_ips', p),
  security_group: (db, p) => count(db, 'security_groups', p),
  security_group_rule: (db, p) => count(db, 'security_group_rules', p),
  rbac_policy: async () => 0,
};

async function count(db: Db, table: 'networks' | 'subnets' | 'subnet_pools' | 'ports' | 'routers' | 'floating_ips' | 'security_groups' | 'security_group_rules', project: string): Promise<number> {
  const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', project).executeTakeFirstOrThrow();
  return Number(r.n);
}

export class Quotas {
  constructor(private readonly d: NetworkDeps) {}

  async limits(db: Db, projectId: string): Promise<Record<string, number>> {
    const rows = await db.selectFrom('network_quotas').selectAll().where('project_id', '=', projectId).execute();
    const out = { ...QUOTA_DEFAULTS };
    for (const r of rows) out[r.resource] = r.hard_limit;
    return out;
  }

  /** Throws Neutron's `OverQuota` (409) when `n` more of `resource` would pass the limit; call inside the inserting transaction. */
  async check(db: Db, projectId: string, resource: string, n = 1): Promise<void> {
    const limit = (await this.limits(db, projectId))[resource]!;
    if (limit < 0) return;
    if ((await COUNTED[resource]!(db, projectId)) + n > limit) throw conflict('OverQuota', `Quota exceeded for resources: ['${resource}'].`);
  }

  async show(ctx: AuthContext, projectId: string): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'get_quota', { project_id: projectId });
    return this.limits(this.d.db, projectId);
  }

  async details(ctx: AuthContext, projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
    enforce(this.d, ctx, 'get_quota', { project_id: projectId });
    const limits = await this.limits(this.d.db, projectId);
    const out: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const [k, limit] of Object.entries(limits)) out[k] = { limit, used: await COUNTED[k]!(this.d.db, projectId), reserved: 0 };
    return out;
  }

  defaults(ctx: AuthContext, projectId: string): Record<string, number> {
    enforce(this.d, ctx, 'get_quota', { project_id: projectId });
    return { ...QUOTA_DEFAULTS };
  }

  /** Projects with any non-default limit, with all their limits (admin). */
  async listAll(ctx: AuthContext): Promise<(Record<string, number | string>)[]> {
    enforce(this.d, ctx, 'update_quota', {});
    const projects = await this.d.db.selectFrom('network_quotas').select('project_id').distinct().execute();
    const out: Record<string, number | string>[] = [];
    for (const { project_id } of projects) out.push({ ...(await this.limits(this.d.db, project_id)), project_id, tenant_id: project_id });
    return out;
  }

  async update(ctx: AuthContext, projectId: string, values: Record<string, unknown>): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'update_quota', { project_id: projectId });
    const set: [string, number][] = [];
    for (const [k, v] of Object.entries(values)) {
      if (!(k in QUOTA_DEFAULTS)) throw badRequest(`Unrecognized attribute(s) '${k}'`);
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw badRequest(`Invalid input for ${k}. Reason: '${String(v)}' should be an integer greater than or equal to -1.`);
      set.push([k, n]);
    }
    await this.d.db.transaction().execute(async (tx) => {
      for (const [resource, hard_limit] of set) {
        await tx.insertInto('network_quotas').values({ project_id: projectId, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit })).execute();
      }
    });
    return this.limits(this.d.db, projectId);
  }

  async reset(ctx: AuthContext, projectId: string): Promise<void> {
    enforce(this.d, ctx, 'delete_quota', { project_id: projectId });
    await this.d.db.deleteFrom('network_quotas').where('project_id', '=', projectId).execute();
  }
}
