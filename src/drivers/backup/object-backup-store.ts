import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { projectContext } from '../../platform/auth.ts';
import {
  BackupDataCorrupt, type BackupChunk, type BackupManifest, type BackupRef, type BackupStore,
} from '../../services/block-storage/backup-store.ts';
import { ObjectError, type ObjectBackend } from '../../services/object-storage/index.ts';

const zip = promisify(gzip);
const unzip = promisify(gunzip);
const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Backups in the object storage, as Cinder's chunked drivers (swift, s3) keep them: in a bucket of
 * the backup's own project, `volumebackups-<project>` (Cinder's default container name, made
 * unique in the shared bucket namespace), one compressed object per chunk, `<id>/chunk-<n>`,
 * and `<id>/manifest` written last. The object layer makes each PUT atomic, so a manifest only
 * ever names complete chunks. Backups written to a directory by earlier versions are served by
 * `legacy`, and an incremental backup of one starts afresh.
 */
export class ObjectBackupStore implements BackupStore {
  constructor(private readonly objects: ObjectBackend, private readonly legacy: BackupStore) {}

  private caller(projectId: string) {
    // Cinder's backup service acts in the project, as its service user does with a project token.
    return projectContext(projectId, ['admin'], 'cinder-backup');
  }

  private bucket(projectId: string): string {
    return `volumebackups-${projectId.replaceAll('-', '').toLowerCase()}`;
  }

  async write(backup: BackupRef, rawPath: string, parent?: BackupManifest): Promise<BackupManifest> {
    const caller = this.caller(backup.projectId);
    const bucket = this.bucket(backup.projectId);
    await this.objects.createBucket(caller, bucket, {}).catch((err: unknown) => {
      if (!(err instanceof ObjectError && err.kind === 'BucketAlreadyOwnedByYou')) throw err;
    });
    const base = parent?.location === 'objects' ? parent : undefined;
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
        const hash = sha256(data);
        if (data.equals(ZEROS.subarray(0, want))) {
          chunks.push({ sha256: hash, zero: true, storedIn: backup.id });
          continue;
        }
        const before = base?.chunks[index];
        if (before && !before.zero && before.sha256 === hash) {
          chunks.push({ sha256: hash, zero: false, storedIn: before.storedIn });
          continue;
        }
        await this.objects.putObject(caller, bucket, chunkKey(backup.id, index), Readable.from([await zip(data, { level: 1 })]), { contentType: 'application/gzip' });
        chunks.push({ sha256: hash, zero: false, storedIn: backup.id });
      }
      const manifest: BackupManifest = { backupId: backup.id, size, chunkSize: CHUNK, chunks, location: 'objects' };
      await this.objects.putObject(caller, bucket, `${backup.id}/manifest`, Readable.from([Buffer.from(JSON.stringify(manifest))]), { contentType: 'application/json' });
      return manifest;
    } finally {
      await source.close();
    }
  }

  async manifest(backup: BackupRef): Promise<BackupManifest> {
    try {
      const read = await this.objects.getObject(this.caller(backup.projectId), this.bucket(backup.projectId), `${backup.id}/manifest`, {});
      return JSON.parse((await collect(read.body!)).toString()) as BackupManifest;
    } catch (err) {
      if (!(err instanceof ObjectError && ['NoSuchKey', 'NoSuchBucket'].includes(err.kind))) throw err;
    }
    return this.legacy.manifest(backup);
  }

  async restore(backup: BackupRef, manifest: BackupManifest, rawPath: string): Promise<void> {
    if (manifest.location !== 'objects') return this.legacy.restore(backup, manifest, rawPath);
    const { projectId } = backup;
    const caller = this.caller(projectId);
    const target = await open(rawPath, 'r+');
    try {
      for (const [index, chunk] of manifest.chunks.entries()) {
        if (chunk.zero) continue;
        let data: Buffer;
        try {
          const read = await this.objects.getObject(caller, this.bucket(projectId), chunkKey(chunk.storedIn, index), {});
          data = await unzip(await collect(read.body!));
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

  async delete(backup: BackupRef): Promise<void> {
    await this.legacy.delete(backup);
    if (!backup.projectId) return;
    const caller = this.caller(backup.projectId);
    const bucket = this.bucket(backup.projectId);
    for (;;) {
      let page;
      try {
        page = await this.objects.listObjects(caller, bucket, { prefix: `${backup.id}/`, limit: 1000 });
      } catch (err) {
        if (err instanceof ObjectError && err.kind === 'NoSuchBucket') return;
        throw err;
      }
      // The manifest goes first, so an interrupted delete never leaves a manifest naming gone chunks.
      const keys = page.objects.map((o) => o.key).sort((a, b) => Number(b.endsWith('/manifest')) - Number(a.endsWith('/manifest')));
      for (const key of keys) await this.objects.deleteObject(caller, bucket, key, {});
      if (!page.truncated) return;
    }
  }

  /** Only directory backups can be listed without their project; object backups are found through their rows. */
  list(): Promise<string[]> {
    return this.legacy.list();
  }
}

function chunkKey(backupId: string, index: number): string {
  return `${backupId}/chunk-${String(index).padStart(8, '0')}`;
}

async function collect(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
