import { Readable } from 'node:stream';
import { projectContext } from '../../platform/auth.ts';
import type { BackupManifest, BackupRef, BackupStore } from '../../services/block-storage/backup-store.ts';
import { ObjectError, type ObjectBackend } from '../../services/object-storage/index.ts';
import { restoreChunks, writeChunks } from './chunking.ts';

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
    const put = (key: string, data: Buffer, contentType: string) => this.objects.putObject(caller, bucket, key, Readable.from([data]), { contentType });
    const manifest: BackupManifest = {
      ...await writeChunks(backup.id, rawPath, base, (index, gz) => put(chunkKey(backup.id, index), gz, 'application/gzip').then(() => undefined)),
      location: 'objects',
    };
    await put(`${backup.id}/manifest`, Buffer.from(JSON.stringify(manifest)), 'application/json');
    return manifest;
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
    const caller = this.caller(backup.projectId);
    const bucket = this.bucket(backup.projectId);
    await restoreChunks(manifest, rawPath, async (chunk, index) => collect((await this.objects.getObject(caller, bucket, chunkKey(chunk.storedIn, index), {})).body!));
  }

  async delete(backup: BackupRef): Promise<void> {
    await this.legacy.delete(backup);
    if (!backup.projectId) return;
    const caller = this.caller(backup.projectId);
    const bucket = this.bucket(backup.projectId);
    try {
      // The manifest goes first, so an interrupted delete never leaves a manifest naming gone chunks.
      await this.objects.deleteObject(caller, bucket, `${backup.id}/manifest`, {});
      for (;;) {
        const page = await this.objects.listObjects(caller, bucket, { prefix: `${backup.id}/`, limit: 1000 });
        for (const o of page.objects) await this.objects.deleteObject(caller, bucket, o.key, {});
        if (!page.truncated) return;
      }
    } catch (err) {
      if (!(err instanceof ObjectError && err.kind === 'NoSuchBucket')) throw err;
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
