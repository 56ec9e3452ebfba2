export interface ObjectAccountTable {
  project_id: string;
  meta: string;
  quota_bytes: number | null;
  quota_objects: number | null;
}

export interface BucketTable {
  name: string;
  project_id: string;
  created_at: number;
  region: string;
  versioning: 'Enabled' | 'Suspended' | null;
  acl: string;
  policy: string | null;
  cors: string | null;
  lifecycle: string | null;
  tags: string | null;
  encryption: string | null;
  meta: string;
  swift_read: string | null;
  swift_write: string | null;
  quota_bytes: number | null;
  quota_objects: number | null;
  object_count: number;
  bytes_used: number;
}

export interface SegmentTable {
  id: string;
  size: number;
  sealed_key: string;
  /** The sealed data of a segment small enough to live in its row; null when it has a file. */
  data: Buffer | null;
}

export interface ObjectTable {
  bucket: string;
  key: string;
  /** 'null' for the null version. */
  version_id: string;
  /** Orders a key's versions: higher is newer. */
  seq: number;
  is_latest: number;
  delete_marker: number;
  size: number;
  etag: string;
  last_modified: number;
  content_type: string;
  user_meta: string;
  headers: string;
  tags: string;
  /** JSON `{algorithm, value, type}` or null. */
  checksum: string | null;
  /** null: SSE-S3 (the master key alone); else the MD5 of the SSE-C key that also wraps the data key. */
  sse_key_md5: string | null;
  /** JSON `[{n, size, etag, checksum?}]`: the multipart parts in order; `[]` for a single PUT. */
  parts: string;
  /** JSON array of segment ids whose concatenated plaintext is the data. */
  segments: string;
  manifest: string | null;
  slo: number;
  delete_at: number | null;
  owner_project: string;
}

export interface UploadTable {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  /** JSON of the CreateMultipartUpload options (content type, metadata, tags, sse, checksum algorithm). */
  options: string;
  owner_project: string;
}

export interface UploadPartTable {
  upload_id: string;
  part_number: number;
  segment: string;
  etag: string;
  size: number;
  checksum: string | null;
  last_modified: number;
}

export interface ObjectStorageTables {
  object_accounts: ObjectAccountTable;
  buckets: BucketTable;
  object_segments: SegmentTable;
  objects: ObjectTable;
  object_uploads: UploadTable;
  object_upload_parts: UploadPartTable;
}
