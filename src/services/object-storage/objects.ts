import type { Readable } from 'node:stream';
import { projectId } from '../../platform/auth.ts';
import { checkConditions, partRange, resolveRange, type ObjectCore } from './core.ts';
import { ObjectError } from './errors.ts';
import { toInfo, type StoredPart } from './model.ts';
import { checkKey } from './names.ts';
import type { ObjectTable } from './tables.ts';
import type {
  Caller, CopyOptions, CopySource, CustomerKey, GetOptions, ObjectInfo, ObjectRead, PutOptions, ReadOptions, Tags,
} from './types.ts';

const DEFAULT_TYPE = 'binary/octet-stream';

/** PUT, GET, HEAD, DELETE, copy and metadata of single objects. */
export class Objects {
  constructor(private readonly core: ObjectCore) {}

  async put(caller: Caller, bucket: string, key: string, data: Readable, o: PutOptions): Promise<ObjectInfo> {
    checkKey(key);
    await this.core.authorized(caller, bucket, 's3:PutObject', key);
    const customerKey = o.sse?.kind === 'C' ? o.sse : undefined;
    const { written, segment } = await this.core.writeData(data, o, customerKey);
    const d = written.digests;
    const checksum = o.checksum ? { algorithm: o.checksum.algorithm, value: d.checksums[o.checksum.algorithm]!, type: 'FULL_OBJECT' as const } : undefined;
    const row = await this.core.commit({
      row: {
        ...this.describe(caller, bucket, key, o),
        size: d.size,
        etag: d.md5Hex,
        checksum: checksum ? JSON.stringify(checksum) : null,
        sse_key_md5: customerKey?.keyMd5 ?? null,
        parts: '[]',
        segments: JSON.stringify([segment.id]),
      },
      segments: [segment],
    }, async (_trx, latest) => writeConditions(bucket, key, latest, o.conditions));
    return toInfo(row);
  }

  /** The descriptive columns of a new version (everything but its data). */
  describe(caller: Caller, bucket: string, key: string, o: Pick<PutOptions, 'contentType' | 'userMeta' | 'headers' | 'tags' | 'manifest' | 'slo' | 'deleteAt'>) {
    return {
      bucket, key,
      delete_marker: 0,
      last_modified: this.core.d.now(),
      content_type: o.contentType || DEFAULT_TYPE,
      user_meta: JSON.stringify(o.userMeta ?? {}),
      headers: JSON.stringify(o.headers ?? {}),
      tags: JSON.stringify(o.tags ?? {}),
      manifest: o.manifest ?? null,
      slo: o.slo ? 1 : 0,
      delete_at: o.deleteAt ?? null,
      owner_project: ownerProject(caller),
    };
  }

  async get(caller: Caller, bucket: string, key: string, o: GetOptions): Promise<ObjectRead> {
    await this.core.authorized(caller, bucket, o.versionId ? 's3:GetObjectVersion' : 's3:GetObject', key);
    const snap = await this.core.snapshot(bucket, key, o.versionId);
    try {
      const { info, range } = this.check(snap.row, o);
      return { info, range, body: this.core.open(snap, range, o.sseKey) };
    } catch (err) {
      snap.release();
      throw err;
    }
  }

  async head(caller: Caller, bucket: string, key: string, o: ReadOptions & { range?: GetOptions['range'] }): Promise<ObjectRead> {
    await this.core.authorized(caller, bucket, o.versionId ? 's3:GetObjectVersion' : 's3:GetObject', key);
    return this.check(await this.core.resolve(bucket, key, o.versionId), o);
  }

  /** What a read may see of a version: its key, its conditions, the range or part asked for. */
  private check(row: ObjectTable, o: GetOptions): ObjectRead {
    const info = toInfo(row);
    if (!o.metadataOnly) checkCustomerKey(info, o.sseKey);
    checkConditions(info, o.conditions, true);
    const range = o.partNumber !== undefined
      ? partRange(JSON.parse(row.parts) as StoredPart[], row.size, o.partNumber)
      : resolveRange(o.range, row.size);
    return { info, range };
  }

  async delete(caller: Caller, bucket: string, key: string, o: { versionId?: string }): Promise<{ versionId?: string; deleteMarker: boolean }> {
    const b = await this.core.authorized(caller, bucket, o.versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject', key);
    if (o.versionId !== undefined) {
      let removed: ObjectTable | undefined;
      await this.core.d.db.transaction().execute(async (trx) => {
        removed = await this.core.removeVersion(trx, bucket, key, o.versionId!);
      });
      if (removed) await this.core.d.store.remove(JSON.parse(removed.segments) as string[]);
      return { versionId: o.versionId, deleteMarker: removed?.delete_marker === 1 };
    }
    if (b.versioning === null) {
      let removed: ObjectTable | undefined;
      await this.core.d.db.transaction().execute(async (trx) => {
        removed = await this.core.removeVersion(trx, bucket, key, 'null');
      });
      if (removed) await this.core.d.store.remove(JSON.parse(removed.segments) as string[]);
      return { deleteMarker: false };
    }
    const marker = await this.core.commit({
      row: { ...this.describe(caller, bucket, key, {}), delete_marker: 1, size: 0, etag: '', content_type: '', checksum: null, sse_key_md5: null, parts: '[]', segments: '[]' },
      segments: [],
    });
    return { versionId: marker.version_id, deleteMarker: true };
  }

  async copy(caller: Caller, source: CopySource, bucket: string, key: string, o: CopyOptions): Promise<{ info: ObjectInfo; sourceVersionId?: string }> {
    const src = await this.get(caller, source.bucket, source.key, {
      versionId: source.versionId, conditions: source.conditions, sseKey: source.sseKey, range: source.range,
    });
    const s = src.info;
    const meta = o.metadataDirective === 'COPY'
      ? { contentType: s.contentType, userMeta: s.userMeta, headers: s.headers }
      : { contentType: o.contentType, userMeta: o.userMeta, headers: o.headers };
    const info = await this.put(caller, bucket, key, src.body!, {
      ...o, ...meta,
      tags: o.taggingDirective === 'COPY' ? s.tags : o.tags,
      checksum: s.checksum && o.metadataDirective === 'COPY' ? { algorithm: s.checksum.algorithm } : undefined,
    });
    return { info, sourceVersionId: s.versionId ?? undefined };
  }

  async updateMeta(caller: Caller, bucket: string, key: string, patch: Pick<PutOptions, 'contentType' | 'userMeta' | 'headers' | 'deleteAt' | 'manifest'>): Promise<ObjectInfo> {
    await this.core.authorized(caller, bucket, 's3:PutObject', key);
    const row = await this.core.resolve(bucket, key);
    const set = {
      content_type: patch.contentType ?? row.content_type,
      user_meta: JSON.stringify(patch.userMeta ?? {}),
      headers: JSON.stringify(patch.headers ?? {}),
      delete_at: patch.deleteAt ?? null,
      manifest: patch.manifest ?? null,
      last_modified: this.core.d.now(),
    };
    await this.core.d.db.updateTable('objects').set(set)
      .where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', row.version_id).execute();
    return toInfo({ ...row, ...set });
  }

  async setTags(caller: Caller, bucket: string, key: string, o: { versionId?: string }, tags: Tags | null): Promise<ObjectInfo> {
    await this.core.authorized(caller, bucket, 's3:PutObjectTagging', key);
    const row = await this.core.resolve(bucket, key, o.versionId);
    const text = JSON.stringify(tags ?? {});
    await this.core.d.db.updateTable('objects').set({ tags: text })
      .where('bucket', '=', bucket).where('key', '=', key).where('version_id', '=', row.version_id).execute();
    return toInfo({ ...row, tags: text });
  }
}

/** The project a new version or upload is recorded for ('' for anonymous writers to public buckets). */
export function ownerProject(caller: Caller): string {
  return (caller && projectId(caller)) ?? '';
}

/** Conditional writes: `If-None-Match: *` fails on an existing key, `If-Match` on another ETag or none. */
function writeConditions(bucket: string, key: string, latest: ObjectTable | undefined, c: PutOptions['conditions']): void {
  if (!c) return;
  if (c.ifNoneMatch !== undefined && latest) {
    throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { bucket, key });
  }
  if (c.ifMatch !== undefined) {
    if (!latest) throw new ObjectError('NoSuchKey', 'The specified key does not exist.', { bucket, key });
    checkConditions(toInfo(latest), { ifMatch: c.ifMatch }, false);
  }
}

/** SSE-C objects open only with their key; giving one for an SSE-S3 object is a client error too. */
export function checkCustomerKey(info: ObjectInfo, key: CustomerKey | undefined): void {
  if (info.sse.kind === 'C') {
    if (!key) throw new ObjectError('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    if (key.keyMd5 !== info.sse.keyMd5) throw new ObjectError('AccessDenied', 'Access Denied');
  } else if (key) {
    throw new ObjectError('InvalidRequest', 'The encryption parameters are not applicable to this object.');
  }
}
