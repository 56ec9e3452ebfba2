import { Readable } from 'node:stream';
import { isoNaive } from '../../platform/time.ts';
import type { Caller, ObjectBackend } from '../../services/object-storage/types.ts';
import { guessContentType, joinContentType } from './content-type.ts';
import { sendStatus, type SwiftCall } from './context.ts';
import { SwiftError, plainError, reasonText, statusLine, toSwiftError } from './errors.ts';
import { MAX_MANIFEST_SIZE, readAll, readManifest, segmentPath, sloEtag, sloView, type StoredSegment } from './large-objects.ts';
import { listingFormat, type ListingFormat } from './listing.ts';
import { bodyLength, describeRequest, expectedMd5, putConditions } from './object-headers.ts';
import { parseRangeSet, resolveRange, type RangeSpec } from './ranges.ts';
import { header, httpDate, isTrue, quote } from './wire.ts';

/** Swift's `max_manifest_segments`. */
export const MAX_MANIFEST_SEGMENTS = 1000;

/** A segment as a manifest PUT describes it (after validation: `size_bytes` a number, `range` one spec). */
export type InputSegment =
  | { path: string; etag?: string | null; size_bytes?: number | null; range?: RangeSpec }
  | { data: string };

const KEYS: Record<'data' | 'path', string[]> = { data: ['data'], path: ['path', 'range', 'etag', 'size_bytes'] };

function strictBase64(value: string): Buffer | undefined {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : undefined;
}

/**
 * Swift's `parse_and_validate_input`: a JSON list of `{path, etag?, size_bytes?, range?}` or
 * `{data}` segments. Every problem found is one line of the 400's plain-text body.
 */
export function parseManifestInput(body: string, ownPath: string): InputSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SwiftError(400, 'Manifest must be valid JSON.\n');
  }
  if (!Array.isArray(parsed)) throw new SwiftError(400, 'Manifest must be a list.\n');
  const errors: string[] = [];
  const segments: InputSegment[] = [];
  parsed.forEach((raw: unknown, i) => {
    const problem = (text: string) => errors.push(`Index ${i}: ${text}`);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return problem('not a JSON object');
    const seg = raw as Record<string, unknown>;
    const kind = (['data', 'path'] as const).find((k) => k in seg);
    if (!kind) return problem(`expected keys to include one of 'data' or 'path'`);
    const extraneous = Object.keys(seg).filter((k) => !KEYS[kind].includes(k)).sort();
    if (extraneous.length) return problem(`extraneous keys ${extraneous.map((k) => JSON.stringify(k)).join(', ')}`);
    if (kind === 'data') {
      const data = typeof seg.data === 'string' ? strictBase64(seg.data) : undefined;
      if (!data) return problem('data must be valid base64');
      if (data.length < 1) return problem('too small; each segment must be at least 1 byte.');
      segments.push({ data: data.toString('base64') });
      return;
    }
    if (typeof seg.path !== 'string') return problem('"path" must be a string');
    if (!(seg.etag === undefined || seg.etag === null || typeof seg.etag === 'string')) return problem('"etag" must be a string or null (if provided)');
    if (!seg.path.replace(/^\/+|\/+$/g, '').includes('/')) return problem('path does not refer to an object. Path must be of the form /container/object.');
    let size: number | null | undefined;
    if (seg.size_bytes !== undefined && seg.size_bytes !== null) {
      const s = seg.size_bytes;
      size = typeof s === 'number' && Number.isInteger(s) ? s : typeof s === 'string' && /^\s*[+-]?\d+\s*$/.test(s) ? Number(s) : NaN;
      if (Number.isNaN(size)) return problem('invalid size_bytes');
      if (size < 1 && i !== parsed.length - 1) return problem('too small; each segment must be at least 1 byte.');
    }
    if (`/${seg.path.replace(/^\/+/, '')}` === ownPath) return problem('manifest must not include itself as a segment');
    let range: RangeSpec | undefined;
    if (seg.range) {
      const specs = typeof seg.range === 'string' ? parseRangeSet(`bytes=${seg.range}`) : undefined;
      if (!specs) return problem('invalid range');
      if (specs.length > 1) return problem('multiple ranges (only one allowed)');
      range = specs[0]!;
      if (typeof size === 'number' && !resolveRange(range, size)) return problem('unsatisfiable range');
    }
    segments.push({ path: seg.path, etag: seg.etag as string | null | undefined, size_bytes: size, range });
  });
  if (segments.length && segments.every((s) => 'data' in s)) errors.push('Inline data segments require at least one object-backed segment.');
  if (errors.length) throw plainError(400, errors.map((e) => `${e}\n`).join(''));
  return segments;
}

/** The format of a bulk-style answer (SLO PUT errors, SLO DELETE): plain unless the Accept header asks otherwise. */
function bulkFormat(accept: string | undefined): ListingFormat {
  try {
    return listingFormat(null, accept);
  } catch {
    return 'text/plain';
  }
}

/** Swift's bulk middleware body (`get_response_body`) in the negotiated format. */
export function bulkBody(format: ListingFormat, fields: Record<string, string | number>, errors: [string, string][], root: 'upload' | 'delete'): string {
  const keys = Object.keys(fields).sort();
  if (format === 'application/json') return JSON.stringify({ ...fields, Errors: errors });
  const xml = (s: string | number) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (format.endsWith('/xml')) {
    const tag = (k: string) => k.replace(/ /g, '_').toLowerCase();
    return `<${root}>\n${keys.map((k) => `<${tag(k)}>${xml(fields[k]!)}</${tag(k)}>\n`).join('')}<errors>\n`
      + `${errors.map(([name, status]) => `<object><name>${xml(name)}</name><status>${xml(status)}</status></object>\n`).join('')}</errors>\n</${root}>\n`;
  }
  return `${keys.map((k) => `${k}: ${fields[k]}\n`).join('')}Errors:\n${errors.map(([name, status]) => `${name}, ${status}\n`).join('')}`;
}

/** A segment object as the manifest PUT finds it; an SLO segment counts as its large object. */
type Found = { size: number; etag: string; contentType: string; lastModified: Date; sub: boolean } | { status: string };

async function findSegment(objects: ObjectBackend, caller: Caller, path: string): Promise<Found> {
  const { bucket, key } = segmentPath(path);
  try {
    const { info } = await objects.headObject(caller, bucket, key, {});
    const view = info.slo ? await sloView(objects, caller, info, false) : { size: info.size, etag: info.etag };
    return { size: view.size, etag: view.etag, contentType: info.contentType.split(';')[0]!, lastModified: info.lastModified, sub: Boolean(info.slo) };
  } catch (err) {
    return { status: statusLine(toSwiftError(err, caller === null).status) };
  }
}

/**
 * Swift's `validate_seg_dict` over the whole manifest: what to store for each segment (its
 * range normalized, dropped when it is the whole object), the large object's size, and every
 * problem, named by the quoted segment path.
 */
function checkSegments(input: InputSegment[], found: Map<string, Found>): { stored: StoredSegment[]; total: number; problems: [string, string][] } {
  const problems: [string, string][] = [];
  const stored: StoredSegment[] = [];
  let total = 0;
  input.forEach((s, i) => {
    if ('data' in s) {
      stored.push({ data: s.data });
      total += Buffer.from(s.data, 'base64').length;
      return;
    }
    const f = found.get(s.path)!;
    const name = quote(s.path);
    if ('status' in f) return problems.push([name, f.status]);
    let length = f.size;
    let range: string | undefined;
    if (s.range) {
      const r = resolveRange(s.range, f.size);
      if (!r) problems.push([name, 'Unsatisfiable Range']);
      else if (r.start !== 0 || r.end !== f.size - 1) {
        range = `${r.start}-${r.end}`;
        length = r.end - r.start + 1;
      }
    }
    if (length < 1 && i !== input.length - 1) problems.push([name, 'Too small; each segment must be at least 1 byte.']);
    if (s.size_bytes !== undefined && s.size_bytes !== null && s.size_bytes !== f.size) problems.push([name, 'Size Mismatch']);
    if (s.etag !== undefined && s.etag !== null && s.etag !== f.etag) problems.push([name, 'Etag Mismatch']);
    stored.push({
      name: `/${s.path.replace(/^\/+/, '')}`, bytes: f.size, hash: f.etag, content_type: f.contentType, last_modified: isoNaive(f.lastModified),
      ...(range ? { range } : {}), ...(f.sub ? { sub_slo: true } : {}),
    });
    total += length;
  });
  return { stored, total, problems };
}

/**
 * `PUT ?multipart-manifest=put`: checks every segment (it exists, is at least a byte, matches
 * the etag, size and range given) and stores Swift's form of the manifest, with the large
 * object's size and ETag kept in its content type. With `heartbeat=on` the answer is a 202 whose
 * body carries the outcome, as Swift's.
 */
export async function putSlo(call: SwiftCall): Promise<void> {
  const { objects, caller, path, req, reply, query } = call;
  if (req.headers['x-copy-from'] !== undefined) throw new SwiftError(405, 'Multipart Manifest PUTs cannot be COPY requests');
  bodyLength(req, MAX_MANIFEST_SIZE, `Manifest File > ${MAX_MANIFEST_SIZE} bytes`);
  const description = describeRequest(req, Date.now());
  const clientMd5 = expectedMd5(req);
  const conditions = putConditions(req);
  const ownPath = `/${path.container}/${path.object}`;
  const body = await readAll(req.raw, MAX_MANIFEST_SIZE, () => plainError(413, `Manifest File > ${MAX_MANIFEST_SIZE} bytes`));
  const input = parseManifestInput(body.toString('utf8'), ownPath);
  if (input.filter((s) => 'path' in s).length > MAX_MANIFEST_SEGMENTS) {
    throw new SwiftError(413, `Number of object-backed segments must be <= ${MAX_MANIFEST_SEGMENTS}`);
  }
  const format = bulkFormat(header(req, 'accept'));
  const heartbeat = isTrue(query.get('heartbeat'));

  const found = new Map<string, Found>();
  for (const s of input) if ('path' in s && !found.has(s.path)) found.set(s.path, await findSegment(objects, caller, s.path));
  const { stored, total, problems } = checkSegments(input, found);

  let etag = '';
  let lastModified = '';
  let status = problems.length ? 400 : 201;
  if (status === 201) {
    etag = sloEtag(stored);
    if (clientMd5 !== undefined && Buffer.from(clientMd5, 'base64').toString('hex') !== etag) status = 422;
  }
  if (status === 201) {
    const manifest = Buffer.from(JSON.stringify(stored));
    const info = await objects.putObject(caller, path.container!, path.object!, Readable.from([manifest]), {
      size: manifest.length,
      contentType: joinContentType({ contentType: description.contentType ?? guessContentType(path.object!), swiftBytes: total, sloEtag: etag }),
      userMeta: description.userMeta,
      headers: description.headers,
      deleteAt: description.deleteAt,
      slo: true,
      conditions,
    });
    lastModified = httpDate(info.lastModified);
  }
  if (heartbeat) {
    const fields: Record<string, string> = status === 201
      ? { 'Response Status': statusLine(201), 'Response Body': '', Etag: `"${etag}"`, 'Last Modified': lastModified }
      : { 'Response Status': statusLine(status), 'Response Body': reasonText(status) };
    reply.code(202).type(format).send(` \r\n\r\n${bulkBody(format, fields, problems, 'upload')}`);
  } else if (status === 201) {
    sendStatus(reply, 201, { ETag: `"${etag}"`, 'Last-Modified': lastModified });
  } else if (status === 400) {
    reply.code(400).type(format).send(bulkBody(format, {}, problems, 'upload'));
  } else {
    throw new SwiftError(status);
  }
}

/** `GET ?multipart-manifest=get&format=raw`: the manifest in the form a PUT takes, keys sorted. */
export function rawManifest(segments: StoredSegment[]): string {
  return JSON.stringify(segments.map((s) => ('data' in s ? { data: s.data } : {
    etag: s.hash, path: s.name, ...(s.range ? { range: s.range } : {}), size_bytes: s.bytes,
  })));
}

type DeleteItem = { name: string; sub?: boolean; error?: { status: number; message: string } };

/** The segments of the manifest `name` for a delete, or why there are none (Swift's `get_slo_segments`). */
async function manifestSegments(objects: ObjectBackend, caller: Caller, name: string): Promise<DeleteItem[] | { status: number; message: string }> {
  const { bucket, key } = segmentPath(name);
  try {
    const { info } = await objects.headObject(caller, bucket, key, {});
    if (!info.slo) return { status: 400, message: 'Not an SLO manifest' };
    const segments = await readManifest(objects, caller, bucket, key);
    return segments.flatMap((s) => ('data' in s ? [] : [{ name: s.name, sub: Boolean(s.sub_slo) }]));
  } catch (err) {
    const status = toSwiftError(err, caller === null).status;
    return { status, message: status === 404 ? 'SLO manifest not found' : statusLine(status) };
  }
}

/**
 * `DELETE ?multipart-manifest=delete`: every segment (sub-manifests' too), then the manifest,
 * answered as Swift's bulk delete does: 200 with the outcome in the body.
 */
export async function deleteSlo(call: SwiftCall): Promise<void> {
  const { objects, caller, path, req, reply } = call;
  const format = bulkFormat(header(req, 'accept'));
  const fields: Record<string, string | number> = { 'Number Deleted': 0, 'Number Not Found': 0, 'Response Body': '', 'Response Status': statusLine(200) };
  const errors: [string, string][] = [];
  let failure = 400;
  const queue: DeleteItem[] = [{ name: `/${path.container}/${path.object}`, sub: true }];
  while (queue.length) {
    // Swift's bound on what a nested manifest may make it hold in memory.
    if (queue.length > MAX_MANIFEST_SEGMENTS * 10) {
      fields['Response Body'] = 'Too many buffered slo segments to delete.';
      break;
    }
    const item = queue.shift()!;
    if (item.sub) {
      const found = await manifestSegments(objects, caller, item.name);
      if (Array.isArray(found)) queue.push(...found, { name: item.name });
      else queue.push({ name: item.name, error: found });
      continue;
    }
    const status = item.error?.status ?? await deleteOne(objects, caller, item.name);
    if (status < 300) fields['Number Deleted'] = (fields['Number Deleted'] as number) + 1;
    else if (status === 404) fields['Number Not Found'] = (fields['Number Not Found'] as number) + 1;
    else {
      if (status === 401) failure = 401;
      errors.push([quote(item.name), item.error?.message ?? statusLine(status)]);
    }
  }
  if (errors.length || fields['Response Body']) fields['Response Status'] = statusLine(failure);
  else if (!fields['Number Deleted'] && !fields['Number Not Found']) {
    fields['Response Status'] = statusLine(400);
    fields['Response Body'] = 'Invalid bulk delete.';
  }
  reply.code(200).type(format).send(bulkBody(format, fields, errors, 'delete'));
}

/** One DELETE of the bulk delete, by its status. */
async function deleteOne(objects: ObjectBackend, caller: Caller, name: string): Promise<number> {
  const { bucket, key } = segmentPath(name);
  try {
    await objects.headObject(caller, bucket, key, {});
    await objects.deleteObject(caller, bucket, key, {});
    return 204;
  } catch (err) {
    return toSwiftError(err, caller === null).status;
  }
}
