import type { ObjectCore } from './core.ts';
import { toInfo } from './model.ts';
import type { ObjectTable } from './tables.ts';
import type { Caller, ListOptions, ListResult, ObjectInfo, VersionListOptions, VersionListResult } from './types.ts';

/** Rows fetched per query while walking a listing; independent of the page size asked for. */
const BATCH = 1000;

/**
 * Walks keys in byte order (SQLite compares TEXT as UTF-8 bytes, as S3 orders keys) and folds
 * keys that contain the delimiter after the prefix into common prefixes, jumping the cursor past
 * each prefix so a million keys under one prefix cost one row read, not a million.
 */
async function* walk(
  fetch: (cursor: string | undefined, inclusive: boolean) => Promise<ObjectTable[]>,
  o: { prefix: string; delimiter?: string; after?: string },
): AsyncGenerator<{ prefix: string } | { row: ObjectTable }> {
  let cursor = o.after !== undefined && o.after >= o.prefix ? o.after : o.prefix || undefined;
  let inclusive = !(o.after !== undefined && o.after >= o.prefix);
  let lastPrefix: string | undefined;
  for (;;) {
    const rows = await fetch(cursor, inclusive);
    if (rows.length === 0) return;
    let jumped = false;
    for (const row of rows) {
      if (!row.key.startsWith(o.prefix)) {
        if (row.key > o.prefix) return;
        continue;
      }
      if (o.delimiter) {
        const at = row.key.indexOf(o.delimiter, o.prefix.length);
        if (at >= 0) {
          const common = row.key.slice(0, at + o.delimiter.length);
          if (common !== lastPrefix && !(o.after !== undefined && common <= o.after)) yield { prefix: common };
          lastPrefix = common;
          // Every key under `common` sorts before this: skip them without reading them.
          cursor = `${common}\u{10FFFF}`;
          inclusive = false;
          jumped = true;
          break;
        }
      }
      yield { row };
    }
    if (!jumped) {
      if (rows.length < BATCH) return;
      cursor = rows.at(-1)!.key;
      inclusive = false;
    }
  }
}

export class Listing {
  constructor(private readonly core: ObjectCore) {}

  async objects(caller: Caller, bucket: string, o: ListOptions): Promise<ListResult> {
    await this.core.authorized(caller, bucket, 's3:ListBucket');
    const db = this.core.d.db;
    const fetch = (cursor: string | undefined, inclusive: boolean) => {
      let q = db.selectFrom('objects').selectAll().where('bucket', '=', bucket).where('is_latest', '=', 1);
      if (cursor !== undefined) q = q.where('key', inclusive ? '>=' : '>', cursor);
      if (o.before !== undefined) q = q.where('key', '<', o.before);
      return q.orderBy('key').limit(BATCH).execute();
    };
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let next: string | undefined;
    let truncated = false;
    for await (const item of walk(fetch, { prefix: o.prefix ?? '', delimiter: o.delimiter || undefined, after: o.after })) {
      if ('row' in item && (item.row.delete_marker || this.core.expired(item.row))) continue;
      if (objects.length + prefixes.length >= o.limit) {
        truncated = true;
        break;
      }
      if ('prefix' in item) {
        prefixes.push(item.prefix);
        next = item.prefix;
      } else {
        objects.push(toInfo(item.row));
        next = item.row.key;
      }
    }
    return { objects, prefixes, truncated, next: truncated ? next : undefined };
  }

  async versions(caller: Caller, bucket: string, o: VersionListOptions): Promise<VersionListResult> {
    await this.core.authorized(caller, bucket, 's3:ListBucketVersions');
    const db = this.core.d.db;
    // A version marker resumes inside its key: the older versions of that key come first.
    const versions: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let after = o.keyMarker;
    if (o.keyMarker !== undefined && o.versionIdMarker !== undefined) {
      const marker = await db.selectFrom('objects').select('seq').where('bucket', '=', bucket).where('key', '=', o.keyMarker)
        .where('version_id', '=', o.versionIdMarker).executeTakeFirst();
      if (marker) {
        const older = await db.selectFrom('objects').selectAll().where('bucket', '=', bucket).where('key', '=', o.keyMarker)
          .where('seq', '<', marker.seq).orderBy('seq', 'desc').limit(o.limit + 1).execute();
        for (const row of older) {
          if (versions.length >= o.limit) return { versions, prefixes, truncated: true, nextKeyMarker: versions.at(-1)!.key, nextVersionIdMarker: versions.at(-1)!.versionId ?? 'null' };
          versions.push(toInfo(row));
        }
      }
    }
    const fetch = async (cursor: string | undefined, inclusive: boolean) => {
      // One row per key drives the walk; its versions are read when the key is emitted.
      let q = db.selectFrom('objects').selectAll().where('bucket', '=', bucket).where('is_latest', '=', 1);
      if (cursor !== undefined) q = q.where('key', inclusive ? '>=' : '>', cursor);
      return q.orderBy('key').limit(BATCH).execute();
    };
    for await (const item of walk(fetch, { prefix: o.prefix ?? '', delimiter: o.delimiter || undefined, after })) {
      if (versions.length + prefixes.length >= o.limit) return this.truncated(versions, prefixes);
      if ('prefix' in item) {
        prefixes.push(item.prefix);
        continue;
      }
      const all = await db.selectFrom('objects').selectAll().where('bucket', '=', bucket).where('key', '=', item.row.key).orderBy('seq', 'desc').execute();
      for (const row of all) {
        if (versions.length + prefixes.length >= o.limit) return this.truncated(versions, prefixes);
        versions.push(toInfo(row));
      }
    }
    return { versions, prefixes, truncated: false };
  }

  /** Markers name the last entry returned, so the next page resumes right after it. */
  private truncated(versions: ObjectInfo[], prefixes: string[]): VersionListResult {
    const lastVersion = versions.at(-1);
    const lastPrefix = prefixes.at(-1);
    if (lastPrefix !== undefined && (lastVersion === undefined || lastPrefix > lastVersion.key)) {
      return { versions, prefixes, truncated: true, nextKeyMarker: lastPrefix };
    }
    return { versions, prefixes, truncated: true, nextKeyMarker: lastVersion!.key, nextVersionIdMarker: lastVersion!.versionId ?? 'null' };
  }
}
