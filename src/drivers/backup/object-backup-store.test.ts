import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { SealingKey } from '../../platform/crypto.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { createObjectStorage, type ObjectStorage } from '../../services/object-storage/index.ts';
import { FileBackupStore } from './file-backup-store.ts';
import { ObjectBackupStore } from './object-backup-store.ts';

const MiB = 1024 * 1024;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('backups in the object storage', () => {
  let dir: string;
  let db: Db;
  let objects: ObjectStorage;
  let legacy: FileBackupStore;
  let store: ObjectBackupStore;
  const ref = (id: string) => ({ id, projectId: 'p1' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sov-backups-'));
    db = await openDatabase(':memory:');
    objects = createObjectStorage(db, { dir: join(dir, 'objects'), masterKey: new SealingKey(randomBytes(32)), log: quiet });
    legacy = new FileBackupStore(join(dir, 'backups'));
    store = new ObjectBackupStore(objects, legacy);
  });
  after(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function volume(name: string, data: Buffer, size: number): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, data);
    await truncate(file, size);
    return file;
  }

  it('keeps chunks and the manifest as objects of the project, and restores them byte for byte', async () => {
    const data = randomBytes(5 * MiB);
    const raw = await volume('v1.raw', data, 12 * MiB);
    const manifest = await store.write(ref('b1'), raw);
    assert.equal(manifest.location, 'objects');
    const listed = await objects.listObjects(projectContext('p1', ['reader']), 'volumebackups-p1', { limit: 100 });
    // Chunks 0 and 1 hold data; chunk 2 is zeros and not stored.
    assert.deepEqual(listed.objects.map((o) => o.key), ['b1/chunk-00000000', 'b1/chunk-00000001', 'b1/manifest']);
    const target = await volume('r1.raw', Buffer.alloc(0), 12 * MiB);
    await store.restore(ref('b1'), await store.manifest(ref('b1')), target);
    assert.deepEqual((await readFile(target)).subarray(0, 5 * MiB), data);
    await store.delete(ref('b1'));
    assert.deepEqual((await objects.listObjects(projectContext('p1', ['reader']), 'volumebackups-p1', { limit: 100 })).objects, []);
  });

  it('still restores a backup an earlier version wrote to a directory, and starts its incrementals afresh', async () => {
    const data = randomBytes(6 * MiB);
    const raw = await volume('v2.raw', data, 8 * MiB);
    await legacy.write(ref('old'), raw);
    const oldManifest = await store.manifest(ref('old'));
    assert.equal(oldManifest.location, undefined);
    const target = await volume('r2.raw', Buffer.alloc(0), 8 * MiB);
    await store.restore(ref('old'), oldManifest, target);
    assert.deepEqual((await readFile(target)).subarray(0, 6 * MiB), data);

    const incremental = await store.write(ref('inc'), raw, oldManifest);
    assert.ok(incremental.chunks.every((c) => c.zero || c.storedIn === 'inc'), 'an incremental of a directory backup refers to none of its chunks');
    const again = await volume('r3.raw', Buffer.alloc(0), 8 * MiB);
    await store.restore(ref('inc'), await store.manifest(ref('inc')), again);
    assert.deepEqual(await readFile(again), await readFile(raw));
  });
});
