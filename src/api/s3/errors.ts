import type { FastifyError } from 'fastify';
import { ObjectError, type ObjectErrorKind } from '../../services/object-storage/errors.ts';
import { S3Error } from './s3-error.ts';
import { toXml } from './xml.ts';

/** Where the failed request pointed, for the `BucketName` / `Key` elements AWS adds. */
export interface ErrorTarget {
  bucket?: string;
  key?: string;
  method?: string;
}

// AWS's own wording, so clients and scripts matching on messages behave as against S3.
const WIRE: Record<Exclude<ObjectErrorKind, 'NoSuchConfiguration'>, { code: string; message?: string }> = {
  NoSuchBucket: { code: 'NoSuchBucket', message: 'The specified bucket does not exist' },
  NoSuchKey: { code: 'NoSuchKey', message: 'The specified key does not exist.' },
  NoSuchVersion: { code: 'NoSuchVersion', message: 'The specified version does not exist.' },
  NoSuchUpload: {
    code: 'NoSuchUpload',
    message: 'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  },
  BucketAlreadyExists: {
    code: 'BucketAlreadyExists',
    message: 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  },
  BucketAlreadyOwnedByYou: { code: 'BucketAlreadyOwnedByYou', message: 'Your previous request to create the named bucket succeeded and you already own it.' },
  BucketNotEmpty: { code: 'BucketNotEmpty', message: 'The bucket you tried to delete is not empty' },
  InvalidBucketName: { code: 'InvalidBucketName', message: 'The specified bucket is not valid.' },
  KeyTooLong: { code: 'KeyTooLongError', message: 'Your key is too long' },
  // S3 has no code for a key the store cannot hold (MinIO answers XMinioInvalidObjectName).
  InvalidObjectName: { code: 'InvalidArgument' },
  PreconditionFailed: { code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' },
  NotModified: { code: 'NotModified', message: 'Not Modified' },
  InvalidRange: { code: 'InvalidRange', message: 'The requested range is not satisfiable' },
  InvalidPart: {
    code: 'InvalidPart',
    message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  },
  InvalidPartOrder: {
    code: 'InvalidPartOrder',
    message: 'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
  },
  EntityTooSmall: { code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed object size.' },
  EntityTooLarge: { code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed object size.' },
  IncompleteBody: { code: 'IncompleteBody', message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.' },
  // The backend names the digest that failed (Content-MD5, a CRC32 checksum, ...).
  BadDigest: { code: 'BadDigest' },
  // Ceph RGW's code for bucket and user quotas.
  QuotaExceeded: { code: 'QuotaExceeded' },
  AccessDenied: { code: 'AccessDenied', message: 'Access Denied' },
  InvalidArgument: { code: 'InvalidArgument' },
  InvalidRequest: { code: 'InvalidRequest' },
  MethodNotAllowed: { code: 'MethodNotAllowed', message: 'The specified method is not allowed against this resource.' },
  InvalidObjectState: { code: 'InvalidObjectState', message: 'The operation is not valid for the current state of the object.' },
  // The object layer validates policies and words the problem.
  MalformedPolicy: { code: 'MalformedPolicy' },
};

/** The missing-configuration codes, by `ObjectErrorDetail.configuration`. */
const MISSING_CONFIGURATION: Record<string, { code: string; message: string }> = {
  cors: { code: 'NoSuchCORSConfiguration', message: 'The CORS configuration does not exist' },
  policy: { code: 'NoSuchBucketPolicy', message: 'The bucket policy does not exist' },
  tagging: { code: 'NoSuchTagSet', message: 'The TagSet does not exist' },
  lifecycle: { code: 'NoSuchLifecycleConfiguration', message: 'The lifecycle configuration does not exist' },
  encryption: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' },
  website: { code: 'NoSuchWebsiteConfiguration', message: 'The specified bucket does not have a website configuration' },
  replication: { code: 'ReplicationConfigurationNotFoundError', message: 'The replication configuration was not found' },
  'object-lock': { code: 'ObjectLockConfigurationNotFoundError', message: 'Object Lock configuration does not exist for this bucket' },
  ownershipControls: { code: 'OwnershipControlsNotFoundError', message: 'The bucket ownership controls were not found' },
  publicAccessBlock: { code: 'NoSuchPublicAccessBlockConfiguration', message: 'The public access block configuration was not found' },
};

const NAMES_BUCKET = new Set(['NoSuchBucket', 'BucketAlreadyExists', 'BucketAlreadyOwnedByYou', 'BucketNotEmpty', 'InvalidBucketName', ...Object.values(MISSING_CONFIGURATION).map((c) => c.code)]);
const NAMES_KEY = new Set(['NoSuchKey', 'NoSuchVersion', 'KeyTooLongError']);

export function internalError(): S3Error {
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
}

/** The S3 error for an object layer error, with the elements AWS adds for its code. */
function fromObjectError(err: ObjectError, target: ErrorTarget = {}): S3Error {
  const d = err.detail;
  const wire = err.kind === 'NoSuchConfiguration'
    ? MISSING_CONFIGURATION[d.configuration ?? ''] ?? { code: 'NoSuchConfiguration', message: err.message }
    : WIRE[err.kind];
  const extra: Record<string, string> = {};
  const bucket = d.bucket ?? target.bucket;
  const key = d.key ?? target.key;
  if (NAMES_BUCKET.has(wire.code) && bucket !== undefined) extra.BucketName = bucket;
  if (NAMES_KEY.has(wire.code) && key !== undefined) extra.Key = key;
  if (err.kind === 'NoSuchVersion' && d.versionId !== undefined) extra.VersionId = d.versionId;
  if (err.kind === 'NoSuchUpload' && d.uploadId !== undefined) extra.UploadId = d.uploadId;
  if (err.kind === 'InvalidArgument' && d.argument !== undefined) extra.ArgumentName = d.argument;
  if (err.kind === 'InvalidRange' && d.size !== undefined) extra.ActualObjectSize = String(d.size);
  if (err.kind === 'MethodNotAllowed' && target.method) {
    extra.Method = target.method;
    extra.ResourceType = d.deleteMarker ? 'DeleteMarker' : key !== undefined ? 'OBJECT' : 'BUCKET';
  }
  return new S3Error(wire.code, wire.message ?? err.message, err.status, extra);
}

/** Fastify's own client errors in S3's words; undefined for anything that is not a client mistake. */
function fromFastifyError(err: FastifyError): S3Error | undefined {
  if (err.code === 'FST_ERR_BAD_URL') return invalidUri();
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new S3Error('InvalidRequest', err.message, 400);
  }
  return undefined;
}

export function invalidUri(): S3Error {
  return new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
}

/** Anything thrown while serving an S3 request, as the S3 error to send; undefined for internal failures. */
export function toS3Error(err: unknown, target: ErrorTarget = {}): S3Error | undefined {
  if (err instanceof S3Error) return err;
  if (err instanceof ObjectError) return fromObjectError(err, target);
  if (err && typeof err === 'object' && 'code' in err && typeof (err as FastifyError).code === 'string') {
    return fromFastifyError(err as FastifyError);
  }
  return undefined;
}

/** `<Error>` as AWS renders it: Code, Message, the code's own elements, RequestId, HostId (no namespace). */
export function errorXml(err: S3Error, requestId: string, hostId: string): string {
  return toXml('Error', { Code: err.code, Message: err.message, ...err.extra, RequestId: requestId, HostId: hostId }, null);
}
