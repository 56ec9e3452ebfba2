import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Caller, ObjectBackend, ObjectInfo } from '../../services/object-storage/types.ts';
import { splitContentType } from './content-type.ts';
import { SwiftError } from './errors.ts';
import { compareNames } from './listing.ts';
import type { ByteRange } from './ranges.ts';

/**
 * A large object's data in order: byte ranges of segment objects (with the ETag the segment
 * must still have, for SLO) and inline data.
 */
export type Piece =
  | { bucket: string; key: string; start: number; end: number; etag?: string }
  | { data: Buffer };

function pieceLength(p: Piece): number {
  return 'data' in p ? p.data.length : p.end - p.start + 1;
}

/** The pieces that cover `range` of their concatenation, trimmed to it. */
export function slicePieces(pieces: Piece[], range: ByteRange): Piece[] {
  const out: Piece[] = [];
  let offset = 0;
  for (const p of pieces) {
    const length = pieceLength(p);
    const from = Math.max(range.start - offset, 0);
    const to = Math.min(range.end - offset, length - 1);
    if (from <= to) {
      if ('data' in p) out.push({ data: p.data.subarray(from, to + 1) });
      else out.push({ ...p, start: p.start + from, end: p.start + to });
    }
    offset += length;
    if (offset > range.end) break;
  }
  return out;
}

/** What a large object looks like from outside: its size, its ETag (unquoted) and, when read, its pieces. */
interface LargeObjectView {
  size: number;
  etag: string;
  pieces?: Piece[];
}

/** A segment of a stored SLO manifest, in Swift's stored form. */
export type StoredSegment =
  | { name: string; bytes: number; hash: string; content_type?: string; last_modified?: string; range?: string; sub_slo?: boolean }
  | { data: string };

/** Swift's `max_manifest_size` and nesting depth. */
export const MAX_MANIFEST_SIZE = 8 * 1024 ** 2;
const MAX_SLO_DEPTH = 10;

/** A small body whole; more than `limit` bytes is `tooLarge()`. */
export async function readAll(stream: Readable, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** The segments a stored manifest lists (the object must be an SLO manifest). */
export async function readManifest(objects: ObjectBackend, caller: Caller, bucket: string, key: string): Promise<StoredSegment[]> {
  const read = await objects.getObject(caller, bucket, key, {});
  const body = await readAll(read.body!, MAX_MANIFEST_SIZE, () => new SwiftError(500, 'Unable to load SLO manifest'));
  try {
    return JSON.parse(body.toString('utf8')) as StoredSegment[];
  } catch (err) {
    throw new SwiftError(500, 'Unable to load SLO manifest', undefined, undefined, { cause: err });
  }
}

/** `/container/object` of a manifest segment. */
export function segmentPath(name: string): { bucket: string; key: string } {
  const trimmed = name.replace(/^\//, '');
  const slash = trimmed.indexOf('/');
  return { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}

/** An SLO's ETag: the MD5 of its segments' ETags (`etag:range;` for a ranged one, the MD5 of inline data). */
export function sloEtag(segments: StoredSegment[]): string {
  const md5 = createHash('md5');
  for (const s of segments) {
    if ('data' in s) md5.update(createHash('md5').update(Buffer.from(s.data, 'base64')).digest('hex'));
    else md5.update(s.range ? `${s.hash}:${s.range};` : s.hash);
  }
  return md5.digest('hex');
}

/** A stored segment's pieces; a sub-manifest expands into its own segments (nested at most ten deep). */
async function expand(objects: ObjectBackend, caller: Caller, segments: StoredSegment[], depth: number): Promise<Piece[]> {
  const pieces: Piece[] = [];
  for (const s of segments) {
    if ('data' in s) {
      pieces.push({ data: Buffer.from(s.data, 'base64') });
      continue;
    }
    const { bucket, key } = segmentPath(s.name);
    const [first, last] = s.range ? s.range.split('-').map(Number) as [number, number] : [0, s.bytes - 1];
    if (s.sub_slo) {
      if (depth >= MAX_SLO_DEPTH) throw new SwiftError(409);
      const inner = await expand(objects, caller, await readManifest(objects, caller, bucket, key), depth + 1);
      pieces.push(...slicePieces(inner, { start: first, end: last }));
    } else if (last >= first) {
      pieces.push({ bucket, key, start: first, end: last, etag: s.hash });
    }
  }
  return pieces;
}

/**
 * The large object behind an SLO manifest. Its size and ETag come from the parameters stored
 * with the manifest's content type; the pieces (which need the manifest read) only when asked.
 */
export async function sloView(objects: ObjectBackend, caller: Caller, info: ObjectInfo, withPieces: boolean): Promise<LargeObjectView> {
  const t = splitContentType(info.contentType);
  if (!withPieces && t.swiftBytes !== undefined && t.sloEtag) return { size: t.swiftBytes, etag: t.sloEtag };
  const segments = await readManifest(objects, caller, info.bucket, info.key);
  const pieces = await expand(objects, caller, segments, 1);
  return { size: pieces.reduce((n, p) => n + pieceLength(p), 0), etag: t.sloEtag ?? sloEtag(segments), pieces };
}

/** `X-Object-Manifest: container/prefix` (each part URL-quoted, as clients send it). */
export function parseObjectManifest(value: string): { bucket: string; prefix: string } | undefined {
  const slash = value.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    const bucket = decodeURIComponent(value.slice(0, slash));
    const prefix = decodeURIComponent(value.slice(slash + 1));
    if (!prefix || prefix.startsWith('/') || value.includes('?') || value.includes('&')) return undefined;
    return { bucket, prefix };
  } catch {
    return undefined;
  }
}

/** The large object behind a DLO manifest: every object under the prefix, in name order; its ETag the MD5 of theirs. */
export async function dloView(objects: ObjectBackend, caller: Caller, manifest: string): Promise<LargeObjectView> {
  const target = parseObjectManifest(manifest);
  if (!target) throw new SwiftError(400, 'X-Object-Manifest must be in the format container/prefix');
  const segments: ObjectInfo[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await objects.listObjects(caller, target.bucket, { prefix: target.prefix, after, limit: 10000 });
    segments.push(...page.objects);
    if (!page.truncated || page.next === undefined) break;
    after = page.next;
  }
  segments.sort((a, b) => compareNames(a.key, b.key));
  const md5 = createHash('md5');
  for (const s of segments) md5.update(s.etag);
  return {
    size: segments.reduce((n, s) => n + s.size, 0),
    etag: md5.digest('hex'),
    pieces: segments.filter((s) => s.size > 0).map((s) => ({ bucket: target.bucket, key: s.key, start: 0, end: s.size - 1 })),
  };
}

/**
 * The pieces' data as one stream. The first segment is opened before anything is sent, so a
 * missing or changed one is Swift's 409; a later one that fails cuts the response short, as
 * Swift's does (the headers are gone by then).
 */
export async function openPieces(objects: ObjectBackend, caller: Caller, pieces: Piece[]): Promise<Readable> {
  const open = async (p: Piece): Promise<Readable> => {
    if ('data' in p) return Readable.from([p.data]);
    const read = await objects.getObject(caller, p.bucket, p.key, { range: { start: p.start, end: p.end } });
    if (p.etag !== undefined && read.info.etag !== p.etag) {
      read.body?.destroy();
      throw new SwiftError(409);
    }
    return read.body!;
  };
  let first: Readable | undefined;
  if (pieces[0]) {
    try {
      first = await open(pieces[0]);
    } catch (err) {
      throw err instanceof SwiftError ? err : new SwiftError(409, undefined, undefined, undefined, { cause: err });
    }
  }
  async function* concatenate(): AsyncGenerator<Buffer> {
    for (const [i, piece] of pieces.entries()) {
      const body = i === 0 ? first! : await open(piece);
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } finally {
        body.destroy();
      }
    }
  }
  const stream = Readable.from(concatenate(), { objectMode: false });
  // A client gone before the first chunk never starts the generator, whose cleanup would close it.
  stream.once('close', () => first?.destroy());
  return stream;
}
