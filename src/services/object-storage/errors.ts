import { SovError } from '../../platform/errors.ts';

/**
 * What the object layer reports, free of wire formats (MinIO's `object-api-errors.go`): the S3
 * plugin maps each kind to an S3 error code, the Swift plugin to a status. Storage failures
 * (ENOENT, ENOSPC, a checksum mismatch on read) become these once, in the backend.
 */
export type ObjectErrorKind =
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchVersion'
  | 'NoSuchUpload'
  | 'NoSuchConfiguration'
  | 'BucketAlreadyExists'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'InvalidBucketName'
  | 'KeyTooLong'
  | 'InvalidObjectName'
  | 'PreconditionFailed'
  | 'NotModified'
  | 'InvalidRange'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'EntityTooLarge'
  | 'IncompleteBody'
  | 'BadDigest'
  | 'QuotaExceeded'
  | 'AccessDenied'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'MethodNotAllowed'
  | 'InvalidObjectState'
  | 'MalformedPolicy';

const STATUS: Record<ObjectErrorKind, number> = {
  NoSuchBucket: 404, NoSuchKey: 404, NoSuchVersion: 404, NoSuchUpload: 404, NoSuchConfiguration: 404,
  BucketAlreadyExists: 409, BucketAlreadyOwnedByYou: 409, BucketNotEmpty: 409,
  InvalidBucketName: 400, KeyTooLong: 400, InvalidObjectName: 400,
  PreconditionFailed: 412, NotModified: 304, InvalidRange: 416,
  InvalidPart: 400, InvalidPartOrder: 400, EntityTooSmall: 400, EntityTooLarge: 400, IncompleteBody: 400, BadDigest: 400,
  QuotaExceeded: 403, AccessDenied: 403, InvalidArgument: 400, InvalidRequest: 400, MethodNotAllowed: 405,
  InvalidObjectState: 403, MalformedPolicy: 400,
};

export class ObjectError extends SovError {
  override readonly status: number;
  override readonly title: string;

  /**
   * `detail` carries what a front end may echo (the bucket, key, the configuration kind that is
   * missing, the object size for a 416, whether a 404/405 hit a delete marker and its version).
   */
  constructor(readonly kind: ObjectErrorKind, message: string, readonly detail: ObjectErrorDetail = {}) {
    super(message);
    this.status = STATUS[kind];
    this.title = kind;
  }
}

export interface ObjectErrorDetail {
  bucket?: string;
  key?: string;
  versionId?: string;
  uploadId?: string;
  /** For NoSuchConfiguration: 'cors' | 'policy' | 'tagging' | 'lifecycle' | 'encryption' | 'website'. */
  configuration?: string;
  /** For InvalidRange: the object's size. */
  size?: number;
  /** A GET/HEAD that found a delete marker (S3 answers `x-amz-delete-marker: true`). */
  deleteMarker?: boolean;
  /** For a quota: which one ('bytes' | 'objects'). */
  quota?: string;
  /** The argument named by InvalidArgument (S3 `ArgumentName`). */
  argument?: string;
  /** For NotModified: what a 304 still tells (RFC 9110 15.4.5). */
  etag?: string;
  lastModified?: Date;
}
