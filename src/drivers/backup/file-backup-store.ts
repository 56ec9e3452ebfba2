import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupDataMissing, type BackupManifest, type BackupRef, type BackupStore } from '../../services/block-storage/backup-store.ts';
import { restoreChunks, writeChunks } from './chunking.ts';

const MANIFEST = 'manifest.json';

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
    const manifest = await writeChunks(backupId, rawPath, parent, (index, gz) => durableWrite(join(dir, chunkName(index)), gz));
    await durableWrite(join(dir, MANIFEST), Buffer.from(JSON.stringify(manifest)));
    return manifest;
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
    await restoreChunks(manifest, rawPath, (chunk, index) => readFile(join(this.dir, chunk.storedIn, chunkName(index))));
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
