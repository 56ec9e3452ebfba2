import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { badRequest, callerProject, enforce, json, QuotaExceeded, type ComputeDeps } from './deps.ts';

/**
 * Nova's default quotas (nova.conf `[quota]`); -1 is unlimited. The injected-file and nova-network
 * resources only show below microversions 2.57 and 2.36; nothing counts them.
 */
export const QUOTA_DEFAULTS: Readonly<Record<string, number>> = {
  cores: 20, instances: 10, key_pairs: 100, metadata_items: 128, ram: 51200, server_group_members: 10, server_groups: 10,
  injected_file_content_bytes: 10240, injected_file_path_bytes: 255, injected_files: 5,
  fixed_ips: -1, floating_ips: 10, security_group_rules: 20, security_groups: 10,
};

/** What a project uses now; `key_pairs` are the given user's (keypairs belong to users). */
export interface Usage {
  instances: number;
  cores: number;
  ram: number;
  server_groups: number;
  key_pairs: number;
}

export type Resources = Partial<Pick<Usage, 'instances' | 'cores' | 'ram'>>;

export interface QuotaDetail {
  limit: number;
  in_use: number;
  reserved: number;
}

type Counted = { vcpus?: number; ram?: number };

export class Quotas {
  constructor(private readonly d: ComputeDeps) {}

  async limits(db: Db, projectId: string): Promise<Record<string, number>> {
    const rows = await db.selectFrom('compute_quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
    const out = { ...QUOTA_DEFAULTS };
    for (const r of rows) out[r.resource] = r.hard_limit;
    return out;
  }

  /** Instances count with the flavor they were booted (or resized) with; deleted ones no longer count. */
  async usage(db: Db, projectId: string, userId = ''): Promise<Usage> {
    const instances = await db.selectFrom('instances').select('flavor').where('project_id', '=', projectId).where('vm_state', '!=', 'deleted').execute();
    let cores = 0;
    let ram = 0;
    for (const i of instances) {
      const f = json<Counted>(i.flavor);
      cores += f.vcpus ?? 0;
      ram += f.ram ?? 0;
    }
    const groups = await db.selectFrom('server_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    const keys = await db.selectFrom('keypairs').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return { instances: instances.length, cores, ram, server_groups: Number(groups.n), key_pairs: Number(keys.n) };
  }

  /**
   * Throws Nova's `TooManyInstances` (403) when adding `want` to the project's instances, cores
   * or RAM (MiB) would pass a limit. Call it in the transaction that inserts the instances, so
   * two requests cannot both take the last unit.
   */
  async check(db: Db, projectId: string, want: Resources): Promise<void> {
    const limits = await this.limits(db, projectId);
    const used = await this.usage(db, projectId);
    const overs = (['cores', 'instances', 'ram'] as const).filter((k) => (want[k] ?? 0) > 0 && limits[k]! >= 0 && used[k] + want[k]! > limits[k]!);
    if (overs.length === 0) return;
    const list = (f: (k: (typeof overs)[number]) => number | string) => overs.map(f).join(', ');
    throw new QuotaExceeded(`Quota exceeded for ${list((k) => k)}: Requested ${list((k) => want[k]!)}, but already used ${list((k) => used[k])} of ${list((k) => limits[k]!)} ${list((k) => k)}`);
  }

  /** One more keypair for `userId`, counted against the limit of the caller's project. */
  async checkKeypair(db: Db, projectId: string, userId: string): Promise<void> {
    const limit = (await this.limits(db, projectId)).key_pairs!;
    if (limit >= 0 && (await this.usage(db, projectId, userId)).key_pairs + 1 > limit) throw new QuotaExceeded('Quota exceeded, too many key pairs.');
  }

  async checkServerGroup(db: Db, projectId: string): Promise<void> {
    const limit = (await this.limits(db, projectId)).server_groups!;
    if (limit >= 0 && (await this.usage(db, projectId)).server_groups + 1 > limit) throw new QuotaExceeded('Quota exceeded, too many server groups.');
  }

  /** `n` more servers in the group; the server code calls it when booting into a group. */
  async checkGroupMembers(db: Db, projectId: string, groupId: string, n: number): Promise<void> {
    const limit = (await this.limits(db, projectId)).server_group_members!;
    if (limit < 0) return;
    const members = await db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('server_group_id', '=', groupId).where('vm_state', '!=', 'deleted').executeTakeFirstOrThrow();
    if (Number(members.n) + n > limit) throw new QuotaExceeded('Quota exceeded, too many servers in group');
  }

  async show(ctx: AuthContext, projectId: string): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'os_compute_api:os-quota-sets:show', { project_id: projectId });
    return this.limits(this.d.db, projectId);
  }

  async detail(ctx: AuthContext, projectId: string): Promise<Record<string, QuotaDetail>> {
    enforce(this.d, ctx, 'os_compute_api:os-quota-sets:detail', { project_id: projectId });
    const limits = await this.limits(this.d.db, projectId);
    const used = await this.usage(this.d.db, projectId, ctx.user.id) as unknown as Record<string, number>;
    return Object.fromEntries(Object.entries(limits).map(([k, limit]) => [k, { limit, in_use: used[k] ?? 0, reserved: 0 }]));
  }

  defaults(ctx: AuthContext, projectId: string): Record<string, number> {
    enforce(this.d, ctx, 'os_compute_api:os-quota-sets:defaults', { project_id: projectId });
    return { ...QUOTA_DEFAULTS };
  }

  /**
   * Sets limits; unless `force`, none may drop below what the project already uses. The caller
   * has checked the keys against its microversion.
   */
  async update(ctx: AuthContext, projectId: string, values: Record<string, number>, force: boolean): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'os_compute_api:os-quota-sets:update', { project_id: projectId });
    const set = Object.entries(values);
    for (const [k] of set) if (!(k in QUOTA_DEFAULTS)) throw badRequest(`Bad key(s) in quota set: ${k}`);
    if (!force) {
      const used = await this.usage(this.d.db, projectId) as unknown as Record<string, number>;
      for (const [k, limit] of set) {
        const minimum = k === 'key_pairs' ? 0 : used[k] ?? 0;
        if (limit !== -1 && limit < minimum) {
          throw badRequest(`Quota limit ${limit} for ${k} must be greater than or equal to already used and reserved ${minimum}.`);
        }
      }
    }
    await this.d.db.transaction().execute(async (tx) => {
      for (const [resource, hard_limit] of set) {
        await tx.insertInto('compute_quotas').values({ project_id: projectId, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit })).execute();
      }
    });
    return this.limits(this.d.db, projectId);
  }

  async reset(ctx: AuthContext, projectId: string): Promise<void> {
    enforce(this.d, ctx, 'os_compute_api:os-quota-sets:delete', { project_id: projectId });
    await this.d.db.deleteFrom('compute_quotas').where('project_id', '=', projectId).execute();
  }

  /** `GET /limits` for the caller's project, or (admins) another's: limits and what is used. */
  async absolute(ctx: AuthContext, projectId = callerProject(ctx)): Promise<{ limits: Record<string, number>; usage: Usage }> {
    enforce(this.d, ctx, 'os_compute_api:limits', { project_id: callerProject(ctx) });
    if (projectId !== callerProject(ctx)) enforce(this.d, ctx, 'os_compute_api:limits:other_project', { project_id: projectId });
    return { limits: await this.limits(this.d.db, projectId), usage: await this.usage(this.d.db, projectId, ctx.user.id) };
  }
}
