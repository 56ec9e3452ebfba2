import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { SovError } from '../../platform/errors.ts';
import {
  ImageDataNotFound, ImageTooLarge, InvalidImageData, StorageFull, UploadInterrupted,
  type ByteRange, type DataArea, type ImageDataStore, type StoredData,
} from '../../services/image/data-store.ts';

const run = promisify(execFile);
const TMP_SUFFIX = '.part';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Glance disk formats as qemu-img names them. ISO and the AMI family are plain bytes; formats
 * missing here (ploop) are stored but not inspected.
 */
const QEMU_FORMAT: Record<string, string> = {
  raw: 'raw', qcow2: 'qcow2', vmdk: 'vmdk', vdi: 'vdi', vhd: 'vpc', vhdx: 'vhdx', iso: 'raw', ami: 'raw', aki: 'raw', ari: 'raw',
};

interface QemuInfo {
  'virtual-size'?: number;
  'backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string; extents?: { filename?: string }[] } };
}

/**
 * Image data as plain files: `<root>/<id>` for image data, `<root>/staging/<id>` for staged data,
 * `<id>.<random>.part` beside them while a write is in flight.
 */
export class FileImageStore implements ImageDataStore {
  constructor(private readonly root: string) {}

  private dir(area: DataArea): string {
    return area === 'image' ? this.root : join(this.root, 'staging');
  }

  private path(area: DataArea, id: string): string {
    // Ids come from the database, but a path is built from them: refuse anything that could escape.
    if (!ID.test(id)) throw new SovError(`refusing image data path for id '${id}'`);
    return join(this.dir(area), id);
  }

  async write(area: DataArea, id: string, data: Readable, { maxSize }: { maxSize: number }): Promise<StoredData> {
    const dir = this.dir(area);
    const target = this.path(area, id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `${id}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
    const hashes = new Hashes();
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of data as AsyncIterable<Buffer>) {
          hashes.update(chunk);
          if (hashes.size > maxSize) throw new ImageTooLarge(`The incoming image is too large: it exceeds ${maxSize} bytes.`);
          for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      await syncDir(dir);
    } catch (err) {
      await rm(tmp, { force: true });
      if (!(err instanceof SovError) && data.errored) throw new UploadInterrupted('The image data upload was interrupted before all data arrived.', { cause: err });
      throw storageError(err);
    }
    return hashes.result();
  }

  async promote(id: string): Promise<StoredData> {
    const target = this.path('image', id);
    try {
      await rename(this.path('staging', id), target);
      await syncDir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storageError(err);
    }
    return this.hash(target);
  }

  private async hash(file: string): Promise<StoredData> {
    const hashes = new Hashes();
    for await (const chunk of await this.openRead(file) as AsyncIterable<Buffer>) hashes.update(chunk);
    return hashes.result();
  }

  private async openRead(file: string, range?: ByteRange): Promise<Readable> {
    try {
      // Opened before it is streamed, so a missing file is an error here and not in mid-response.
      return (await open(file, 'r')).createReadStream(range && { start: range.start, end: range.end });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImageDataNotFound('The image has no data.', { cause: err });
      throw storageError(err);
    }
  }

  read(id: string, range?: ByteRange): Promise<Readable> {
    return this.openRead(this.path('image', id), range);
  }

  async inspect(id: string, diskFormat: string): Promise<{ virtualSize: number | null }> {
    const format = QEMU_FORMAT[diskFormat];
    if (!format) return { virtualSize: null };
    // Raw bytes are their own virtual disk; qemu-img would round them up to whole sectors.
    if (format === 'raw') return { virtualSize: (await stat(this.path('image', id))).size };
    let info: QemuInfo;
    try {
      const { stdout } = await run('qemu-img', ['info', '--output=json', '-f', format, this.path('image', id)], { timeout: 60_000, maxBuffer: 4 << 20 });
      info = JSON.parse(stdout) as QemuInfo;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (typeof e.code !== 'number') throw new SovError('qemu-img info could not run', { cause: err });
      const reason = (e.stderr ?? '').trim().replace(/^qemu-img: /, '');
      throw new InvalidImageData(`Image data does not match its disk format '${diskFormat}': ${reason}`, { cause: err });
    }
    const extents = info['format-specific']?.data?.extents ?? [];
    if (info['backing-filename'] || info['format-specific']?.data?.['data-file'] || extents.some((x) => x.filename && x.filename !== this.path('image', id))) {
      throw new InvalidImageData('Image data refers to other files (backing file, data file or extent); such images are not accepted.');
    }
    return { virtualSize: info['virtual-size'] ?? null };
  }

  async exists(area: DataArea, id: string): Promise<boolean> {
    try {
      return (await stat(this.path(area, id))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storageError(err);
    }
  }

  async delete(area: DataArea, id: string): Promise<void> {
    await rm(this.path(area, id), { force: true });
  }

  async list(area: DataArea): Promise<string[]> {
    return (await this.names(area)).filter((n) => ID.test(n));
  }

  async removeTemporaries(): Promise<number> {
    let removed = 0;
    for (const area of ['image', 'staging'] as const) {
      for (const name of await this.names(area)) {
        if (!name.endsWith(TMP_SUFFIX)) continue;
        await rm(join(this.dir(area), name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private async names(area: DataArea): Promise<string[]> {
    try {
      return await readdir(this.dir(area));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageError(err);
    }
  }
}

class Hashes {
  size = 0;
  private readonly md5 = createHash('md5');
  private readonly sha512 = createHash('sha512');

  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.sha512.update(chunk);
  }

  result(): StoredData {
    return { size: this.size, checksum: this.md5.digest('hex'), hashAlgo: 'sha512', hashValue: this.sha512.digest('hex') };
  }
}

/** A rename is durable only once the directory entry is on disk. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Typed errors pass through; a full disk becomes `StorageFull`, anything else a 500 keeping its cause. */
function storageError(err: unknown): SovError {
  if (err instanceof SovError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFull('Image storage media is full.', { cause: err });
  return new SovError('image data store failure', { cause: err });
}
