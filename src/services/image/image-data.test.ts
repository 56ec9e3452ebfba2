import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FileImageStore } from '../../drivers/disk/file-image-store.ts';
import { projectContext } from '../../platform/auth.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { SovError } from '../../platform/errors.ts';
import { PolicyEngine } from '../../platform/policy/engine.ts';
import { createImageService, type ImageService } from './index.ts';

// Operations against a real SQLite database and real files in a temporary directory.
let dir: string;
let db: Db;
let svc: ImageService;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const caller = (project: string, roles: string[]) => projectContext(project, roles);
const alice = caller('project-a', ['member', 'reader']);
const bob = caller('project-b', ['member', 'reader']);
const admin = caller('project-admin', ['admin', 'member', 'reader']);
const status = (code: number) => (e: unknown) => e instanceof SovError && e.status === code;

async function files(): Promise<string[]> {
  const top = (await readdir(dir)).filter((n) => n !== 'staging');
  const staged = await readdir(join(dir, 'staging')).catch(() => []);
  return [...top, ...staged.map((n) => `staging/${n}`)];
}

function failing(bytes: Buffer): Readable {
  return new Readable({ read() { this.push(bytes); setImmediate(() => this.destroy(new Error('aborted'))); } });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sovcloud-image-ops-'));
  db = await openDatabase(':memory:');
  svc = createImageService(db, new PolicyEngine(), new FileImageStore(dir), quiet);
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

test('upload makes a queued image active with size and hashes, and download streams the same bytes', async () => {
  const img = await svc.images.create(alice, { name: 'raw', disk_format: 'raw', container_format: 'bare', os_distro: 'debian' });
  assert.equal(img.status, 'queued');
  assert.equal(img.visibility, 'shared');
  assert.equal(img.owner, 'project-a');
  assert.equal((await svc.data.download(alice, img.id)).data, undefined);
  const bytes = randomBytes(70_000);
  await svc.data.upload(alice, img.id, Readable.from([bytes]));
  const shown = await svc.images.get(alice, img.id);
  assert.equal(shown.status, 'active');
  assert.equal(shown.size, bytes.length);
  assert.equal(shown.virtual_size, bytes.length);
  assert.equal(shown.checksum, createHash('md5').update(bytes).digest('hex'));
  assert.equal(shown.os_hash_value, createHash('sha512').update(bytes).digest('hex'));
  const chunks: Buffer[] = [];
  for await (const c of (await svc.data.download(alice, img.id)).data!) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(bytes));
  await assert.rejects(svc.data.upload(alice, img.id, Readable.from([bytes])), status(409));
  await svc.images.delete(alice, img.id);
  assert.deepEqual(await files(), []);
});

test('a ranged download streams only the slice, and is checked after visibility', async () => {
  const img = await svc.images.create(alice, { name: 'ranged', disk_format: 'raw', container_format: 'bare', visibility: 'private' });
  const bytes = randomBytes(70_000);
  await svc.data.upload(alice, img.id, Readable.from([bytes]));
  const { data, range } = await svc.data.download(alice, img.id, { range: 'bytes=65536-65545' });
  assert.deepEqual(range, { start: 65536, end: 65545 });
  const chunks: Buffer[] = [];
  for await (const c of data!) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(bytes.subarray(65536, 65546)));
  assert.equal((await svc.data.download(alice, img.id)).range, undefined);
  await assert.rejects(svc.data.download(alice, img.id, { range: 'bytes=70000-' }), status(416));
  await assert.rejects(svc.data.download(bob, img.id, { range: 'bytes=70000-' }), status(404));
  await assert.rejects(svc.data.download(bob, img.id, { range: 'bytes=0-1,3-4' }), status(404));
  await svc.images.delete(alice, img.id);
});

test('an interrupted or refused upload leaves a queued image and no file', async () => {
  const img = await svc.images.create(alice, { name: 'q', disk_format: 'qcow2', container_format: 'bare' });
  await assert.rejects(svc.data.upload(alice, img.id, failing(randomBytes(10_000))), status(400));
  assert.equal((await svc.images.get(alice, img.id)).status, 'queued');
  await assert.rejects(svc.data.upload(alice, img.id, Readable.from([randomBytes(10_000)])), /does not match its disk format/);
  assert.equal((await svc.images.get(alice, img.id)).status, 'queued');
  assert.deepEqual(await files(), []);
  const bare = await svc.images.create(alice, { name: 'no formats' });
  await assert.rejects(svc.data.upload(alice, bare.id, Readable.from([Buffer.from('x')])), status(400));
  await svc.images.delete(alice, img.id);
  await svc.images.delete(alice, bare.id);
});

test('stage then glance-direct import activates in the background; web-download is refused', async () => {
  const img = await svc.images.create(alice, { name: 'imp', disk_format: 'raw', container_format: 'bare' });
  await assert.rejects(svc.data.import(alice, img.id, { method: { name: 'glance-direct' } }), status(409));
  await assert.rejects(svc.data.import(alice, img.id, { method: { name: 'web-download', uri: 'https://example.org/x.img' } }), /does not pass filtering/);
  await assert.rejects(svc.data.import(alice, img.id, { method: { name: 'copy-everything' } }), status(400));
  await svc.data.stage(alice, img.id, Readable.from([randomBytes(1000)]));
  assert.equal((await svc.images.get(alice, img.id)).status, 'uploading');
  await svc.data.import(alice, img.id, { method: { name: 'glance-direct' } });
  await svc.data.idle();
  const done = await svc.images.get(alice, img.id);
  assert.equal(done.status, 'active');
  assert.equal(done.size, 1000);
  assert.deepEqual(await files(), [img.id]);
  await svc.images.delete(alice, img.id);
});

test('tenants see their own and accepted shares, never others\' private images; only admins publish', async () => {
  const priv = await svc.images.create(alice, { name: 'private', visibility: 'private' });
  const shared = await svc.images.create(alice, { name: 'shared' });
  await assert.rejects(svc.images.get(bob, priv.id), status(404));
  await assert.rejects(svc.images.create(bob, { name: 'pub', visibility: 'public' }), status(403));
  await assert.rejects(svc.images.update(bob, priv.id, [], 10), status(404));
  await assert.rejects(svc.members.create(alice, priv.id, 'project-b'), status(403));
  await svc.members.create(alice, shared.id, 'project-b');
  const names = async () => (await svc.images.list(bob, {})).items.map((i) => i.name);
  assert.deepEqual(await names(), []);
  assert.equal((await svc.images.get(bob, shared.id)).name, 'shared');
  await assert.rejects(svc.members.update(alice, shared.id, 'project-b', 'accepted'), status(403));
  await svc.members.update(bob, shared.id, 'project-b', 'accepted');
  assert.deepEqual(await names(), ['shared']);
  assert.deepEqual((await svc.images.list(bob, { member_status: 'pending' })).items, []);
  const pub = await svc.images.create(admin, { name: 'public', visibility: 'public' });
  assert.deepEqual((await names()).sort(), ['public', 'shared']);
  assert.equal((await svc.images.list(admin, {})).items.length, 3);
  for (const [who, id] of [[alice, priv.id], [alice, shared.id], [admin, pub.id]] as const) await svc.images.delete(who, id);
});

test('protected images cannot be deleted, and paging follows markers', async () => {
  const made = [];
  for (const name of ['c', 'a', 'b']) made.push(await svc.images.create(alice, { name, protected: name === 'a' }));
  await assert.rejects(svc.images.delete(alice, made[1]!.id), status(403));
  const p1 = await svc.images.list(alice, { sort: 'name:asc', limit: '2' });
  assert.deepEqual(p1.items.map((i) => i.name), ['a', 'b']);
  const p2 = await svc.images.list(alice, { sort: 'name:asc', limit: '2', marker: p1.nextMarker! });
  assert.deepEqual(p2.items.map((i) => i.name), ['c']);
  assert.equal(p2.nextMarker, undefined);
  await svc.images.update(alice, made[1]!.id, [{ op: 'replace', path: ['protected'], value: false }], 10);
  for (const m of made) await svc.images.delete(alice, m.id);
});

test('recovery after a crash: interrupted uploads go back to queued, temporaries and orphans go', async () => {
  const saving = await svc.images.create(alice, { name: 'saving', disk_format: 'raw', container_format: 'bare' });
  const staging = await svc.images.create(alice, { name: 'staging', disk_format: 'raw', container_format: 'bare' });
  const importing = await svc.images.create(alice, { name: 'importing', disk_format: 'raw', container_format: 'bare' });
  await svc.data.stage(alice, importing.id, Readable.from([Buffer.from('staged before the crash')]));
  await db.updateTable('images').set({ status: 'saving' }).where('id', '=', saving.id).execute();
  await db.updateTable('images').set({ status: 'uploading' }).where('id', '=', staging.id).execute();
  await db.updateTable('images').set({ status: 'importing' }).where('id', '=', importing.id).execute();
  await writeFile(join(dir, `${saving.id}.0123.part`), 'half an image');
  await writeFile(join(dir, saving.id), 'renamed but never recorded');
  await writeFile(join(dir, randomUUID()), 'orphan');
  await svc.data.recover();
  await svc.data.idle();
  assert.equal((await svc.images.get(alice, saving.id)).status, 'queued');
  assert.equal((await svc.images.get(alice, staging.id)).status, 'queued');
  const imported = await svc.images.get(alice, importing.id);
  assert.equal(imported.status, 'active', 'an interrupted import resumes');
  assert.equal(imported.size, 'staged before the crash'.length);
  assert.deepEqual(await files(), [importing.id]);
  await svc.data.recover();
  assert.deepEqual(await files(), [importing.id], 'a second recovery changes nothing');
  for (const img of [saving, staging, importing]) await svc.images.delete(alice, img.id);
  assert.deepEqual(await files(), []);
});
