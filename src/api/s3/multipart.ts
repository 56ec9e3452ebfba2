import type { ChecksumAlgorithm, Upload } from '../../services/object-storage/types.ts';
import { owner } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { encoder, isoMillis, maxParam, urlEncode } from './listing.ts';
import {
  CHECKSUM_ALGORITHMS, checksumAlgorithm, copySource, copySourceRange, customerKey, objectSettings, partNumberParam,
  sendXml, SSE_C, sseHeaders, versionHeaders,
} from './object-headers.ts';
import { checkObjectAcl, writeConditions } from './objects.ts';
import { S3Error } from './s3-error.ts';
import { malformedXml, parseXml, toXml } from './xml.ts';

// CreateMultipartUpload, UploadPart(Copy), ListParts, CompleteMultipartUpload, Abort and
// ListMultipartUploads.

function uploadId(call: S3Call): string {
  return call.query.get('uploadId') ?? '';
}

/** `Checksum<ALG>` elements of a part or object, by algorithm. */
function checksumElements(algorithm: ChecksumAlgorithm | undefined, value: string | undefined): Record<string, string> {
  return algorithm && value ? { [`Checksum${algorithm}`]: value } : {};
}

async function createUpload(call: S3Call): Promise<void> {
  await checkObjectAcl(call);
  const algorithm = checksumAlgorithm(call.req.headers);
  const upload = await call.objects.createUpload(call.caller, call.bucket!, call.key!, {
    ...objectSettings(call.req.headers), checksumAlgorithm: algorithm,
  });
  sseHeaders(call.reply, upload.sse);
  if (upload.checksumAlgorithm) call.reply.header('x-amz-checksum-algorithm', upload.checksumAlgorithm);
  sendXml(call.reply, toXml('InitiateMultipartUploadResult', { Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId }));
}

function requiredPartNumber(call: S3Call): number {
  const n = partNumberParam(call.query);
  if (n === undefined) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, { ArgumentName: 'partNumber' });
  }
  return n;
}

async function uploadPart(call: S3Call): Promise<void> {
  const { req, reply } = call;
  const n = requiredPartNumber(call);
  const source = copySource(req.headers);
  if (source) {
    const part = await call.objects.uploadPartCopy(call.caller, call.bucket!, call.key!, uploadId(call), n, {
      ...source, range: copySourceRange(req.headers),
    });
    if (source.versionId !== undefined) reply.header('x-amz-copy-source-version-id', source.versionId);
    sseHeaders(reply, { kind: 'S3' });
    sendXml(reply, toXml('CopyPartResult', { LastModified: isoMillis(part.lastModified), ETag: `"${part.etag}"` }));
    return;
  }
  const sseKey = customerKey(req.headers, SSE_C);
  const options = call.payload;
  const part = await call.objects.uploadPart(call.caller, call.bucket!, call.key!, uploadId(call), n, call.body, { ...options, sseKey });
  reply.header('etag', `"${part.etag}"`);
  sseHeaders(reply, sseKey ? { kind: 'C', keyMd5: sseKey.keyMd5 } : { kind: 'S3' });
  const algorithm = options.checksum?.algorithm;
  if (algorithm && part.checksum) reply.header(`x-amz-checksum-${algorithm.toLowerCase()}`, part.checksum);
  reply.code(200).send();
}

function partNumberMarker(call: S3Call): number {
  const value = call.query.get('part-number-marker');
  if (value === null) return 0;
  if (!/^\d{1,9}$/.test(value)) {
    throw new S3Error('InvalidArgument', 'Provided part-number-marker not an integer or within integer range', 400,
      { ArgumentName: 'part-number-marker', ArgumentValue: value });
  }
  return Number(value);
}

async function listParts(call: S3Call): Promise<void> {
  const after = partNumberMarker(call);
  const maxParts = maxParam(call.query, 'max-parts');
  const { upload, parts, truncated, next } = await call.objects.listParts(call.caller, call.bucket!, call.key!, uploadId(call), { after, limit: maxParts });
  const initiator = owner(call, upload.ownerProjectId);
  sendXml(call.reply, toXml('ListPartsResult', {
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    Initiator: initiator,
    Owner: initiator,
    StorageClass: 'STANDARD',
    PartNumberMarker: after,
    NextPartNumberMarker: next ?? parts.at(-1)?.partNumber ?? after,
    MaxParts: maxParts,
    IsTruncated: truncated,
    ChecksumAlgorithm: upload.checksumAlgorithm,
    Part: parts.map((p) => ({
      PartNumber: p.partNumber, LastModified: isoMillis(p.lastModified), ETag: `"${p.etag}"`, Size: p.size,
      ...checksumElements(upload.checksumAlgorithm, p.checksum),
    })),
  }));
}

interface ChosenPart { partNumber: number; etag: string; checksum?: string }

/**
 * `<CompleteMultipartUpload><Part><PartNumber/><ETag/>[<ChecksumCRC32/>...]</Part>...`, in the
 * client's order: whether it ascends and names uploaded parts is the backend's check.
 */
export function parseCompletion(text: string): ChosenPart[] {
  const doc = parseXml(text).CompleteMultipartUpload as { Part?: Record<string, unknown>[] } | undefined;
  const parts = doc && typeof doc === 'object' ? doc.Part ?? [] : [];
  if (parts.length === 0) throw malformedXml();
  return parts.map((p) => {
    const number = p.PartNumber;
    if (typeof number !== 'string' || !/^\d{1,5}$/.test(number.trim()) || typeof p.ETag !== 'string') throw malformedXml();
    const chosen: ChosenPart = { partNumber: Number(number), etag: p.ETag.replace(/^"|"$/g, '') };
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = p[`Checksum${algorithm}`];
      if (typeof value === 'string') chosen.checksum = value;
    }
    return chosen;
  });
}

/** The object's URL as CompleteMultipartUploadResult's Location names it (path style). */
function location(call: S3Call): string {
  const path = `${urlEncode(call.bucket!)}/${urlEncode(call.key!)}`;
  return `${call.req.protocol}://${call.req.headers.host ?? call.req.hostname}/${path}`;
}

async function completeUpload(call: S3Call): Promise<void> {
  const parts = parseCompletion((await call.readBody()).toString('utf8'));
  const info = await call.objects.completeUpload(call.caller, call.bucket!, call.key!, uploadId(call), parts, { conditions: writeConditions(call) });
  versionHeaders(call.reply, info);
  sendXml(call.reply, toXml('CompleteMultipartUploadResult', {
    Location: location(call),
    Bucket: info.bucket,
    Key: info.key,
    ETag: `"${info.etag}"`,
    ...checksumElements(info.checksum?.algorithm, info.checksum?.value),
    ChecksumType: info.checksum?.type,
  }));
}

async function abortUpload(call: S3Call): Promise<void> {
  await call.objects.abortUpload(call.caller, call.bucket!, call.key!, uploadId(call));
  call.reply.code(204).send();
}

async function listUploads(call: S3Call): Promise<void> {
  const q = call.query;
  const { encode, EncodingType } = encoder(q);
  const maxUploads = maxParam(q, 'max-uploads');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  // S3 ignores an upload-id-marker that comes without a key-marker.
  const uploadIdMarker = keyMarker ? q.get('upload-id-marker') ?? '' : '';
  const result = await call.objects.listUploads(call.caller, call.bucket!, {
    prefix: prefix || undefined, delimiter: delimiter || undefined,
    keyMarker: keyMarker || undefined, uploadIdMarker: uploadIdMarker || undefined, limit: maxUploads,
  });
  const truncated = maxUploads > 0 && result.truncated;
  const upload = (u: Upload) => ({
    Key: encode(u.key), UploadId: u.uploadId, Initiator: owner(call, u.ownerProjectId), Owner: owner(call, u.ownerProjectId),
    StorageClass: 'STANDARD', Initiated: isoMillis(u.initiated), ChecksumAlgorithm: u.checksumAlgorithm,
  });
  sendXml(call.reply, toXml('ListMultipartUploadsResult', {
    Bucket: call.bucket,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: truncated ? encode(result.nextKeyMarker ?? '') : '',
    NextUploadIdMarker: truncated ? result.nextUploadIdMarker ?? '' : '',
    Delimiter: delimiter ? encode(delimiter) : undefined,
    Prefix: encode(prefix),
    EncodingType,
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Upload: result.uploads.map(upload),
    CommonPrefixes: result.prefixes.map((p) => ({ Prefix: encode(p) })),
  }));
}

export const multipartRoutes: S3Routes = {
  'POST object uploads': createUpload,
  'PUT object uploadId': uploadPart,
  'GET object uploadId': listParts,
  'POST object uploadId': completeUpload,
  'DELETE object uploadId': abortUpload,
  'GET bucket uploads': listUploads,
};
