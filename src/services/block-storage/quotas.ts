import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { BadRequest, PayloadTooLarge } from '../../platform/errors.ts';
import { enforce, type BlockStorageDeps } from './deps.ts';

/** Cinder's default quotas (cinder.conf `quota_*`). */
export const QUOTA_DEFAULTS: Record<string, number> = {
  volumes: 10, snapshots: 10, gigabytes: 1000, backups: 10, backup_gigabytes: 1000, groups: 10, per_volume_gigabytes: -1,
};

export type Usage = { volumes: number; snapshots: number; gigabytes: number; backups: number; backup_gigabytes: number };

/** Cinder's OverQuota family: 413 with the `overLimit` body. */
export class QuotaExceeded extends PayloadTooLarge {}

export class Quotas {
  constructor(private readonly d: BlockStorageDeps) {}

  async limits(db: Db, projectId: string): Promise<Record<string, number>> {
    const rows = await db.selectFrom('volume_quotas').selectAll().where('project_id', '=', projectId).execute();
    const out = { ...QUOTA_DEFAULTS };
    for (const r of rows) out[r.resource] = r.hard_limit;
    return out;
  }

  /** In use now; `gigabytes` counts volumes and snapshots, as Cinder does by default. */
  async usage(db: Db, projectId: string): Promise<Usage> {
    const v = await db.selectFrom('volumes').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('gb')]).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    const s = await db.selectFrom('volume_snapshots').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('gb')]).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    const b = await db.selectFrom('volume_backups').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('gb')]).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return { volumes: Number(v.n), snapshots: Number(s.n), gigabytes: Number(v.gb) + Number(s.gb), backups: Number(b.n), backup_gigabytes: Number(b.gb) };
  }

  /**
   * Throws `QuotaExceeded` when adding `want` to the project's usage passes a limit. Call it in
   * the transaction that inserts the resource, so two requests cannot both take the last unit.
   */
  async check(db: Db, projectId: string, want: Partial<Usage>): Promise<void> {
    const limits = await this.limits(db, projectId);
    const used = await this.usage(db, projectId);
    const over = (k: keyof Usage) => (want[k] ?? 0) > 0 && limits[k]! >= 0 && used[k] + want[k]! > limits[k]!;
    const perVolume = limits.per_volume_gigabytes!;
    if (want.volumes && want.gigabytes && perVolume >= 0 && want.gigabytes > perVolume) {
      throw new QuotaExceeded(`Requested volume size ${want.gigabytes}G is larger than maximum allowed limit ${perVolume}G.`);
    }
    if (over('gigabytes')) {
      throw new QuotaExceeded(`Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${want.gigabytes}G, quota is ${limits.gigabytes}G and ${used.gigabytes}G has been consumed.`);
    }
    if (over('volumes')) throw new QuotaExceeded(`Maximum number of volumes allowed (${limits.volumes}) exceeded for quota 'volumes'.`);
    if (over('snapshots')) throw new QuotaExceeded(`Maximum number of snapshots allowed (${limits.snapshots}) exceeded`);
    if (over('backups')) throw new QuotaExceeded(`Maximum number of backups allowed (${limits.backups}) exceeded`);
    if (over('backup_gigabytes')) {
      throw new QuotaExceeded(`Requested backup exceeds allowed Backup gigabytes quota. Requested ${want.backup_gigabytes}G, quota is ${limits.backup_gigabytes}G and ${used.backup_gigabytes}G has been consumed.`);
    }
  }

  async show(ctx: AuthContext, projectId: string, withUsage: boolean): Promise<Record<string, number | { limit: number; in_use: number; reserved: number; allocated: number }>> {
    enforce(this.d, ctx, 'volume_extension:quotas:show', { project_id: projectId });
    const limits = await this.limits(this.d.db, projectId);
    if (!withUsage) return limits;
    const used = await this.usage(this.d.db, projectId) as Record<string, number>;
    return Object.fromEntries(Object.entries(limits).map(([k, limit]) => [k, { limit, in_use: used[k] ?? 0, reserved: 0, allocated: 0 }]));
  }

  defaults(ctx: AuthContext, projectId: string): Record<string, number> {
    enforce(this.d, ctx, 'volume_extension:quotas:show', { project_id: projectId });
    return { ...QUOTA_DEFAULTS };
  }

  async update(ctx: AuthContext, projectId: string, values: Record<string, unknown>): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'volume_extension:quotas:update', { project_id: projectId });
    const set: [string, number][] = [];
    for (const [k, v] of Object.entries(values)) {
      if (k === 'tenant_id' || k === 'id') continue;
      if (!(k in QUOTA_DEFAULTS)) throw new BadRequest(`Bad key(s) in quota set: ${k}`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < -1) throw new BadRequest(`Quota limit ${String(v)} for ${k} must be an integer of at least -1.`);
      set.push([k, n]);
    }
    await this.d.db.transaction().execute(async (tx) => {
      for (const [resource, hard_limit] of set) {
        await tx.insertInto('volume_quotas').values({ project_id: projectId, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit })).execute();
      }
    });
    return this.limits(this.d.db, projectId);
  }

  async reset(ctx: AuthContext, projectId: string): Promise<void> {
    enforce(this.d, ctx, 'volume_extension:quotas:delete', { project_id: projectId });
    await this.d.db.deleteFrom('volume_quotas').where('project_id', '=', projectId).execute();
  }

  /** The `absolute` part of `GET /limits`. */
  async absolute(ctx: AuthContext, projectId: string): Promise<Record<string, number>> {
    enforce(this.d, ctx, 'limits_extension:used_limits', { project_id: projectId });
    const l = await this.limits(this.d.db, projectId);
    const u = await this.usage(this.d.db, projectId);
    return {
      maxTotalVolumes: l.volumes!, maxTotalSnapshots: l.snapshots!, maxTotalVolumeGigabytes: l.gigabytes!,
      maxTotalBackups: l.backups!, maxTotalBackupGigabytes: l.backup_gigabytes!,
      totalVolumesUsed: u.volumes, totalSnapshotsUsed: u.snapshots, totalGigabytesUsed: u.gigabytes,
      totalBackupsUsed: u.backups, totalBackupGigabytesUsed: u.backup_gigabytes,
    };
  }
}
