import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SealingKey } from '../../platform/crypto.ts';
import { createDigest, type Digest } from './checksums.ts';
import { ObjectError } from './errors.ts';
import type { ChecksumAlgorithm, Digests } from './types.ts';

/** Plaintext bytes per sealed package: small enough for cheap ranged reads, large enough to stream fast. */
const PACKAGE = 64 * 1024;
const TAG = 16;
const SEALED = PACKAGE + TAG;
/** Packages gathered per disk write or read. */
const BATCH = 16;

export interface WrittenSegment {
  id: string;
  digests: Digests;
  /**
   * Data of at most one package comes back sealed instead of written to a file: it is stored in
   * the database row, committed with the object in one transaction (one fsync, not three).
   */
  inline?: Buffer;
  /** The data key, still in the clear: the caller wraps it (master key, SSE-C) before storing it. */
  dataKey: Buffer;
}

export interface SegmentWriteOptions {
  /** Refuse (EntityTooLarge) beyond this many bytes. */
  maxSize: number;
  hashes: ChecksumAlgorithm[];
}

/**
 * Object data on disk: one file per segment (a whole object, or one multipart part), sealed
 * package by package with AES-256-GCM under a fresh data key (MinIO's DARE layout). Package `i`
 * uses nonce `i`; the database keeps each segment's size, so neither truncation nor reordering
 * goes unnoticed, and a range is read by opening only the packages it touches.
 *
 * Files are written under `tmp/`, fsynced and renamed into `data/`: a segment either exists
 * whole or not at all. Whether it is referenced is the database's business: `sweep` removes
 * every file the database does not know, i.e. what a crash left between rename and commit.
 */
export class SegmentStore {
  private readonly tmp: string;
  private readonly data: string;
  /** Fan-out directories known to exist (`data/<first two hex digits>`). */
  private readonly dirs = new Set<string>();
  /** Reads in flight per segment: a replaced object's data stays until they finish. */
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();

  constructor(root: string, private readonly master: SealingKey) {
    this.tmp = join(root, 'tmp');
    this.data = join(root, 'data');
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    mkdirSync(this.data, { recursive: true, mode: 0o700 });
  }

  private path(id: string): string {
    return join(this.data, id.slice(0, 2), id);
  }

  async write(source: Readable, options: SegmentWriteOptions): Promise<WrittenSegment> {
    const id = randomUUID().replaceAll('-', '');
    const dataKey = randomBytes(32);
    const tmp = join(this.tmp, id);
    const md5 = createHash('md5');
    const digests = options.hashes.map((a) => [a, createDigest(a)] as const);
    // The file is opened only once the data outgrows one package: smaller data goes inline.
    let fh: FileHandle | undefined;
    let size = 0;
    let out: Buffer[] = [];
    try {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let index = 0;
      const flush = async () => {
        fh ??= await open(tmp, 'wx', 0o600);
        await writeAll(fh, Buffer.concat(out));
        out = [];
      };
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > options.maxSize) throw new ObjectError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
        md5.update(chunk);
        for (const [, d] of digests) d.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        // Keep a full package back until more data shows it is not the last one.
        while (pendingBytes > PACKAGE) {
          const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          out.push(sealPackage(dataKey, index++, all.subarray(0, PACKAGE)));
          if (out.length >= BATCH) await flush();
          const rest = all.subarray(PACKAGE);
          pending = [rest];
          pendingBytes = rest.length;
        }
      }
      if (pendingBytes > 0) out.push(sealPackage(dataKey, index++, pending.length === 1 ? pending[0]! : Buffer.concat(pending)));
      if (fh === undefined && size <= PACKAGE) return { id, dataKey, digests: this.digestsOf(size, md5, digests), inline: Buffer.concat(out) };
      await flush();
      await fh!.sync();
    } catch (err) {
      await fh?.close().catch(() => undefined);
      if (fh) await rm(tmp, { force: true });
      throw err;
    }
    await fh!.close();
    const fan = id.slice(0, 2);
    if (!this.dirs.has(fan)) {
      await mkdir(join(this.data, fan), { recursive: true, mode: 0o700 });
      this.dirs.add(fan);
    }
    await rename(tmp, this.path(id));
    // The rename is durable only with its directory: the database will soon name this file.
    const dir = await open(join(this.data, fan), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return { id, dataKey, digests: this.digestsOf(size, md5, digests) };
  }

  private digestsOf(size: number, md5: Hash, digests: (readonly [ChecksumAlgorithm, Digest])[]): Digests {
    return { size, md5Hex: md5.digest('hex'), checksums: Object.fromEntries(digests.map(([a, d]) => [a, d.digest()])) };
  }

  /** The data key sealed for the database: by the master key, and first by the SSE-C key when given. */
  wrapKey(id: string, dataKey: Buffer, customerKey?: Buffer): string {
    const aad = Buffer.from(id);
    if (!customerKey) return `m:${this.master.seal(dataKey, aad).toString('base64')}`;
    const inner = new SealingKey(customerKey).seal(dataKey, aad);
    return `c:${this.master.seal(inner, aad).toString('base64')}`;
  }

  /** The data key of a segment; AccessDenied when an SSE-C segment is opened with another key. */
  unwrapKey(id: string, sealed: string, customerKey?: Buffer): Buffer {
    const aad = Buffer.from(id);
    const outer = this.master.open(Buffer.from(sealed.slice(2), 'base64'), aad);
    if (!outer) throw new Error(`segment ${id}: its key does not open with the object master key`);
    if (sealed.startsWith('m:')) return outer;
    const key = customerKey ? new SealingKey(customerKey).open(outer, aad) : undefined;
    if (!key) throw new ObjectError('AccessDenied', 'The encryption key provided does not match the key the object was stored with.');
    return key;
  }

  /** Plaintext bytes `start`..`end` (inclusive) of a segment of `size` bytes, from its file or its inline data. */
  async *read(id: string, dataKey: Buffer, size: number, start: number, end: number, inline?: Buffer | null): AsyncGenerator<Buffer> {
    if (size === 0 || end < start) return;
    if (inline) {
      const p = openPackage(dataKey, 0, inline);
      if (!p) throw new Error(`segment ${id} fails authentication`);
      yield p.subarray(start, end + 1);
      return;
    }
    const fh = await open(this.path(id), 'r');
    try {
      const last = Math.floor(end / PACKAGE);
      for (let first = Math.floor(start / PACKAGE); first <= last; first += BATCH) {
        const count = Math.min(BATCH, last - first + 1);
        const sealedEnd = Math.min((first + count) * SEALED, sealedSize(size));
        const buf = Buffer.allocUnsafe(sealedEnd - first * SEALED);
        const { bytesRead } = await fh.read(buf, 0, buf.length, first * SEALED);
        if (bytesRead !== buf.length) throw new Error(`segment ${id} is shorter than its recorded size`);
        const plain: Buffer[] = [];
        for (let i = 0; i < count; i++) {
          const sealed = buf.subarray(i * SEALED, Math.min((i + 1) * SEALED, buf.length));
          const index = first + i;
          const p = openPackage(dataKey, index, sealed);
          if (!p) throw new Error(`segment ${id} package ${index} fails authentication`);
          const from = index * PACKAGE;
          plain.push(p.subarray(Math.max(start - from, 0), Math.min(end - from + 1, p.length)));
        }
        yield plain.length === 1 ? plain[0]! : Buffer.concat(plain);
      }
    } finally {
      await fh.close();
    }
  }

  /**
   * Keeps segments from removal while a read streams them, so a GET that began before an
   * overwrite or delete serves the version it found, whole. Returns the release.
   */
  hold(ids: string[]): () => void {
    for (const id of ids) this.readers.set(id, (this.readers.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const left = this.readers.get(id)! - 1;
        if (left > 0) {
          this.readers.set(id, left);
          continue;
        }
        this.readers.delete(id);
        if (this.doomed.delete(id)) void rm(this.path(id), { force: true });
      }
    };
  }

  /** Removes segments no committed row names any more; held ones go when their last reader is done. */
  async remove(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      if (this.readers.has(id)) this.doomed.add(id);
      else await rm(this.path(id), { force: true });
    }
  }

  /** Removes temporaries and every segment file `known` does not name; returns how many went. */
  async sweep(known: (id: string) => boolean): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmp)) {
      await rm(join(this.tmp, name), { force: true });
      removed++;
    }
    for (const dir of await readdir(this.data)) {
      for (const id of await readdir(join(this.data, dir))) {
        if (known(id)) continue;
        await rm(join(this.data, dir, id), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/**
 * Segments' plaintext pieces, one after the other, as one byte stream; `done` runs once it ends
 * or is destroyed (even before its first read).
 */
export function concatSegments(parts: Iterable<() => AsyncGenerator<Buffer>>, done: () => void): Readable {
  const stream = Readable.from((async function* () {
    for (const part of parts) yield* part();
  })(), { objectMode: false });
  stream.once('close', done);
  return stream;
}

function sealedSize(size: number): number {
  const full = Math.floor(size / PACKAGE);
  const rest = size % PACKAGE;
  return full * SEALED + (rest ? rest + TAG : 0);
}

function nonce(index: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(index, 6, 6);
  return n;
}

function sealPackage(key: Buffer, index: number, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce(index));
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function openPackage(key: Buffer, index: number, sealed: Buffer): Buffer | undefined {
  if (sealed.length <= TAG) return undefined;
  const d = createDecipheriv('aes-256-gcm', key, nonce(index));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return undefined;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}
