import type { BucketTable, ObjectTable, UploadTable } from './tables.ts';
import type { Bucket, CannedAcl, ObjectInfo, Upload } from './types.ts';

/** One multipart part as the object row remembers it (for partNumber reads and composite checksums). */
export interface StoredPart {
  n: number;
  size: number;
  etag: string;
  checksum?: string;
}

/** What CreateMultipartUpload fixed for the object the upload becomes. */
export interface UploadSettings {
  contentType?: string;
  userMeta?: Record<string, string>;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  sseKeyMd5?: string;
  checksumAlgorithm?: Upload['checksumAlgorithm'];
}

export const json = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export function toBucket(row: BucketTable): Bucket {
  return {
    name: row.name,
    projectId: row.project_id,
    createdAt: new Date(row.created_at),
    region: row.region,
    versioning: row.versioning,
    acl: row.acl as CannedAcl,
    policy: row.policy ?? undefined,
    cors: json(row.cors),
    lifecycle: json(row.lifecycle),
    tags: json(row.tags),
    encryption: json(row.encryption),
    meta: JSON.parse(row.meta) as Record<string, string>,
    swiftRead: row.swift_read ?? undefined,
    swiftWrite: row.swift_write ?? undefined,
    quota: { bytes: row.quota_bytes ?? undefined, objects: row.quota_objects ?? undefined },
    objectCount: row.object_count,
    bytesUsed: row.bytes_used,
  };
}

export function toInfo(row: ObjectTable): ObjectInfo {
  const parts = JSON.parse(row.parts) as StoredPart[];
  return {
    bucket: row.bucket,
    key: row.key,
    versionId: row.version_id === 'null' ? null : row.version_id,
    isLatest: row.is_latest === 1,
    deleteMarker: row.delete_marker === 1,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    contentType: row.content_type,
    userMeta: JSON.parse(row.user_meta) as Record<string, string>,
    headers: JSON.parse(row.headers) as Record<string, string>,
    tags: JSON.parse(row.tags) as Record<string, string>,
    checksum: json(row.checksum),
    sse: row.sse_key_md5 ? { kind: 'C', keyMd5: row.sse_key_md5 } : { kind: 'S3' },
    parts: parts.length,
    manifest: row.manifest ?? undefined,
    slo: row.slo === 1 || undefined,
    deleteAt: row.delete_at ?? undefined,
    ownerProjectId: row.owner_project,
  };
}

export function toUpload(row: UploadTable): Upload {
  const o = JSON.parse(row.options) as UploadSettings;
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiated: new Date(row.initiated),
    checksumAlgorithm: o.checksumAlgorithm,
    sse: o.sseKeyMd5 ? { kind: 'C', keyMd5: o.sseKeyMd5 } : { kind: 'S3' },
    ownerProjectId: row.owner_project,
  };
}
