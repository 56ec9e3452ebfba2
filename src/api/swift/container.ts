import { projectId as projectOf } from '../../platform/auth.ts';
import { isoNaive } from '../../platform/time.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { Bucket, BucketPatch, Caller, ListOptions, ObjectBackend, ObjectInfo, Quota } from '../../services/object-storage/types.ts';
import { splitContentType } from './content-type.ts';
import { sendStatus, type SwiftCall, type SwiftRoutes } from './context.ts';
import { SwiftError } from './errors.ts';
import {
  compareNames, LISTING_LIMIT, listingFormat, listingParams, renderListing, type ListingParams, type ObjectRecord, type Subdir,
} from './listing.ts';
import { checkMetadata, metaHeaders, requestMeta, takeSetting } from './metadata.ts';
import { header, httpDate, swiftTimestamp, toHeader } from './wire.ts';

const MAX_CONTAINER_NAME_LENGTH = 256;

/** The container of the path, which must belong to the path's account (names are global, shared with S3). */
async function containerOf({ objects, caller, projectId, path }: SwiftCall): Promise<Bucket> {
  const bucket = await objects.getBucket(caller, path.container!);
  if (bucket.projectId !== projectId) throw new SwiftError(404);
  return bucket;
}

function containerHeaders(b: Bucket, caller: Caller): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Container-Object-Count': String(b.objectCount),
    'X-Container-Bytes-Used': String(b.bytesUsed),
    'X-Timestamp': swiftTimestamp(b.createdAt),
    'X-PUT-Timestamp': swiftTimestamp(b.createdAt),
    'Last-Modified': httpDate(b.createdAt),
    'X-Storage-Policy': 'Policy-0',
    ...metaHeaders(b.meta, 'container'),
  };
  // container_quotas keeps its settings as container metadata, so Swift shows them as such.
  if (b.quota.bytes !== undefined) headers['X-Container-Meta-Quota-Bytes'] = String(b.quota.bytes);
  if (b.quota.objects !== undefined) headers['X-Container-Meta-Quota-Count'] = String(b.quota.objects);
  // Swift shows the ACLs only to the account's owners.
  if (caller && projectOf(caller) === b.projectId) {
    if (b.swiftRead) headers['X-Container-Read'] = toHeader(b.swiftRead);
    if (b.swiftWrite) headers['X-Container-Write'] = toHeader(b.swiftWrite);
  }
  return headers;
}

/** The settings a PUT or POST carries: metadata, ACLs and quotas (undefined where untouched). */
function requestSettings(call: SwiftCall): { meta: Record<string, string>; swiftRead?: string; swiftWrite?: string; quotaBytes?: string; quotaCount?: string } {
  const meta = requestMeta(call.req.headers, 'container');
  const quotaBytes = takeSetting(meta, 'quota-bytes');
  const quotaCount = takeSetting(meta, 'quota-count');
  checkMetadata(meta, 'container');
  if (quotaBytes && !/^\d+$/.test(quotaBytes)) throw new SwiftError(400, 'Invalid bytes quota.');
  if (quotaCount && !/^\d+$/.test(quotaCount)) throw new SwiftError(400, 'Invalid count quota.');
  const acl = (name: 'read' | 'write') => (call.req.headers[`x-remove-container-${name}`] !== undefined ? '' : header(call.req, `x-container-${name}`)?.trim());
  return { meta, swiftRead: acl('read'), swiftWrite: acl('write'), quotaBytes, quotaCount };
}

/** The quota after applying the headers to `current`; undefined when the request sets none. */
function nextQuota(current: Quota, bytes: string | undefined, count: string | undefined): Quota | undefined {
  if (bytes === undefined && count === undefined) return undefined;
  const value = (v: string | undefined, was: number | undefined) => (v === undefined ? was : v === '' ? undefined : Number(v));
  return { bytes: value(bytes, current.bytes), objects: value(count, current.objects) };
}

async function create(call: SwiftCall): Promise<void> {
  const { objects, caller, projectId, path, reply } = call;
  const name = path.container!;
  const length = Buffer.byteLength(name);
  if (length > MAX_CONTAINER_NAME_LENGTH) throw new SwiftError(400, `Container name length of ${length} longer than ${MAX_CONTAINER_NAME_LENGTH}`);
  const s = requestSettings(call);
  // Containers are created in the caller's own project: nobody creates them in another account.
  if (!caller || projectOf(caller) !== projectId) throw new ObjectError('AccessDenied', 'Access Denied');
  let status = 201;
  try {
    await objects.createBucket(caller, name, { meta: s.meta, swiftRead: s.swiftRead || undefined, swiftWrite: s.swiftWrite || undefined, naming: 'swift' });
  } catch (err) {
    if (!(err instanceof ObjectError && err.kind === 'BucketAlreadyOwnedByYou')) throw err;
    status = 202;
  }
  // Creating takes no quota, and an existing container takes the rest as a POST would.
  const patch: BucketPatch = status === 202 ? { meta: s.meta, swiftRead: s.swiftRead, swiftWrite: s.swiftWrite } : {};
  if (s.quotaBytes !== undefined || s.quotaCount !== undefined) {
    const current = status === 202 ? (await objects.getBucket(caller, name)).quota : {};
    patch.quota = nextQuota(current, s.quotaBytes, s.quotaCount);
  }
  if (Object.values(patch).some((v) => v !== undefined)) await objects.updateBucket(caller, name, patch);
  sendStatus(reply, status);
}

async function update(call: SwiftCall): Promise<void> {
  const bucket = await containerOf(call);
  const s = requestSettings(call);
  await call.objects.updateBucket(call.caller, bucket.name, {
    meta: s.meta, swiftRead: s.swiftRead, swiftWrite: s.swiftWrite, quota: nextQuota(bucket.quota, s.quotaBytes, s.quotaCount),
  });
  sendStatus(call.reply, 204);
}

async function head(call: SwiftCall): Promise<void> {
  const bucket = await containerOf(call);
  sendStatus(call.reply, 204, { ...containerHeaders(bucket, call.caller), 'Content-Type': 'text/plain; charset=utf-8' });
}

async function list(call: SwiftCall): Promise<void> {
  const { objects, caller, query, req, reply } = call;
  const format = listingFormat(query.get('format'), header(req, 'accept'));
  const params = listingParams(query);
  const bucket = await containerOf(call);
  const entries = await listContainer(objects, caller, bucket.name, params);
  const body = renderListing(format, 'container', bucket.name, entries);
  reply.code(body ? 200 : 204).headers(containerHeaders(bucket, caller)).type(`${format}; charset=utf-8`).send(body || undefined);
}

async function remove(call: SwiftCall): Promise<void> {
  const bucket = await containerOf(call);
  await call.objects.deleteBucket(call.caller, bucket.name);
  sendStatus(call.reply, 204);
}

function objectRecord(info: ObjectInfo): ObjectRecord {
  const t = splitContentType(info.contentType);
  const record: ObjectRecord = {
    name: info.key,
    hash: info.etag,
    bytes: info.slo && t.swiftBytes !== undefined ? t.swiftBytes : info.size,
    content_type: t.contentType,
    last_modified: isoNaive(info.lastModified),
  };
  if (info.slo && t.sloEtag) record.slo_etag = `"${t.sloEtag}"`;
  return record;
}

type Entry = ObjectRecord | Subdir;

/** Every entry from `after` on, page by page, objects and rolled-up prefixes in name order. */
async function* scan(objects: ObjectBackend, caller: Caller, bucket: string, o: Omit<ListOptions, 'limit'>, pageSize: number): AsyncGenerator<Entry> {
  let after = o.after;
  for (;;) {
    const page = await objects.listObjects(caller, bucket, { ...o, after, limit: pageSize });
    const entries: Entry[] = [...page.objects.map(objectRecord), ...page.prefixes.map((subdir) => ({ subdir }))];
    entries.sort((a, b) => compareNames('subdir' in a ? a.subdir : a.name, 'subdir' in b ? b.subdir : b.name));
    yield* entries;
    if (!page.truncated || page.next === undefined) return;
    after = page.next;
  }
}

/**
 * A container listing page. The backend lists forward only: a reverse page is the last `limit`
 * entries between `end_marker` and `marker`, turned around. `path` keeps the objects directly in
 * that pseudo-directory, directory markers (`dir/sub/`) included, the directory itself not.
 */
async function listContainer(objects: ObjectBackend, caller: Caller, bucket: string, p: ListingParams): Promise<Entry[]> {
  if (p.limit === 0) return [];
  const dir = p.path === undefined ? undefined : p.path ? `${p.path.replace(/\/+$/, '')}/` : '';
  const options: Omit<ListOptions, 'limit'> = dir === undefined
    ? { prefix: p.prefix, delimiter: p.delimiter, after: p.reverse ? p.endMarker : p.marker, before: p.reverse ? p.marker : p.endMarker }
    : { prefix: dir || undefined, after: p.reverse ? p.endMarker : p.marker, before: p.reverse ? p.marker : p.endMarker };
  const inPath = (e: Entry) => {
    if (dir === undefined) return true;
    if ('subdir' in e || e.name === dir) return false;
    const slash = e.name.indexOf('/', dir.length);
    return slash < 0 || slash === e.name.length - 1;
  };
  let out: Entry[] = [];
  const pageSize = p.reverse || dir !== undefined ? LISTING_LIMIT : p.limit;
  for await (const e of scan(objects, caller, bucket, options, pageSize)) {
    if (!inPath(e)) continue;
    out.push(e);
    if (!p.reverse && out.length === p.limit) break;
    if (out.length >= 2 * p.limit) out = out.slice(-p.limit);
  }
  return p.reverse ? out.slice(-p.limit).reverse() : out;
}

export const containerRoutes: SwiftRoutes = {
  'PUT container': create,
  'POST container': update,
  'HEAD container': head,
  'GET container': list,
  'DELETE container': remove,
};
