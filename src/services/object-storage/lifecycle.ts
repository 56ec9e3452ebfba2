import { projectContext } from '../../platform/auth.ts';
import type { ObjectCore } from './core.ts';
import type { Multipart } from './multipart.ts';
import type { Objects } from './objects.ts';
import type { ObjectTable } from './tables.ts';
import type { LifecycleRule } from './types.ts';

/**
 * Applies lifecycle expiration and Swift's `X-Delete-At`, the way RGW's lifecycle thread does:
 * periodically, acting as the bucket's owner, so expiring a current version in a versioned bucket
 * leaves a delete marker exactly as a user's DELETE would. `dayMs` is the length of a lifecycle
 * "day" (RGW's `rgw_lc_debug_interval` shortens it for tests).
 */
export class Lifecycle {
  constructor(private readonly core: ObjectCore, private readonly objects: Objects, private readonly multipart: Multipart, private readonly dayMs: number) {}

  /**
   * When `days` lifecycle days after `at` fall due: S3 rounds to the next midnight UTC, i.e. to
   * the next whole day since the epoch (a shortened test day rounds the same way).
   */
  private after(at: number, days: number): number {
    return Math.ceil((at + days * this.dayMs) / this.dayMs) * this.dayMs;
  }

  async run(): Promise<void> {
    const now = this.core.d.now();
    const db = this.core.d.db;
    const expired = await db.selectFrom('objects').select(['bucket', 'key', 'version_id']).where('delete_at', '<=', Math.floor(now / 1000)).execute();
    for (const e of expired) {
      const bucket = await db.selectFrom('buckets').select('project_id').where('name', '=', e.bucket).executeTakeFirst();
      if (bucket) await this.objects.delete(owner(bucket.project_id), e.bucket, e.key, { versionId: e.version_id });
    }
    const buckets = await db.selectFrom('buckets').select(['name', 'project_id', 'lifecycle']).where('lifecycle', 'is not', null).execute();
    for (const b of buckets) {
      for (const rule of JSON.parse(b.lifecycle!) as LifecycleRule[]) {
        if (rule.status === 'Enabled') await this.apply(b.name, owner(b.project_id), rule, now);
      }
    }
  }

  private async apply(bucket: string, caller: ReturnType<typeof owner>, rule: LifecycleRule, now: number): Promise<void> {
    const db = this.core.d.db;
    const matches = (row: ObjectTable) => row.key.startsWith(rule.prefix) &&
      Object.entries(rule.tags ?? {}).every(([k, v]) => (JSON.parse(row.tags) as Record<string, string>)[k] === v);
    const rows = await db.selectFrom('objects').selectAll().where('bucket', '=', bucket).where('key', '>=', rule.prefix)
      .orderBy('key').orderBy('seq', 'desc').execute();
    const dateDue = rule.expirationDate !== undefined && Date.parse(rule.expirationDate) <= now;
    let newerModified: { key: string; at: number } | undefined;
    for (const row of rows) {
      if (!matches(row)) continue;
      const successor = newerModified?.key === row.key ? newerModified.at : undefined;
      newerModified = { key: row.key, at: row.last_modified };
      if (row.is_latest && !row.delete_marker) {
        const due = dateDue || (rule.expirationDays !== undefined && this.after(row.last_modified, rule.expirationDays) <= now);
        if (due) await this.objects.delete(caller, bucket, row.key, {});
      } else if (row.is_latest && row.delete_marker && rule.expiredObjectDeleteMarker) {
        const others = rows.filter((r) => r.key === row.key && r !== row).length;
        if (others === 0) await this.objects.delete(caller, bucket, row.key, { versionId: row.version_id });
      } else if (!row.is_latest && rule.noncurrentDays !== undefined && successor !== undefined && this.after(successor, rule.noncurrentDays) <= now) {
        await this.objects.delete(caller, bucket, row.key, { versionId: row.version_id });
      }
    }
    if (rule.abortIncompleteUploadDays !== undefined) {
      const uploads = await db.selectFrom('object_uploads').select(['upload_id', 'key', 'initiated']).where('bucket', '=', bucket).execute();
      const stale = uploads.filter((u) => u.key.startsWith(rule.prefix) && this.after(u.initiated, rule.abortIncompleteUploadDays!) <= now);
      for (const u of stale) await this.core.d.store.remove(await this.multipart.drop(u.upload_id));
    }
  }
}

function owner(project: string) {
  return projectContext(project, ['admin'], 'lifecycle');
}
