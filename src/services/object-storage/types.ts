import type { Readable } from 'node:stream';
import type { AuthContext } from '../../platform/auth.ts';

/**
 * The object layer's public interface (MinIO's `ObjectLayer`): one backend behind both the S3 and
 * the Swift front end, so a Swift container and an S3 bucket of a project are the same thing.
 * Calls are `(caller, bucket, key, options)`; the backend authorizes every call itself (project
 * roles, canned ACLs, bucket policies, Swift container ACLs), so both front ends enforce the same
 * rules. `null` is an anonymous caller.
 */
export type Caller = AuthContext | null;

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';
export type CannedAcl = 'private' | 'public-read' | 'public-read-write' | 'authenticated-read';
export type Tags = Record<string, string>;

/** S3 actions, named as in IAM policies; the backend checks each call against one. */
export type Action =
  | 's3:ListAllMyBuckets' | 's3:CreateBucket' | 's3:DeleteBucket' | 's3:ListBucket' | 's3:ListBucketVersions'
  | 's3:ListBucketMultipartUploads' | 's3:GetBucketConfig' | 's3:PutBucketConfig'
  | 's3:GetObject' | 's3:GetObjectVersion' | 's3:PutObject' | 's3:DeleteObject' | 's3:DeleteObjectVersion'
  | 's3:GetObjectTagging' | 's3:PutObjectTagging' | 's3:AbortMultipartUpload' | 's3:ListMultipartUploadParts';

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** Lifecycle: the expiration subset (current versions after days/at a date, noncurrent after days, stale uploads). */
export interface LifecycleRule {
  id?: string;
  status: 'Enabled' | 'Disabled';
  prefix: string;
  tags?: Tags;
  expirationDays?: number;
  expirationDate?: string;
  expiredObjectDeleteMarker?: boolean;
  noncurrentDays?: number;
  abortIncompleteUploadDays?: number;
}

export interface Quota {
  bytes?: number;
  objects?: number;
}

export interface Bucket {
  name: string;
  projectId: string;
  createdAt: Date;
  region: string;
  /** null: never enabled ("unversioned"). */
  versioning: 'Enabled' | 'Suspended' | null;
  acl: CannedAcl;
  /** The policy document as the owner PUT it (JSON text). */
  policy?: string;
  cors?: CorsRule[];
  lifecycle?: LifecycleRule[];
  tags?: Tags;
  /** Default encryption configuration as set by PutBucketEncryption; data is encrypted regardless. */
  encryption?: { algorithm: 'AES256' };
  /** Swift container metadata (`X-Container-Meta-*`, lower-case names without the prefix). */
  meta: Record<string, string>;
  /** Swift container ACLs (`X-Container-Read` / `X-Container-Write`), verbatim. */
  swiftRead?: string;
  swiftWrite?: string;
  quota: Quota;
  objectCount: number;
  bytesUsed: number;
}

export type BucketPatch = Partial<Pick<Bucket, 'acl' | 'swiftRead' | 'swiftWrite' | 'quota'>> & {
  versioning?: 'Enabled' | 'Suspended';
  policy?: string | null;
  cors?: CorsRule[] | null;
  lifecycle?: LifecycleRule[] | null;
  tags?: Tags | null;
  encryption?: { algorithm: 'AES256' } | null;
  /** Merged into the metadata; an empty value removes the name (Swift semantics). */
  meta?: Record<string, string>;
};

export interface Account {
  projectId: string;
  /** `X-Account-Meta-*`, lower-case names without the prefix (incl. `temp-url-key`). */
  meta: Record<string, string>;
  quota: Quota;
  bucketCount: number;
  objectCount: number;
  bytesUsed: number;
  /** When its first bucket still there was created; now while it has none (Swift's account `X-Timestamp`). */
  createdAt: Date;
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  /** null for an object stored while versioning was never enabled or suspended ("null" on the wire). */
  versionId: string | null;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  /** Hex MD5 of the data, or `<md5 of part md5s>-<parts>` for a multipart object; unquoted. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** User metadata, lower-case names without `x-amz-meta-` / `x-object-meta-`. */
  userMeta: Record<string, string>;
  /** Stored standard headers: content-encoding, content-disposition, content-language, cache-control, expires. */
  headers: Record<string, string>;
  tags: Tags;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' };
  sse: { kind: 'S3' } | { kind: 'C'; keyMd5: string };
  /** Number of multipart parts; 0 for a single PUT. */
  parts: number;
  /** Swift dynamic large object: `X-Object-Manifest` (`container/prefix`). */
  manifest?: string;
  /** Swift static large object: the data is the manifest JSON the client PUT. */
  slo?: boolean;
  /** Swift `X-Delete-At`, seconds since the epoch. */
  deleteAt?: number;
  ownerProjectId: string;
}

/** An SSE-C key as the client sent it (already base64-decoded and checked against its MD5). */
export interface CustomerKey {
  key: Buffer;
  keyMd5: string;
}

export type RangeSpec = { start: number; end?: number } | { suffix: number };

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export interface Digests {
  size: number;
  md5Hex: string;
  /** Base64 digests of the algorithms asked for in `PutOptions.hashes` and `checksum`. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface DataOptions {
  /** The declared length; fewer bytes is `IncompleteBody`, more is `InvalidRequest`. */
  size?: number;
  /** Content-MD5 as sent (base64); a mismatch is `BadDigest`. */
  contentMd5?: string;
  /**
   * The checksum to verify and store. `expected` is a function when the value only arrives in a
   * trailer; it is called after the body ended. A mismatch is `BadDigest`.
   */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string | (() => string | undefined) };
  /** Further digests to compute, e.g. SHA256 to check a SigV4 `x-amz-content-sha256`. */
  hashes?: ChecksumAlgorithm[];
  /**
   * Called once the data is durable on disk and before anything becomes visible; throwing
   * discards the upload (the front end checks payload signatures here).
   */
  verify?: (digests: Digests) => void;
}

export interface PutOptions extends DataOptions {
  contentType?: string;
  userMeta?: Record<string, string>;
  headers?: Record<string, string>;
  tags?: Tags;
  sse?: { kind: 'S3' } | ({ kind: 'C' } & CustomerKey);
  conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'>;
  manifest?: string;
  slo?: boolean;
  deleteAt?: number;
}

export interface ReadOptions {
  versionId?: string;
  conditions?: Conditions;
  sseKey?: CustomerKey;
  /** S3 `partNumber`: read one part of a multipart object. */
  partNumber?: number;
  /** Only the object's description is read (tags, ACL): an SSE-C object then needs no key. */
  metadataOnly?: boolean;
}

export interface GetOptions extends ReadOptions {
  range?: RangeSpec;
}

export interface ObjectRead {
  info: ObjectInfo;
  /** Inclusive byte range served; undefined for the whole object. */
  range?: { start: number; end: number };
  /** Present for GET, absent for HEAD. The caller must consume or destroy it. */
  body?: Readable;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** List keys (and common prefixes) strictly after this one: marker, start-after, continuation. */
  after?: string;
  /** Swift `end_marker`: only keys strictly before this one. */
  before?: string;
  limit: number;
}

export interface ListResult {
  objects: ObjectInfo[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, to continue after when truncated. */
  next?: string;
}

export interface VersionListOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  limit: number;
}

export interface VersionListResult {
  versions: ObjectInfo[];
  prefixes: string[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
  conditions?: Conditions;
  sseKey?: CustomerKey;
  range?: RangeSpec;
}

export interface CopyOptions extends Omit<PutOptions, keyof DataOptions> {
  /** COPY keeps the source's content type, metadata and headers; REPLACE takes them from these options. */
  metadataDirective: 'COPY' | 'REPLACE';
  taggingDirective: 'COPY' | 'REPLACE';
}

export interface Upload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  checksumAlgorithm?: ChecksumAlgorithm;
  sse: ObjectInfo['sse'];
  ownerProjectId: string;
}

export interface Part {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
  checksum?: string;
}

export interface UploadListOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  limit: number;
}

export interface ObjectBackend {
  // accounts (a project's view, Swift's account)
  getAccount(caller: Caller, projectId: string): Promise<Account>;
  updateAccount(caller: Caller, projectId: string, patch: { meta?: Record<string, string>; quota?: Quota }): Promise<Account>;

  // buckets
  listBuckets(caller: Caller, projectId: string): Promise<Bucket[]>;
  /** `naming: 'swift'` applies Swift's container name rules instead of S3's bucket name rules. */
  createBucket(caller: Caller, name: string, options: { region?: string; acl?: CannedAcl; meta?: Record<string, string>; swiftRead?: string; swiftWrite?: string; naming?: 's3' | 'swift' }): Promise<Bucket>;
  /**
   * The bucket with its configuration, for a caller allowed `action` on it: `s3:ListBucket` (the
   * default, HeadBucket and Swift HEAD) or `s3:GetBucketConfig` (reading ACL, policy, CORS, ...).
   */
  getBucket(caller: Caller, name: string, action?: Action): Promise<Bucket>;
  /** A bucket's CORS rules, for answering preflights, which S3 serves to anyone; undefined when none. */
  bucketCors(name: string): Promise<CorsRule[] | undefined>;
  updateBucket(caller: Caller, name: string, patch: BucketPatch): Promise<Bucket>;
  deleteBucket(caller: Caller, name: string): Promise<void>;

  // objects
  putObject(caller: Caller, bucket: string, key: string, data: Readable, options: PutOptions): Promise<ObjectInfo>;
  getObject(caller: Caller, bucket: string, key: string, options: GetOptions): Promise<ObjectRead>;
  headObject(caller: Caller, bucket: string, key: string, options: ReadOptions & { range?: RangeSpec }): Promise<ObjectRead>;
  deleteObject(caller: Caller, bucket: string, key: string, options: { versionId?: string }): Promise<{ versionId?: string; deleteMarker: boolean }>;
  copyObject(caller: Caller, source: CopySource, bucket: string, key: string, options: CopyOptions): Promise<{ info: ObjectInfo; sourceVersionId?: string }>;
  /** Swift POST: replaces user metadata, standard headers, expiry and DLO manifest (and the content type when given), keeps the data. */
  updateObjectMeta(caller: Caller, bucket: string, key: string, patch: Pick<PutOptions, 'contentType' | 'userMeta' | 'headers' | 'deleteAt' | 'manifest'>): Promise<ObjectInfo>;
  setObjectTags(caller: Caller, bucket: string, key: string, options: { versionId?: string }, tags: Tags | null): Promise<ObjectInfo>;
  listObjects(caller: Caller, bucket: string, options: ListOptions): Promise<ListResult>;
  listObjectVersions(caller: Caller, bucket: string, options: VersionListOptions): Promise<VersionListResult>;

  // multipart
  createUpload(caller: Caller, bucket: string, key: string, options: Omit<PutOptions, keyof DataOptions | 'conditions'> & { checksumAlgorithm?: ChecksumAlgorithm }): Promise<Upload>;
  uploadPart(caller: Caller, bucket: string, key: string, uploadId: string, partNumber: number, data: Readable, options: DataOptions & { sseKey?: CustomerKey }): Promise<Part>;
  uploadPartCopy(caller: Caller, bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource): Promise<Part>;
  listParts(caller: Caller, bucket: string, key: string, uploadId: string, options: { after?: number; limit: number }): Promise<{ upload: Upload; parts: Part[]; truncated: boolean; next?: number }>;
  listUploads(caller: Caller, bucket: string, options: UploadListOptions): Promise<{ uploads: Upload[]; prefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }>;
  completeUpload(caller: Caller, bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string; checksum?: string }[], options: { conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'> }): Promise<ObjectInfo>;
  abortUpload(caller: Caller, bucket: string, key: string, uploadId: string): Promise<void>;
}
