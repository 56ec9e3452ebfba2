import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  BackupDataCorrupt, BackupDataMissing, type BackupChunk, type BackupManifest, type BackupRef, type BackupStore,
} from '../../services/block-storage/backup-store.ts';

const zip = promisify(gzip);
const unzip = promisify(gunzip);
const CHUNK = 4 * 1024 * 1024;
const MANIFEST = 'manifest.json';
const ZEROS = Buffer.alloc(CHUNK);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Backups as directories under one root, apart from the volumes: `<id>/chunk-<n>.gz` for each
 * stored chunk and `<id>/manifest.json`, written last. Chunks and manifest are fsynced and
 * renamed into place, so no reader ever sees half a chunk and no manifest names a missing one.
 */
export class FileBackupStore implements BackupStore {
  constructor(private readonly dir: string) {}

  async write({ id: backupId }: BackupRef, rawPath: string, parent?: BackupManifest): Promise<BackupManifest> {
    const dir = join(this.dir, backupId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const source = await open(rawPath, 'r');
    try {
      const size = (await source.stat()).size;
      const chunks: BackupChunk[] = [];
      const buf = Buffer.alloc(CHUNK);
      for (let index = 0; index * CHUNK < size; index++) {
        const want = Math.min(CHUNK, size - index * CHUNK);
        const { bytesRead } = await source.read(buf, 0, want, index * CHUNK);
        if (bytesRead !== want) throw new Error(`short read at chunk ${index} of ${rawPath}`);
        const data = buf.subarray(0, want);
        // Skipping zero chunks keeps a sparse 1 GiB volume's backup as small as its data.
        if (data.equals(ZEROS.subarray(0, want))) {
          chunks.push({ sha256: sha256(data), zero: true, storedIn: backupId });
          continue;
        }
        const hash = sha256(data);
        const before = parent?.chunks[index];
        if (before && !before.zero && before.sha256 === hash) {
          chunks.push({ sha256: hash, zero: false, storedIn: before.storedIn });
          continue;
        }
        await durableWrite(join(dir, chunkName(index)), await zip(data, { level: 1 }));
        chunks.push({ sha256: hash, zero: false, storedIn: backupId });
      }
      const manifest: BackupManifest = { backupId, size, chunkSize: CHUNK, chunks };
      await durableWrite(join(dir, MANIFEST), Buffer.from(JSON.stringify(manifest)));
      return manifest;
    } finally {
      await source.close();
    }
  }

  async manifest({ id: backupId }: BackupRef): Promise<BackupManifest> {
    try {
      return JSON.parse(await readFile(join(this.dir, backupId, MANIFEST), 'utf8')) as BackupManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupDataMissing(`Backup ${backupId} has no complete data.`);
      throw err;
    }
  }

  async restore(_backup: BackupRef, manifest: BackupManifest, rawPath: string): Promise<void> {
    const target = await open(rawPath, 'r+');
    try {
      for (const [index, chunk] of manifest.chunks.entries()) {
        if (chunk.zero) continue; // the target starts sparse, i.e. zero
        const file = join(this.dir, chunk.storedIn, chunkName(index));
        let data: Buffer;
        try {
          data = await unzip(await readFile(file));
        } catch (err) {
          throw new BackupDataCorrupt(`Chunk ${index} of backup ${manifest.backupId} is unreadable.`, { cause: err });
        }
        if (sha256(data) !== chunk.sha256) throw new BackupDataCorrupt(`Chunk ${index} of backup ${manifest.backupId} fails its checksum.`);
        await target.write(data, 0, data.length, index * manifest.chunkSize);
      }
      await target.sync();
    } finally {
      await target.close();
    }
  }

  async delete({ id: backupId }: BackupRef): Promise<void> {
    await rm(join(this.dir, backupId), { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => !n.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}

function chunkName(index: number): string {
  return `chunk-${String(index).padStart(8, '0')}.gz`;
}

/** Write to a temporary name, fsync, rename: the final name only ever holds complete content. */
async function durableWrite(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.part`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
