import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { compositeChecksum } from './checksums.ts';
import { newVersionId, type ObjectCore } from './core.ts';
import { ObjectError } from './errors.ts';
import { toInfo, toUpload, type StoredPart, type UploadSettings } from './model.ts';
import { checkKey } from './names.ts';
import { ownerProject, type Objects } from './objects.ts';
import type { UploadTable } from './tables.ts';
import type {
  Caller, ChecksumAlgorithm, Conditions, CopySource, CustomerKey, DataOptions, ObjectInfo, Part, PutOptions, Upload, UploadListOptions,
} from './types.ts';

const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * Multipart uploads. Each part is its own segment; completing an upload makes one object row
 * name the chosen parts' segments in order, so nothing is copied, and drops the others.
 */
export class Multipart {
  constructor(private readonly core: ObjectCore, private readonly objects: Objects) {}

  private async uploadRow(bucket: string, key: string, uploadId: string): Promise<UploadTable> {
    const row = await this.core.d.db.selectFrom('object_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
    if (!row || row.bucket !== bucket || row.key !== key) {
      throw new ObjectError('NoSuchUpload', 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { bucket, key, uploadId });
    }
    return row;
  }

  async create(caller: Caller, bucket: string, key: string, o: Omit<PutOptions, keyof DataOptions | 'conditions'> & { checksumAlgorithm?: ChecksumAlgorithm }): Promise<Upload> {
    checkKey(key);
    await this.core.authorized(caller, bucket, 's3:PutObject', key);
    const settings: UploadSettings = {
      contentType: o.contentType, userMeta: o.userMeta, headers: o.headers, tags: o.tags,
      sseKeyMd5: o.sse?.kind === 'C' ? o.sse.keyMd5 : undefined, checksumAlgorithm: o.checksumAlgorithm,
    };
    const row: UploadTable = {
      upload_id: newVersionId(), bucket, key, initiated: this.core.d.now(), options: JSON.stringify(settings),
      owner_project: ownerProject(caller),
    };
    await this.core.d.db.insertInto('object_uploads').values(row).execute();
    return toUpload(row);
  }

  async uploadPart(caller: Caller, bucket: string, key: string, uploadId: string, n: number, data: Readable, o: DataOptions & { sseKey?: CustomerKey }): Promise<Part> {
    await this.core.authorized(caller, bucket, 's3:PutObject', key);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
      throw new ObjectError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { argument: 'partNumber' });
    }
    const upload = await this.uploadRow(bucket, key, uploadId);
    const settings = JSON.parse(upload.options) as UploadSettings;
    if (settings.sseKeyMd5 !== o.sseKey?.keyMd5) {
      throw new ObjectError('InvalidRequest', 'The SSE-C parameters of a part must be those its upload was created with.');
    }
    const algorithm = o.checksum?.algorithm ?? settings.checksumAlgorithm;
    const { written, segment } = await this.core.writeData(data, { ...o, checksum: algorithm ? { algorithm, expected: o.checksum?.expected } : undefined }, o.sseKey);
    const part = {
      upload_id: uploadId, part_number: n, segment: segment.id, etag: written.digests.md5Hex, size: written.digests.size,
      checksum: algorithm ? written.digests.checksums[algorithm]! : null, last_modified: this.core.d.now(),
    };
    let replaced: string | undefined;
    try {
      await this.core.d.db.transaction().execute(async (trx) => {
        const still = await trx.selectFrom('object_uploads').select('upload_id').where('upload_id', '=', uploadId).executeTakeFirst();
        if (!still) throw new ObjectError('NoSuchUpload', 'The specified multipart upload does not exist.', { bucket, key, uploadId });
        const old = await trx.selectFrom('object_upload_parts').select('segment').where('upload_id', '=', uploadId).where('part_number', '=', n).executeTakeFirst();
        if (old) {
          replaced = old.segment;
          await trx.deleteFrom('object_upload_parts').where('upload_id', '=', uploadId).where('part_number', '=', n).execute();
          await trx.deleteFrom('object_segments').where('id', '=', old.segment).execute();
        }
        await trx.insertInto('object_segments').values(segment).execute();
        await trx.insertInto('object_upload_parts').values(part).execute();
      });
    } catch (err) {
      await this.core.d.store.remove([segment.id]);
      throw err;
    }
    if (replaced) await this.core.d.store.remove([replaced]);
    return { partNumber: n, etag: part.etag, size: part.size, lastModified: new Date(part.last_modified), checksum: part.checksum ?? undefined };
  }

  async uploadPartCopy(caller: Caller, bucket: string, key: string, uploadId: string, n: number, source: CopySource): Promise<Part> {
    await this.uploadRow(bucket, key, uploadId);
    const src = await this.objects.get(caller, source.bucket, source.key, {
      versionId: source.versionId, conditions: source.conditions, sseKey: source.sseKey, range: source.range,
    });
    const upload = await this.uploadRow(bucket, key, uploadId);
    const settings = JSON.parse(upload.options) as UploadSettings;
    // The part is sealed for the upload's own SSE-C key, which a copy request cannot carry: only plain uploads take copies.
    if (settings.sseKeyMd5) throw new ObjectError('InvalidRequest', 'UploadPartCopy into an SSE-C upload is not supported.');
    return this.uploadPart(caller, bucket, key, uploadId, n, src.body!, {});
  }

  async listParts(caller: Caller, bucket: string, key: string, uploadId: string, o: { after?: number; limit: number }) {
    await this.core.authorized(caller, bucket, 's3:ListMultipartUploadParts', key);
    const upload = await this.uploadRow(bucket, key, uploadId);
    const rows = await this.core.d.db.selectFrom('object_upload_parts').selectAll().where('upload_id', '=', uploadId)
      .where('part_number', '>', o.after ?? 0).orderBy('part_number').limit(o.limit + 1).execute();
    const parts: Part[] = rows.slice(0, o.limit).map((r) => ({
      partNumber: r.part_number, etag: r.etag, size: r.size, lastModified: new Date(r.last_modified), checksum: r.checksum ?? undefined,
    }));
    const truncated = rows.length > o.limit;
    return { upload: toUpload(upload), parts, truncated, next: truncated ? parts.at(-1)!.partNumber : undefined };
  }

  async listUploads(caller: Caller, bucket: string, o: UploadListOptions) {
    await this.core.authorized(caller, bucket, 's3:ListBucketMultipartUploads');
    const prefix = o.prefix ?? '';
    const rows = await this.core.d.db.selectFrom('object_uploads').selectAll().where('bucket', '=', bucket)
      .where('key', '>=', prefix).orderBy('key').orderBy('initiated').orderBy('upload_id').execute();
    const uploads: Upload[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) continue;
      if (o.keyMarker !== undefined) {
        if (row.key < o.keyMarker) continue;
        if (row.key === o.keyMarker && (o.uploadIdMarker === undefined || row.upload_id <= o.uploadIdMarker)) continue;
      }
      const at = o.delimiter ? row.key.indexOf(o.delimiter, prefix.length) : -1;
      const common = at >= 0 ? row.key.slice(0, at + o.delimiter!.length) : undefined;
      if (common !== undefined && (prefixes.at(-1) === common || (o.keyMarker !== undefined && common <= o.keyMarker))) continue;
      if (uploads.length + prefixes.length >= o.limit) {
        truncated = true;
        break;
      }
      if (common !== undefined) prefixes.push(common);
      else uploads.push(toUpload(row));
    }
    // The markers name the last entry returned; a common prefix resumes after all of its keys.
    const last = uploads.at(-1);
    const lastPrefix = prefixes.at(-1);
    const prefixLast = lastPrefix !== undefined && (last === undefined || lastPrefix > last.key);
    return {
      uploads, prefixes, truncated,
      nextKeyMarker: !truncated ? undefined : prefixLast ? lastPrefix : last?.key,
      nextUploadIdMarker: truncated && !prefixLast ? last?.uploadId : undefined,
    };
  }

  async complete(caller: Caller, bucket: string, key: string, uploadId: string, chosen: { partNumber: number; etag: string; checksum?: string }[], o: { conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'> }): Promise<ObjectInfo> {
    await this.core.authorized(caller, bucket, 's3:PutObject', key);
    const upload = await this.uploadRow(bucket, key, uploadId);
    if (chosen.length === 0) throw new ObjectError('InvalidRequest', 'You must specify at least one part');
    const rows = await this.core.d.db.selectFrom('object_upload_parts').selectAll().where('upload_id', '=', uploadId).execute();
    const byNumber = new Map(rows.map((r) => [r.part_number, r]));
    const parts: StoredPart[] = [];
    const segments: string[] = [];
    if (chosen.some((c, i) => i > 0 && c.partNumber <= chosen[i - 1]!.partNumber)) {
      throw new ObjectError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', { uploadId });
    }
    for (const [i, c] of chosen.entries()) {
      const row = byNumber.get(c.partNumber);
      if (!row || row.etag !== c.etag.replace(/^"|"$/g, '')) {
        throw new ObjectError('InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.', { uploadId });
      }
      if (c.checksum !== undefined && row.checksum !== null && c.checksum !== row.checksum) {
        throw new ObjectError('InvalidPart', `The checksum of part ${c.partNumber} does not match the checksum it was uploaded with.`, { uploadId });
      }
      if (i < chosen.length - 1 && row.size < MIN_PART) {
        throw new ObjectError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', { uploadId });
      }
      parts.push({ n: row.part_number, size: row.size, etag: row.etag, checksum: row.checksum ?? undefined });
      segments.push(row.segment);
    }
    const settings = JSON.parse(upload.options) as UploadSettings;
    const md5 = createHash('md5');
    for (const p of parts) md5.update(Buffer.from(p.etag, 'hex'));
    const algorithm = settings.checksumAlgorithm;
    const checksum = algorithm && parts.every((p) => p.checksum)
      ? { algorithm, value: compositeChecksum(algorithm, parts.map((p) => p.checksum!)), type: 'COMPOSITE' as const }
      : undefined;
    const unused = rows.filter((r) => !segments.includes(r.segment)).map((r) => r.segment);
    const row = await this.core.commit({
      row: {
        ...this.objects.describe(caller, bucket, key, settings),
        size: parts.reduce((a, p) => a + p.size, 0),
        etag: `${md5.digest('hex')}-${parts.length}`,
        checksum: checksum ? JSON.stringify(checksum) : null,
        sse_key_md5: settings.sseKeyMd5 ?? null,
        parts: JSON.stringify(parts),
        segments: JSON.stringify(segments),
      },
      segments: [],
    }, async (trx, latest) => {
      // The upload's rows go in the same transaction that makes the object visible: a crash
      // leaves either the upload (retry Complete) or the object, never both or neither.
      const still = await trx.deleteFrom('object_uploads').where('upload_id', '=', uploadId).executeTakeFirst();
      if (Number(still.numDeletedRows) === 0) throw new ObjectError('NoSuchUpload', 'The specified multipart upload does not exist.', { bucket, key, uploadId });
      await trx.deleteFrom('object_upload_parts').where('upload_id', '=', uploadId).execute();
      if (unused.length) await trx.deleteFrom('object_segments').where('id', 'in', unused).execute();
      if (o.conditions?.ifNoneMatch !== undefined && latest) throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { bucket, key });
      if (o.conditions?.ifMatch !== undefined && latest?.etag !== o.conditions.ifMatch.replace(/^"|"$/g, '')) {
        throw new ObjectError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { bucket, key });
      }
    });
    await this.core.d.store.remove(unused);
    return toInfo(row);
  }

  async abort(caller: Caller, bucket: string, key: string, uploadId: string): Promise<void> {
    await this.core.authorized(caller, bucket, 's3:AbortMultipartUpload', key);
    await this.uploadRow(bucket, key, uploadId);
    const segments = await this.drop(uploadId);
    await this.core.d.store.remove(segments);
  }

  /** Deletes an upload's rows; returns its segment ids for the caller to remove after the commit. */
  async drop(uploadId: string): Promise<string[]> {
    return this.core.d.db.transaction().execute(async (trx) => {
      const parts = await trx.selectFrom('object_upload_parts').select('segment').where('upload_id', '=', uploadId).execute();
      const ids = parts.map((p) => p.segment);
      await trx.deleteFrom('object_upload_parts').where('upload_id', '=', uploadId).execute();
      if (ids.length) await trx.deleteFrom('object_segments').where('id', 'in', ids).execute();
      await trx.deleteFrom('object_uploads').where('upload_id', '=', uploadId).execute();
      return ids;
    });
  }
}
