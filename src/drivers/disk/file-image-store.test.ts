import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ImageDataNotFound, ImageTooLarge, InvalidImageData, UploadInterrupted } from '../../services/image/data-store.ts';
import { FileImageStore } from './file-image-store.ts';

let root: string;
let store: FileImageStore;
const BIG = 1 << 30;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sovcloud-images-'));
  store = new FileImageStore(root);
});
after(() => rm(root, { recursive: true, force: true }));

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A source that yields some bytes and then fails, like a client that goes away mid-upload. */
function failing(bytes: Buffer): Readable {
  return new Readable({
    read() {
      this.push(bytes);
      setImmediate(() => this.destroy(new Error('aborted')));
    },
  });
}

test('write stores the bytes with md5 and sha512 computed on the way, and read streams them back', async () => {
  const id = randomUUID();
  const bytes = randomBytes(300_000);
  const stored = await store.write('image', id, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { maxSize: BIG });
  assert.equal(stored.size, bytes.length);
  assert.equal(stored.checksum, createHash('md5').update(bytes).digest('hex'));
  assert.equal(stored.hashValue, createHash('sha512').update(bytes).digest('hex'));
  assert.ok((await drain(await store.read(id))).equals(bytes));
  assert.deepEqual(await store.list('image'), [id]);
  await store.delete('image', id);
  await store.delete('image', id);
  await assert.rejects(store.read(id), ImageDataNotFound);
});

test('read with a range streams exactly those bytes from the file', async () => {
  const id = randomUUID();
  const bytes = randomBytes(200_000);
  await store.write('image', id, Readable.from([bytes]), { maxSize: BIG });
  assert.ok((await drain(await store.read(id, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)));
  assert.ok((await drain(await store.read(id, { start: 70_000, end: 199_999 }))).equals(bytes.subarray(70_000)));
  assert.ok((await drain(await store.read(id, { start: 0, end: 0 }))).equals(bytes.subarray(0, 1)));
  await store.delete('image', id);
  await assert.rejects(store.read(id, { start: 0, end: 0 }), ImageDataNotFound);
});

test('a failing source or an exceeded cap leaves nothing behind', async () => {
  const id = randomUUID();
  await assert.rejects(store.write('image', id, failing(randomBytes(5000)), { maxSize: BIG }), UploadInterrupted);
  await assert.rejects(store.write('staging', id, Readable.from([randomBytes(5000)]), { maxSize: 100 }), ImageTooLarge);
  assert.equal(await store.exists('image', id), false);
  assert.deepEqual((await readdir(root)).filter((n) => n !== 'staging'), []);
  assert.deepEqual(await readdir(join(root, 'staging')), []);
});

test('promote moves staged data and is idempotent after the move', async () => {
  const id = randomUUID();
  const bytes = randomBytes(4096);
  await store.write('staging', id, Readable.from([bytes]), { maxSize: BIG });
  const first = await store.promote(id);
  assert.equal(await store.exists('staging', id), false);
  assert.deepEqual(await store.promote(id), first);
  assert.ok((await readFile(join(root, id))).equals(bytes));
  await assert.rejects(store.promote(randomUUID()), ImageDataNotFound);
  await store.delete('image', id);
});

test('inspect reads the declared format only, and refuses images that point at other files', async () => {
  const qcow = randomUUID();
  const path = join(root, qcow);
  execFileSync('qemu-img', ['create', '-f', 'qcow2', path, '64M'], { stdio: 'ignore' });
  assert.deepEqual(await store.inspect(qcow, 'qcow2'), { virtualSize: 64 << 20 });
  assert.deepEqual(await store.inspect(qcow, 'raw'), { virtualSize: (await readFile(path)).length });
  assert.deepEqual(await store.inspect(qcow, 'iso'), { virtualSize: (await readFile(path)).length });
  assert.deepEqual(await store.inspect(qcow, 'ploop'), { virtualSize: null });

  const raw = randomUUID();
  await writeFile(join(root, raw), randomBytes(65536));
  await assert.rejects(store.inspect(raw, 'qcow2'), InvalidImageData);

  const overlay = randomUUID();
  execFileSync('qemu-img', ['create', '-f', 'qcow2', '-b', path, '-F', 'qcow2', join(root, overlay)], { stdio: 'ignore' });
  await assert.rejects(store.inspect(overlay, 'qcow2'), /other files/);
  for (const id of [qcow, raw, overlay]) await store.delete('image', id);
});

test('removeTemporaries collects the temporaries of writes a crash interrupted', async () => {
  const id = randomUUID();
  await writeFile(join(root, `${id}.abc.part`), 'half');
  await writeFile(join(root, 'staging', `${id}.def.part`), 'half');
  assert.equal(await store.removeTemporaries(), 2);
  assert.equal(await store.removeTemporaries(), 0);
  assert.deepEqual(await store.list('image'), []);
});
