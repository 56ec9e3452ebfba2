import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { Database, Db } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/log.ts';
import { authorize } from './access.ts';
import { ObjectError } from './errors.ts';
import type { StoredPart } from './model.ts';
import { concatSegments, SegmentStore, type WrittenSegment } from './segment-store.ts';
import type { BucketTable, ObjectTable, SegmentTable } from './tables.ts';
import type { Action, Caller, ChecksumAlgorithm, Conditions, CustomerKey, DataOptions, ObjectInfo, RangeSpec } from './types.ts';

/** S3's limit for a single PUT and for one part; Swift's default `max_file_size` is the same. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;

export interface ObjectDeps {
  db: Db;
  store: SegmentStore;
  log: Logger;
  now: () => number;
}

type Trx = Transaction<Database>;

/** The rows a new version brings: the object row and the segments it owns. */
export interface NewVersion {
  row: Omit<ObjectTable, 'version_id' | 'seq' | 'is_latest'>;
  segments: SegmentTable[];
}

export const newVersionId = () => randomUUID().replaceAll('-', '');

/**
 * What every object operation shares: bucket lookup with authorization, resolving the version a
 * read names, writing data durably, and committing a version under S3's versioning rules in one
 * transaction (quota checks, the bucket's usage counters, the rows it replaces), after which the
 * replaced data files are deleted.
 */
export class ObjectCore {
  constructor(readonly d: ObjectDeps) {}

  async bucketRow(name: string, db: Db | Trx = this.d.db): Promise<BucketTable> {
    const row = await db.selectFrom('buckets').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new ObjectError('NoSuchBucket', 'The specified bucket does not exist', { bucket: name });
    return row;
  }

  async authorized(caller: Caller, name: string, action: Action, key?: string): Promise<BucketTable> {
    const row = await this.bucketRow(name);
    authorize(caller, row, action, key);
    return row;
  }

  /** The version a read means: the given one, or the latest; delete markers and expired objects answer as S3 does. */
  async resolve(bucket: string, key: string, versionId?: string, db: Db | Trx = this.d.db): Promise<ObjectTable> {
    if (versionId !== undefined) {
      const row = await db.selectFrom('objects').selectAll()
        .where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', versionId).executeTakeFirst();
      if (!row) throw new ObjectError('NoSuchVersion', 'The specified version does not exist.', { bucket, key, versionId });
      if (row.delete_marker) throw new ObjectError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { bucket, key, versionId, deleteMarker: true });
      return row;
    }
    const row = await this.latest(bucket, key, db);
    if (!row || this.expired(row)) throw new ObjectError('NoSuchKey', 'The specified key does not exist.', { bucket, key });
    if (row.delete_marker) throw new ObjectError('NoSuchKey', 'The specified key does not exist.', { bucket, key, deleteMarker: true, versionId: row.version_id });
    return row;
  }

  latest(bucket: string, key: string, db: Db | Trx = this.d.db): Promise<ObjectTable | undefined> {
    return db.selectFrom('objects').selectAll()
      .where('bucket', '=', bucket).where('key', '=', key).where('is_latest', '=', 1).executeTakeFirst();
  }

  expired(row: Pick<ObjectTable, 'delete_at'>): boolean {
    return row.delete_at !== null && row.delete_at * 1000 <= this.d.now();
  }

  /** Streams data to a new segment and checks it against what the request promised. */
  async writeData(data: Readable, options: DataOptions, customerKey?: CustomerKey): Promise<{ written: WrittenSegment; segment: SegmentTable }> {
    const hashes = new Set<ChecksumAlgorithm>(options.hashes ?? []);
    if (options.checksum) hashes.add(options.checksum.algorithm);
    const written = await this.d.store.write(data, { maxSize: MAX_OBJECT_SIZE, hashes: [...hashes] });
    try {
      const { digests } = written;
      if (options.size !== undefined && digests.size < options.size) {
        throw new ObjectError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      }
      if (options.contentMd5 !== undefined && Buffer.from(digests.md5Hex, 'hex').toString('base64') !== options.contentMd5) {
        throw new ObjectError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      if (options.checksum) {
        const { algorithm, expected } = options.checksum;
        const value = typeof expected === 'function' ? expected() : expected;
        if (value !== undefined && value !== digests.checksums[algorithm]) {
          throw new ObjectError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
        }
      }
      options.verify?.(digests);
    } catch (err) {
      await this.d.store.remove([written.id]);
      throw err;
    }
    const segment = {
      id: written.id, size: written.digests.size, sealed_key: this.d.store.wrapKey(written.id, written.dataKey, customerKey?.key), data: written.inline ?? null,
    };
    return { written, segment };
  }

  /**
   * Makes `v` the key's latest version in one transaction: with versioning Enabled it joins the
   * history under a new id; unversioned or Suspended it replaces the `null` version. Checks the
   * account's and the bucket's quotas on the way. Deletes replaced data after the commit.
   */
  async commit(v: NewVersion, guard?: (trx: Trx, latest: ObjectTable | undefined) => Promise<void>): Promise<ObjectTable> {
    let replaced: string[] = [];
    let committed: ObjectTable;
    try {
      committed = await this.d.db.transaction().execute(async (trx) => {
        const bucket = await this.bucketRow(v.row.bucket, trx);
        const previous = await this.latest(v.row.bucket, v.row.key, trx);
        await guard?.(trx, previous && !previous.delete_marker && !this.expired(previous) ? previous : undefined);
        const versionId = bucket.versioning === 'Enabled' ? newVersionId() : 'null';
        const removed = versionId === 'null' ? await this.removeVersion(trx, bucket.name, v.row.key, 'null') : undefined;
        replaced = removed ? JSON.parse(removed.segments) as string[] : [];
        await trx.updateTable('objects').set({ is_latest: 0 })
          .where('bucket', '=', bucket.name).where('key', '=', v.row.key).where('is_latest', '=', 1).execute();
        const top = await trx.selectFrom('objects').select((eb) => eb.fn.max('seq').as('seq'))
          .where('bucket', '=', bucket.name).where('key', '=', v.row.key).executeTakeFirst();
        const row: ObjectTable = { ...v.row, version_id: versionId, seq: (top?.seq ?? 0) + 1, is_latest: 1 };
        if (v.segments.length) await trx.insertInto('object_segments').values(v.segments).execute();
        await trx.insertInto('objects').values(row).execute();
        if (!row.delete_marker) await this.count(trx, await this.bucketRow(bucket.name, trx), 1, row.size);
        return row;
      });
    } catch (err) {
      await this.d.store.remove(v.segments.map((s) => s.id));
      throw err;
    }
    await this.d.store.remove(replaced);
    return committed;
  }

  /** Deletes one version's rows inside `trx` and fixes the counters; returns the row (its files are the caller's to remove). */
  async removeVersion(trx: Trx, bucket: string, key: string, versionId: string): Promise<ObjectTable | undefined> {
    const row = await trx.selectFrom('objects').selectAll()
      .where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', versionId).executeTakeFirst();
    if (!row) return undefined;
    await trx.deleteFrom('objects').where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', versionId).execute();
    const segments = JSON.parse(row.segments) as string[];
    if (segments.length) await trx.deleteFrom('object_segments').where('id', 'in', segments).execute();
    if (!row.delete_marker) await this.count(trx, await this.bucketRow(bucket, trx), -1, -row.size);
    if (row.is_latest) {
      const next = await trx.selectFrom('objects').select('seq').where('bucket', '=', bucket).where('key', '=', key)
        .orderBy('seq', 'desc').limit(1).executeTakeFirst();
      if (next) await trx.updateTable('objects').set({ is_latest: 1 }).where('bucket', '=', bucket).where('key', '=', key).where('seq', '=', next.seq).execute();
    }
    return row;
  }

  /** Adjusts usage; growth is checked against the bucket's and the project's quotas. */
  async count(trx: Trx, bucket: BucketTable, objects: number, bytes: number): Promise<void> {
    if (objects > 0 || bytes > 0) {
      if (bucket.quota_bytes !== null && bucket.bytes_used + bytes > bucket.quota_bytes) throw quotaExceeded('bytes');
      if (bucket.quota_objects !== null && bucket.object_count + objects > bucket.quota_objects) throw quotaExceeded('objects');
      const account = await trx.selectFrom('object_accounts').selectAll().where('project_id', '=', bucket.project_id).executeTakeFirst();
      if (account && (account.quota_bytes !== null || account.quota_objects !== null)) {
        const used = await trx.selectFrom('buckets').select((eb) => [eb.fn.sum<number>('bytes_used').as('bytes'), eb.fn.sum<number>('object_count').as('objects')])
          .where('project_id', '=', bucket.project_id).executeTakeFirstOrThrow();
        if (account.quota_bytes !== null && Number(used.bytes ?? 0) + bytes > account.quota_bytes) throw quotaExceeded('bytes');
        if (account.quota_objects !== null && Number(used.objects ?? 0) + objects > account.quota_objects) throw quotaExceeded('objects');
      }
    }
    await trx.updateTable('buckets')
      .set((eb) => ({ object_count: eb('object_count', '+', objects), bytes_used: eb('bytes_used', '+', bytes) }))
      .where('name', '=', bucket.name).execute();
    bucket.object_count += objects;
    bucket.bytes_used += bytes;
  }

  /**
   * The version a read means together with its segments, held against removal from the moment
   * they are read (inside one transaction, so no commit slips between): `release` must be called
   * unless `open` takes it over.
   */
  async snapshot(bucket: string, key: string, versionId?: string): Promise<{ row: ObjectTable; segments: SegmentTable[]; release: () => void }> {
    return this.d.db.transaction().execute(async (trx) => {
      const row = await this.resolve(bucket, key, versionId, trx);
      const ids = JSON.parse(row.segments) as string[];
      const found = ids.length ? await trx.selectFrom('object_segments').selectAll().where('id', 'in', ids).execute() : [];
      const byId = new Map(found.map((s) => [s.id, s]));
      const segments = ids.map((id) => {
        const s = byId.get(id);
        if (!s) throw new Error(`object ${bucket}/${key} names a missing segment ${id}`);
        return s;
      });
      return { row, segments, release: this.d.store.hold(ids) };
    });
  }

  /** The data of a snapshot, or a range of it, decrypting segment by segment as the reader pulls; releases the hold when done. */
  open(snap: { row: ObjectTable; segments: SegmentTable[]; release: () => void }, range: { start: number; end: number } | undefined, customerKey?: CustomerKey): Readable {
    try {
      const start = range?.start ?? 0;
      const end = range?.end ?? snap.row.size - 1;
      const pieces: (() => AsyncGenerator<Buffer>)[] = [];
      let offset = 0;
      for (const s of snap.segments) {
        const from = Math.max(start - offset, 0);
        const to = Math.min(end - offset, s.size - 1);
        if (from <= to) {
          const key = this.d.store.unwrapKey(s.id, s.sealed_key, customerKey?.key);
          pieces.push(() => this.d.store.read(s.id, key, s.size, from, to, s.data));
        }
        offset += s.size;
      }
      return concatSegments(pieces, snap.release);
    } catch (err) {
      snap.release();
      throw err;
    }
  }
}

export function quotaExceeded(which: 'bytes' | 'objects'): ObjectError {
  return new ObjectError('QuotaExceeded', `The quota of ${which} is exceeded.`, { quota: which });
}

/** S3's evaluation order (RFC 7232 with S3's twist: a true If-Match overrides a false If-Unmodified-Since). */
export function checkConditions(info: ObjectInfo, c: Conditions | undefined, forRead: boolean): void {
  if (!c) return;
  const modified = Math.floor(info.lastModified.getTime() / 1000) * 1000;
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, info.etag)) throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  } else if (c.ifUnmodifiedSince && modified > c.ifUnmodifiedSince.getTime()) {
    throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, info.etag)) {
      if (forRead) throw notModified(info);
      throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
  } else if (forRead && c.ifModifiedSince && modified <= c.ifModifiedSince.getTime()) {
    throw notModified(info);
  }
}

function notModified(info: ObjectInfo): ObjectError {
  return new ObjectError('NotModified', 'Not Modified', { etag: info.etag, lastModified: info.lastModified });
}

function etagMatches(header: string, etag: string): boolean {
  return header.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, '')).some((t) => t === '*' || t === etag);
}

/** The inclusive byte range a RangeSpec selects in `size` bytes; InvalidRange when it selects none. */
export function resolveRange(spec: RangeSpec | undefined, size: number): { start: number; end: number } | undefined {
  if (!spec) return undefined;
  const invalid = () => new ObjectError('InvalidRange', 'The requested range is not satisfiable', { size });
  if ('suffix' in spec) {
    if (spec.suffix <= 0 || size === 0) throw invalid();
    return { start: Math.max(size - spec.suffix, 0), end: size - 1 };
  }
  if (spec.start >= size) throw invalid();
  return { start: spec.start, end: Math.min(spec.end ?? size - 1, size - 1) };
}

/** The byte range part `n` (1-based) covers in an object made of `parts`. */
export function partRange(parts: StoredPart[], size: number, n: number): { start: number; end: number } {
  if (parts.length === 0) {
    if (n !== 1) throw new ObjectError('InvalidRange', 'The requested partnumber is not satisfiable', { size });
    return { start: 0, end: size - 1 };
  }
  if (n > parts.length) throw new ObjectError('InvalidRange', 'The requested partnumber is not satisfiable', { size });
  const start = parts.slice(0, n - 1).reduce((a, p) => a + p.size, 0);
  return { start, end: start + parts[n - 1]!.size - 1 };
}
