import type { FastifyRequest } from 'fastify';
import type { ObjectInfo, PutOptions } from '../../services/object-storage/types.ts';
import { SwiftError, plainError } from './errors.ts';
import { parseObjectManifest } from './large-objects.ts';
import { checkMetadata, metaHeaders, requestMeta } from './metadata.ts';
import { header, httpDate, isTrue, swiftTimestamp, titleCase, toHeader } from './wire.ts';

/** Swift's `max_file_size` here: the object layer's single-PUT limit. */
export const MAX_FILE_SIZE = 5 * 1024 ** 3;

/** The standard headers Swift stores with an object (its `allowed_headers`) that the backend keeps too. */
const STORED_HEADERS = ['content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'];

/** What a PUT, POST or copy says about the object besides its data. */
export interface ObjectDescription {
  /** As sent; undefined when absent or when `X-Detect-Content-Type` asks for a guess. */
  contentType?: string;
  userMeta: Record<string, string>;
  headers: Record<string, string>;
  deleteAt?: number;
  /** `X-Object-Manifest`, checked as Swift's DLO middleware does. */
  manifest?: string;
}

export function describeRequest(req: FastifyRequest, now: number): ObjectDescription {
  const userMeta = requestMeta(req.headers, 'object');
  checkMetadata(userMeta, 'object');
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = header(req, name);
    if (value !== undefined) headers[name] = value;
  }
  const contentType = isTrue(header(req, 'x-detect-content-type')) ? undefined : header(req, 'content-type');
  const manifest = header(req, 'x-object-manifest');
  if (manifest !== undefined && !parseObjectManifest(manifest)) throw new SwiftError(400, 'X-Object-Manifest must be in the format container/prefix');
  return { contentType, userMeta, headers, deleteAt: deleteAtFrom(req, now), manifest };
}

/** `X-Delete-After` (seconds from now) or `X-Delete-At` (seconds since the epoch), checked as Swift's proxy does. */
function deleteAtFrom(req: FastifyRequest, now: number): number | undefined {
  const after = header(req, 'x-delete-after')?.trim();
  if (after !== undefined) {
    if (!/^[+-]?\d+$/.test(after)) throw plainError(400, 'Non-integer X-Delete-After');
    if (Number(after) < 0) throw plainError(400, 'X-Delete-After in past');
    return Math.floor(now / 1000) + Number(after);
  }
  const at = header(req, 'x-delete-at')?.trim();
  if (at === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(at)) throw plainError(400, 'Non-integer X-Delete-At');
  if (Number(at) * 1000 < now) throw plainError(400, 'X-Delete-At in past');
  return Number(at);
}

/** The declared body length: undefined for a chunked body; 411 with neither, 413 beyond `max`. */
export function bodyLength(req: FastifyRequest, max: number, tooLarge = 'Your request is too large.'): number | undefined {
  const declared = req.headers['content-length'];
  if (declared === undefined) {
    if (!/\bchunked\b/i.test(req.headers['transfer-encoding'] ?? '')) throw new SwiftError(411);
    return undefined;
  }
  const length = Number(declared);
  if (length > max) throw plainError(413, tooLarge);
  return length;
}

/** The request's `ETag` as the Content-MD5 the backend checks; one that cannot be an MD5 never matches (422). */
export function expectedMd5(req: FastifyRequest): string | undefined {
  const etag = header(req, 'etag')?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  if (etag === undefined) return undefined;
  if (!/^[0-9a-f]{32}$/.test(etag)) throw new SwiftError(422);
  return Buffer.from(etag, 'hex').toString('base64');
}

/** A PUT's `If-None-Match`: only `*` (create, never overwrite). */
export function putConditions(req: FastifyRequest): PutOptions['conditions'] {
  const value = header(req, 'if-none-match')?.trim();
  if (value === undefined) return undefined;
  if (value !== '*') throw new SwiftError(400, 'If-None-Match only supports *');
  return { ifNoneMatch: '*' };
}

/** The headers every GET and HEAD of an object sends, whatever its kind. */
export function storedHeaders(info: ObjectInfo): Record<string, string> {
  const headers: Record<string, string> = {
    'Last-Modified': httpDate(info.lastModified),
    'X-Timestamp': swiftTimestamp(info.lastModified),
    'Accept-Ranges': 'bytes',
    ...metaHeaders(info.userMeta, 'object'),
  };
  for (const [name, value] of Object.entries(info.headers)) headers[titleCase(name)] = toHeader(value);
  if (info.deleteAt !== undefined) headers['X-Delete-At'] = String(info.deleteAt);
  if (info.manifest) headers['X-Object-Manifest'] = toHeader(info.manifest);
  if (info.slo) headers['X-Static-Large-Object'] = 'True';
  return headers;
}
