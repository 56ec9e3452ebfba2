import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { ObjectInfo } from '../../services/object-storage/types.ts';
import { guessContentType, joinContentType, splitContentType } from './content-type.ts';
import { sendStatus, type SwiftCall, type SwiftRoutes } from './context.ts';
import { copyFrom, copyTo } from './copy.ts';
import { SwiftError, defaultBody } from './errors.ts';
import { dloView, openPieces, readManifest, slicePieces, sloView } from './large-objects.ts';
import { bodyLength, describeRequest, expectedMd5, MAX_FILE_SIZE, putConditions, storedHeaders } from './object-headers.ts';
import { parseRangeSet, resolveRange, type ByteRange } from './ranges.ts';
import { deleteSlo, putSlo, rawManifest } from './slo.ts';
import { tempUrlHeaders } from './temp-url.ts';
import { header, httpDate, toHeader } from './wire.ts';

/** One representation to send: its headers, what conditions compare with, and its bytes. */
interface Content {
  headers: Record<string, string>;
  /** Unquoted, as If-Match and If-None-Match compare. */
  etag: string;
  lastModified: Date;
  size: number;
  open(range?: ByteRange): Promise<Readable>;
}

function etagListed(list: string, etag: string): boolean {
  return list.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).some((t) => t === '*' || t === etag);
}

/** swob's conditional response: If-Match, If-None-Match, then the dates (each date only without its ETag twin). */
function conditionalStatus(req: FastifyRequest, etag: string, lastModified: Date): 304 | 412 | undefined {
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch !== undefined && !etagListed(ifMatch, etag)) return 412;
  if (ifNoneMatch !== undefined && etagListed(ifNoneMatch, etag)) return 304;
  // Last-Modified is sent rounded up to the second; compare what the client saw.
  const modified = Math.ceil(lastModified.getTime() / 1000) * 1000;
  const since = Date.parse(header(req, 'if-modified-since') ?? '');
  if (ifNoneMatch === undefined && !Number.isNaN(since) && modified <= since) return 304;
  const unmodifiedSince = Date.parse(header(req, 'if-unmodified-since') ?? '');
  if (ifMatch === undefined && !Number.isNaN(unmodifiedSince) && modified > unmodifiedSince) return 412;
  return undefined;
}

/**
 * GET or HEAD of one representation: conditions first, then a single byte range (a set of
 * several is served whole, as RFC 7233 allows), and for a temp URL its download headers.
 */
async function send(call: SwiftCall, c: Content): Promise<void> {
  const { req, reply } = call;
  const verdict = conditionalStatus(req, c.etag, c.lastModified);
  if (verdict) {
    reply.code(verdict).headers(c.headers).send();
    return;
  }
  let range: ByteRange | undefined;
  const specs = req.method === 'GET' ? parseRangeSet(header(req, 'range') ?? '') : undefined;
  if (specs?.length === 1) {
    range = resolveRange(specs[0]!, c.size);
    if (!range) throw new SwiftError(416, defaultBody(416), { 'Content-Range': `bytes */${c.size}` });
  }
  // Opened before any header is set, so a failure here is a clean error response.
  const body = req.method === 'HEAD' ? undefined : await c.open(range);
  let headers: Record<string, string> = { ...c.headers, 'Content-Length': String(range ? range.end - range.start + 1 : c.size) };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${c.size}`;
  if (call.tempUrl) headers = tempUrlHeaders(call.tempUrl, call.path.object!, headers);
  reply.code(range ? 206 : 200).headers(headers).send(body);
}

function buffered(data: Buffer): (range?: ByteRange) => Promise<Readable> {
  return async (range) => Readable.from([range ? data.subarray(range.start, range.end + 1) : data]);
}

/**
 * What a GET or HEAD of the object serves: a plain object; a large object (SLO or DLO) as the
 * concatenation of its segments; with `multipart-manifest=get` the manifest itself (for an SLO
 * as stored, or with `format=raw` as a PUT takes it).
 */
async function content(call: SwiftCall, info: ObjectInfo): Promise<Content> {
  const { objects, caller, query, req } = call;
  const manifestGet = query.get('multipart-manifest') === 'get';
  const base = { ...storedHeaders(info), 'Content-Type': toHeader(splitContentType(info.contentType).contentType) };
  const plain: Content = {
    headers: { ...base, ETag: info.etag }, etag: info.etag, lastModified: info.lastModified, size: info.size,
    open: async (range) => (await objects.getObject(caller, info.bucket, info.key, { range })).body!,
  };
  if (info.slo && manifestGet) {
    if (query.get('format') !== 'raw') return { ...plain, headers: { ...plain.headers, 'Content-Type': 'application/json; charset=utf-8' } };
    const raw = Buffer.from(rawManifest(await readManifest(objects, caller, info.bucket, info.key)));
    const etag = createHash('md5').update(raw).digest('hex');
    return { headers: { ...base, ETag: etag }, etag, lastModified: info.lastModified, size: raw.length, open: buffered(raw) };
  }
  if (manifestGet || !(info.slo || info.manifest)) return plain;
  const view = info.slo ? await sloView(objects, caller, info, req.method === 'GET') : await dloView(objects, caller, info.manifest!);
  const headers: Record<string, string> = { ...base, ETag: `"${view.etag}"` };
  if (info.slo) headers['X-Manifest-Etag'] = info.etag;
  return {
    headers, etag: view.etag, lastModified: info.lastModified, size: view.size,
    open: (range) => openPieces(objects, caller, range ? slicePieces(view.pieces!, range) : view.pieces!),
  };
}

async function read(call: SwiftCall): Promise<void> {
  const { info } = await call.objects.headObject(call.caller, call.path.container!, call.path.object!, {});
  await send(call, await content(call, info));
}

/** The object as it stands, for a write that depends on it; undefined when the caller may write but not read it. */
async function current(call: SwiftCall): Promise<ObjectInfo | undefined> {
  try {
    return (await call.objects.headObject(call.caller, call.path.container!, call.path.object!, {})).info;
  } catch (err) {
    if (err instanceof ObjectError && err.kind === 'AccessDenied') return undefined;
    throw err;
  }
}

async function put(call: SwiftCall): Promise<void> {
  const { objects, caller, path, req, reply, query } = call;
  if (query.get('multipart-manifest') === 'put') return putSlo(call);
  if (req.headers['x-copy-from'] !== undefined) return copyFrom(call);
  const size = bodyLength(req, MAX_FILE_SIZE);
  if (req.headers['x-static-large-object'] !== undefined) {
    throw new SwiftError(400, 'X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.');
  }
  const d = describeRequest(req, Date.now());
  const info = await objects.putObject(caller, path.container!, path.object!, req.raw, {
    size,
    contentMd5: expectedMd5(req),
    contentType: d.contentType ?? guessContentType(path.object!),
    userMeta: d.userMeta,
    headers: d.headers,
    deleteAt: d.deleteAt,
    manifest: d.manifest,
    conditions: putConditions(req),
  });
  sendStatus(reply, 201, { ETag: info.etag, 'Last-Modified': httpDate(info.lastModified) });
}

/**
 * Replaces the metadata, expiry and DLO manifest (and the content type when given), as Swift's
 * `.meta` file does; an SLO manifest keeps its hidden parameters.
 */
async function post(call: SwiftCall): Promise<void> {
  const d = describeRequest(call.req, Date.now());
  const was = await current(call);
  const contentType = d.contentType !== undefined && was?.slo ? joinContentType({ ...splitContentType(was.contentType), contentType: d.contentType }) : d.contentType;
  await call.objects.updateObjectMeta(call.caller, call.path.container!, call.path.object!, {
    contentType, userMeta: d.userMeta, headers: d.headers, deleteAt: d.deleteAt, manifest: d.manifest,
  });
  sendStatus(call.reply, 202);
}

async function remove(call: SwiftCall): Promise<void> {
  if (call.query.get('multipart-manifest') === 'delete') return deleteSlo(call);
  // The backend's delete is idempotent, as S3's; Swift answers 404 for what is not there.
  await current(call);
  await call.objects.deleteObject(call.caller, call.path.container!, call.path.object!, {});
  sendStatus(call.reply, 204);
}

export const objectRoutes: SwiftRoutes = {
  'GET object': read,
  'HEAD object': read,
  'PUT object': put,
  'POST object': post,
  'DELETE object': remove,
  'COPY object': copyTo,
};
