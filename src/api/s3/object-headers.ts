import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type {
  ChecksumAlgorithm, Conditions, CopySource, CustomerKey, ObjectInfo, ObjectRead, PutOptions, RangeSpec, Tags,
} from '../../services/object-storage/types.ts';
import { CHECKSUM_BYTES } from '../../services/object-storage/checksums.ts';
import type { S3Call } from './context.ts';
import { invalidArgument } from './auth/errors.ts';
import { header as requestHeader } from './auth/request.ts';
import { parseHttpDate } from './auth/sigv4.ts';
import { S3Error } from './s3-error.ts';

// What S3 keeps of a PUT's headers and answers on GET/HEAD: request parsing and response headers
// of object operations, shared by PutObject, CopyObject, multipart and GetObject.

const MAX_USER_META_BYTES = 2048;
const MAX_TAGS = 10;
const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'];
/** S3 answers objects stored without a Content-Type with this one. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

export const CHECKSUM_ALGORITHMS = Object.keys(CHECKSUM_BYTES) as ChecksumAlgorithm[];

type Headers = IncomingHttpHeaders;

/** The SSE-C headers of the object a request writes or reads (the copy source has its own). */
export const SSE_C = 'x-amz-server-side-encryption-customer-';

function header(headers: Headers, name: string): string | undefined {
  return requestHeader({ headers }, name);
}

/**
 * Node reads header bytes as latin1; clients send UTF-8 there, and S3 also accepts RFC 2047
 * encoded words (`=?UTF-8?B?...?=`) for non-ASCII metadata, which it stores decoded.
 */
export function decodeHeaderText(value: string): string {
  const words = /^=\?([^?]+)\?([BbQq])\?([^?]*)\?=$/.exec(value.trim());
  if (words && /^utf-?8$/i.test(words[1]!)) {
    const [, , encoding, text] = words;
    if (encoding!.toUpperCase() === 'B') return Buffer.from(text!, 'base64').toString('utf8');
    const bytes = text!.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (!/[^\x00-\x7f]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** User metadata as S3 returns it: RFC 2047 for anything a header cannot carry as ASCII. */
function encodeMetaValue(value: string): string {
  return /[^\x20-\x7e]/.test(value) ? `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=` : value;
}

/** A stored header value back as the UTF-8 bytes it arrived as. */
function wireText(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** `x-amz-meta-*`, names lower-case without the prefix; at most 2 KiB of names and values (UTF-8). */
export function userMetadata(headers: Headers): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const key = name.slice('x-amz-meta-'.length);
    const value = decodeHeaderText(header(headers, name) ?? '');
    meta[key] = value;
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > MAX_USER_META_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400,
      { Size: String(size), MaxSizeAllowed: String(MAX_USER_META_BYTES) });
  }
  return meta;
}

/** Content-Type and the standard headers S3 stores with an object. */
export function contentHeaders(headers: Headers): { contentType: string; headers: Record<string, string> } {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = header(headers, name);
    // aws-chunked is the framing of this request, not an encoding of the object.
    if (name === 'content-encoding' && value !== undefined) {
      value = value.split(',').map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== 'aws-chunked').join(',');
    }
    if (value) stored[name] = decodeHeaderText(value);
  }
  return { contentType: header(headers, 'content-type') || DEFAULT_CONTENT_TYPE, headers: stored };
}

/** Checks a tag set as S3 does for both `x-amz-tagging` and PutObjectTagging. */
export function checkTags(pairs: [string, string][]): Tags {
  if (pairs.length > MAX_TAGS) throw new S3Error('BadRequest', `Object tags cannot be greater than ${MAX_TAGS}`, 400);
  const tags: Tags = {};
  for (const [key, value] of pairs) {
    if (key.length === 0) throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid', 400);
    if ([...key].length > 128) throw new S3Error('InvalidTag', 'The TagKey you have provided is too long, max 128', 400);
    if ([...value].length > 256) throw new S3Error('InvalidTag', 'The TagValue you have provided is too long, max 256', 400);
    if (key.startsWith('aws:')) throw new S3Error('InvalidTag', 'System tags cannot be added/updated by requester', 400);
    if (Object.hasOwn(tags, key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
    tags[key] = value;
  }
  return tags;
}

/** `x-amz-tagging: k1=v1&k2=v2` (form-encoded, as in a query string). */
export function taggingHeader(headers: Headers): Tags | undefined {
  const value = header(headers, 'x-amz-tagging');
  if (value === undefined) return undefined;
  return checkTags([...new URLSearchParams(value)]);
}

/** SSE-S3 (`x-amz-server-side-encryption: AES256`) or SSE-C; data is encrypted at rest either way. */
export function serverSideEncryption(headers: Headers): PutOptions['sse'] {
  const customer = customerKey(headers, SSE_C);
  const sse = header(headers, 'x-amz-server-side-encryption');
  if (sse !== undefined) {
    if (customer) {
      throw invalidArgument('Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
        'x-amz-server-side-encryption', sse);
    }
    if (sse !== 'AES256') throw invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', sse);
    return { kind: 'S3' };
  }
  return customer ? { kind: 'C', ...customer } : undefined;
}

/**
 * An SSE-C key from `<prefix>algorithm`, `<prefix>key` and `<prefix>key-MD5`, checked as S3 does:
 * AES256, a 32-byte key, and the MD5 the client computed over it.
 */
export function customerKey(headers: Headers, prefix: string): CustomerKey | undefined {
  const algorithm = header(headers, `${prefix}algorithm`);
  const key = header(headers, `${prefix}key`);
  const keyMd5 = header(headers, `${prefix}key-md5`);
  if (algorithm === undefined && key === undefined && keyMd5 === undefined) return undefined;
  const argument = prefix.startsWith('x-amz-copy-source') ? 'x-amz-copy-source-server-side-encryption' : 'x-amz-server-side-encryption';
  if (algorithm !== 'AES256') {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.', argument, algorithm ?? 'null');
  }
  if (!key) {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.', argument, 'null');
  }
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== key) {
    throw invalidArgument('The secret key was invalid for the specified algorithm.', argument, 'null');
  }
  if (!keyMd5) {
    throw invalidArgument('Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.', argument, 'null');
  }
  const computed = createHash('md5').update(bytes).digest('base64');
  if (computed !== keyMd5) throw invalidArgument('The calculated MD5 hash of the key did not match the hash that was provided.', argument, 'null');
  return { key: bytes, keyMd5: computed };
}

/**
 * One `bytes=` range. Anything S3 cannot serve as one range (bad syntax, several ranges, first
 * past last) is ignored as AWS does: the whole object is answered.
 */
export function rangeHeader(value: string | undefined): RangeSpec | undefined {
  const m = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m) return undefined;
  const [, first, last] = m;
  if (first === '') return last === '' ? undefined : { suffix: Number(last) };
  const start = Number(first);
  if (last === '') return { start };
  const end = Number(last);
  return end < start ? undefined : { start, end };
}

function httpDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : parseHttpDate(value);
}

/**
 * `If-Match` and friends, or with `x-amz-copy-source-` their copy-source twins. ETag lists are
 * passed as sent (quoted, comma-separated or `*`); unparseable dates are ignored like AWS does.
 */
export function conditions(headers: Headers, prefix = ''): Conditions | undefined {
  const found: Conditions = {
    ifMatch: header(headers, `${prefix}if-match`),
    ifNoneMatch: header(headers, `${prefix}if-none-match`),
    ifModifiedSince: httpDate(header(headers, `${prefix}if-modified-since`)),
    ifUnmodifiedSince: httpDate(header(headers, `${prefix}if-unmodified-since`)),
  };
  const present = Object.entries(found).filter(([, v]) => v !== undefined);
  return present.length ? (Object.fromEntries(present) as Conditions) : undefined;
}

/** `x-amz-checksum-algorithm` (CreateMultipartUpload): the checksum every part must carry. */
export function checksumAlgorithm(headers: Headers): ChecksumAlgorithm | undefined {
  const value = header(headers, 'x-amz-checksum-algorithm');
  if (value === undefined) return undefined;
  const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === value.toUpperCase());
  if (!algorithm) throw invalidArgument('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]', 'x-amz-checksum-algorithm', value);
  return algorithm;
}

/** Everything a PutObject or CreateMultipartUpload stores besides the data. */
export function objectSettings(headers: Headers): Pick<PutOptions, 'contentType' | 'headers' | 'userMeta' | 'tags' | 'sse'> {
  const storageClass = header(headers, 'x-amz-storage-class');
  if (storageClass !== undefined && storageClass !== 'STANDARD') {
    throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: storageClass });
  }
  return { ...contentHeaders(headers), userMeta: userMetadata(headers), tags: taggingHeader(headers), sse: serverSideEncryption(headers) };
}

/** The version and encryption of a stored object, as every answer naming one carries them. */
export function versionHeaders(reply: FastifyReply, info: Pick<ObjectInfo, 'versionId' | 'sse'>): void {
  if (info.versionId !== null) reply.header('x-amz-version-id', info.versionId);
  sseHeaders(reply, info.sse);
}

/** How the data is encrypted at rest: SSE-S3, or SSE-C echoed with the key's MD5. */
export function sseHeaders(reply: FastifyReply, sse: ObjectInfo['sse']): void {
  if (sse.kind === 'S3') {
    reply.header('x-amz-server-side-encryption', 'AES256');
  } else {
    reply.header('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    reply.header('x-amz-server-side-encryption-customer-key-md5', sse.keyMd5);
  }
}

/** `x-amz-checksum-<alg>` (and its type) of a stored checksum. */
export function checksumHeaders(reply: FastifyReply, checksum: ObjectInfo['checksum']): void {
  if (!checksum) return;
  reply.header(`x-amz-checksum-${checksum.algorithm.toLowerCase()}`, checksum.value);
  reply.header('x-amz-checksum-type', checksum.type);
}

const OVERRIDES = ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding'];

/** `response-*` query overrides of GET/HEAD answer headers, as [header, value]. */
export function responseOverrides(call: S3Call): [string, string][] {
  const overrides = OVERRIDES.flatMap((name): [string, string][] => {
    const value = call.query.get(`response-${name}`);
    if (value === null) return [];
    // A header cannot carry control characters; S3 refuses what it cannot echo.
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw invalidArgument('Header value contains invalid characters', `response-${name}`, value);
    return [[name, value]];
  });
  // S3 keeps these for callers it can hold to account (signed or presigned requests).
  if (overrides.length > 0 && call.caller === null) {
    throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.', 400);
  }
  return overrides;
}

/** GET/HEAD answer: status, the stored object's headers, then the `response-*` overrides. */
export function objectReadHeaders(call: S3Call, read: ObjectRead, options: { partNumber?: number; overrides: [string, string][] }): void {
  const { reply } = call;
  const { info, range } = read;
  reply.header('etag', `"${info.etag}"`);
  versionHeaders(reply, info);
  reply.header('last-modified', info.lastModified.toUTCString());
  reply.header('accept-ranges', 'bytes');
  reply.header('content-type', wireText(info.contentType));
  for (const [name, value] of Object.entries(info.headers)) reply.header(name, wireText(value));
  for (const [name, value] of Object.entries(info.userMeta)) reply.header(`x-amz-meta-${name}`, encodeMetaValue(value));
  const tagCount = Object.keys(info.tags).length;
  if (tagCount > 0) reply.header('x-amz-tagging-count', String(tagCount));
  if (options.partNumber !== undefined && info.parts > 0) reply.header('x-amz-mp-parts-count', String(info.parts));
  if (range) {
    reply.code(206);
    reply.header('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
    reply.header('content-length', String(range.end - range.start + 1));
  } else {
    reply.code(200);
    reply.header('content-length', String(info.size));
    // A checksum describes the whole object; S3 sends none for a range or a part.
    if (header(call.req.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && options.partNumber === undefined) {
      checksumHeaders(reply, info.checksum);
    }
  }
  for (const [name, value] of options.overrides) reply.header(name, wireText(value));
}

/** An XML answer (S3 sends `application/xml`). */
export function sendXml(reply: FastifyReply, xml: string, status = 200): void {
  reply.code(status).header('content-type', 'application/xml').send(xml);
}

/** `versionId`: absent, a version, or `null` for the null version; never empty. */
export function versionIdParam(query: URLSearchParams): string | undefined {
  const value = query.get('versionId');
  if (value === null) return undefined;
  if (value === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
  return value;
}

/** `partNumber` of GET/HEAD and UploadPart: an integer from 1 to 10000. */
export function partNumberParam(query: URLSearchParams): number | undefined {
  const value = query.get('partNumber');
  if (value === null) return undefined;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : 0;
  if (n < 1 || n > 10000) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', value);
  return n;
}

/**
 * `x-amz-copy-source: [/]bucket/key[?versionId=id]`, the path URL-encoded (a literal `+` stays
 * a plus), with the copy-source conditions and SSE-C key.
 */
export function copySource(headers: Headers): CopySource | undefined {
  const value = header(headers, 'x-amz-copy-source');
  if (value === undefined) return undefined;
  const q = value.indexOf('?');
  const path = (q < 0 ? value : value.slice(0, q)).replace(/^\//, '');
  const query = new URLSearchParams(q < 0 ? '' : value.slice(q + 1));
  const slash = path.indexOf('/');
  let bucket = '';
  let key = '';
  try {
    bucket = decodeURIComponent(path.slice(0, slash));
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    throw invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', value);
  }
  if (slash <= 0 || key === '') {
    throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value);
  }
  const versionId = query.get('versionId') ?? undefined;
  if (versionId === '') throw invalidArgument('Invalid version id specified', 'x-amz-copy-source', value);
  return {
    bucket, key, versionId,
    conditions: conditions(headers, 'x-amz-copy-source-'),
    sseKey: customerKey(headers, 'x-amz-copy-source-server-side-encryption-customer-'),
  };
}

/** `x-amz-copy-source-range` of UploadPartCopy: strictly `bytes=first-last`. */
export function copySourceRange(headers: Headers): RangeSpec | undefined {
  const value = header(headers, 'x-amz-copy-source-range');
  if (value === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(value);
  if (!m || Number(m[2]) < Number(m[1])) {
    throw invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      'x-amz-copy-source-range', value);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}


/**
 * S3's rule for DeleteObjects: the body must come with Content-MD5 or an `x-amz-checksum-*`
 * (header or trailer); `readBody` has already checked whichever was sent.
 */
export function requireIntegrityHeader(headers: Headers): void {
  const sent = headers['content-md5'] !== undefined || headers['x-amz-trailer'] !== undefined ||
    Object.keys(headers).some((name) => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-algorithm');
  if (!sent) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*', 400);
}
