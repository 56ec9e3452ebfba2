import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { SealingKey } from '../../platform/crypto.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { ObjectError } from './errors.ts';
import { createObjectStorage, type ObjectStorage } from './index.ts';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const alice = projectContext('p-alice', ['member']);
const aliceReader = projectContext('p-alice', ['reader'], 'u-alice-reader');
const bob = projectContext('p-bob', ['member']);

async function text(s: Readable | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s!) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

const kind = (k: string) => (err: unknown) => err instanceof ObjectError && err.kind === k;

describe('object layer', () => {
  let dir: string;
  let db: Db;
  let store: ObjectStorage;
  const key = new SealingKey(randomBytes(32));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sov-objects-'));
    db = await openDatabase(':memory:');
    store = createObjectStorage(db, { dir, masterKey: key, log: quiet });
    await store.start();
    store.stop();
  });
  after(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores objects encrypted: the files hold no plaintext, reads and ranges decrypt', async () => {
    await store.createBucket(alice, 'enc', {});
    const secret = 'sovereign-plaintext-marker '.repeat(10_000);
    const info = await store.putObject(alice, 'enc', 'doc.txt', Readable.from([Buffer.from(secret)]), { contentType: 'text/plain' });
    assert.equal(info.etag, createHash('md5').update(secret).digest('hex'));
    assert.equal(await text((await store.getObject(alice, 'enc', 'doc.txt', {})).body), secret);
    const ranged = await store.getObject(alice, 'enc', 'doc.txt', { range: { start: 65_530, end: 65_560 } });
    assert.deepEqual(ranged.range, { start: 65_530, end: 65_560 });
    assert.equal(await text(ranged.body), secret.slice(65_530, 65_561));
    assert.equal(await text((await store.getObject(alice, 'enc', 'doc.txt', { range: { suffix: 5 } })).body), secret.slice(-5));
    await assert.rejects(store.getObject(alice, 'enc', 'doc.txt', { range: { start: secret.length } }), kind('InvalidRange'));
    for (const sub of await readdir(join(dir, 'data'))) {
      for (const f of await readdir(join(dir, 'data', sub))) {
        assert.ok(!(await readFile(join(dir, 'data', sub, f))).includes('sovereign-plaintext-marker'), 'plaintext found on disk');
      }
    }
  });

  it('keeps objects of up to one package inline in the database, sealed like files', async () => {
    await store.createBucket(alice, 'inline', {});
    const files = async () => (await readdir(join(dir, 'data'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const before = await files();
    const marker = 'inline-plaintext-marker';
    const small = Buffer.from(marker.repeat(2000)).subarray(0, 64 * 1024);
    await store.putObject(alice, 'inline', 'small', Readable.from([small]), {});
    assert.equal(await files(), before, 'a small object wrote a file');
    const rows = await db.selectFrom('object_segments').select('data').where('data', 'is not', null).execute();
    assert.ok(rows.length > 0 && rows.every((r) => !r.data!.includes(marker)), 'inline data is sealed');
    assert.ok((await text((await store.getObject(alice, 'inline', 'small', { range: { start: 100, end: 130 } })).body)) === small.subarray(100, 131).toString());
    await store.putObject(alice, 'inline', 'one-more-byte', Readable.from([Buffer.alloc(64 * 1024 + 1, 1)]), {});
    assert.equal(await files(), before + 1);
  });

  it('keeps projects apart and lets readers only read', async () => {
    await store.createBucket(alice, 'alice-private', {});
    await store.putObject(alice, 'alice-private', 'k', Readable.from([Buffer.from('x')]), {});
    await assert.rejects(store.getObject(bob, 'alice-private', 'k', {}), kind('AccessDenied'));
    await assert.rejects(store.listObjects(bob, 'alice-private', { limit: 10 }), kind('AccessDenied'));
    await assert.rejects(store.putObject(bob, 'alice-private', 'k2', Readable.from([Buffer.from('x')]), {}), kind('AccessDenied'));
    await assert.rejects(store.getObject(null, 'alice-private', 'k', {}), kind('AccessDenied'));
    await assert.rejects(store.createBucket(bob, 'alice-private', {}), kind('BucketAlreadyExists'));
    await assert.rejects(store.createBucket(alice, 'alice-private', {}), kind('BucketAlreadyOwnedByYou'));
    assert.equal(await text((await store.getObject(aliceReader, 'alice-private', 'k', {})).body), 'x');
    await assert.rejects(store.putObject(aliceReader, 'alice-private', 'k', Readable.from([Buffer.from('y')]), {}), kind('AccessDenied'));
    await store.updateBucket(alice, 'alice-private', { acl: 'public-read' });
    assert.equal(await text((await store.getObject(null, 'alice-private', 'k', {})).body), 'x');
    await assert.rejects(store.putObject(null, 'alice-private', 'k', Readable.from([Buffer.from('y')]), {}), kind('AccessDenied'));
  });

  it('versions objects with delete markers and promotes the next version when one is removed', async () => {
    await store.createBucket(alice, 'ver', {});
    await store.updateBucket(alice, 'ver', { versioning: 'Enabled' });
    const v1 = await store.putObject(alice, 'ver', 'k', Readable.from([Buffer.from('one')]), {});
    const v2 = await store.putObject(alice, 'ver', 'k', Readable.from([Buffer.from('two')]), {});
    assert.notEqual(v1.versionId, v2.versionId);
    const del = await store.deleteObject(alice, 'ver', 'k', {});
    assert.equal(del.deleteMarker, true);
    await assert.rejects(store.getObject(alice, 'ver', 'k', {}), (e: unknown) => kind('NoSuchKey')(e) && (e as ObjectError).detail.deleteMarker === true);
    assert.equal(await text((await store.getObject(alice, 'ver', 'k', { versionId: v1.versionId! })).body), 'one');
    const versions = await store.listObjectVersions(alice, 'ver', { limit: 100 });
    assert.deepEqual(versions.versions.map((v) => [v.deleteMarker, v.isLatest]), [[true, true], [false, false], [false, false]]);
    await store.deleteObject(alice, 'ver', 'k', { versionId: del.versionId });
    assert.equal(await text((await store.getObject(alice, 'ver', 'k', {})).body), 'two');
    const page = await store.listObjectVersions(alice, 'ver', { limit: 1 });
    assert.equal(page.truncated, true);
    const rest = await store.listObjectVersions(alice, 'ver', { limit: 5, keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker });
    assert.deepEqual(rest.versions.map((v) => v.versionId), [v1.versionId]);
  });

  it('lists with prefixes, delimiters and pagination in byte order', async () => {
    await store.createBucket(alice, 'list', {});
    const keys = ['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'é', 'z'];
    for (const k of keys) await store.putObject(alice, 'list', k, Readable.from([Buffer.from(k)]), {});
    const top = await store.listObjects(alice, 'list', { delimiter: '/', limit: 1000 });
    assert.deepEqual(top.objects.map((o) => o.key), ['b', 'z', 'é']);
    assert.deepEqual(top.prefixes, ['a/', 'c/']);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.listObjects(alice, 'list', { delimiter: '/', limit: 2, after });
      seen.push(...page.prefixes, ...page.objects.map((o) => o.key));
      if (!page.truncated) break;
      after = page.next;
    }
    assert.deepEqual(seen.sort(), ['a/', 'b', 'c/', 'z', 'é'].sort());
    const under = await store.listObjects(alice, 'list', { prefix: 'c/', delimiter: '/', limit: 10 });
    assert.deepEqual([under.prefixes, under.objects.map((o) => o.key)], [['c/x/'], ['c/y']]);
  });

  it('assembles multipart uploads from their parts with S3 ETags and checks part rules', async () => {
    await store.createBucket(alice, 'multi', {});
    const up = await store.createUpload(alice, 'multi', 'big', { contentType: 'application/x-test' });
    const p1 = Buffer.alloc(5 * 1024 * 1024, 1);
    const p2 = Buffer.from('tail');
    const e1 = await store.uploadPart(alice, 'multi', 'big', up.uploadId, 1, Readable.from([p1]), {});
    const e2 = await store.uploadPart(alice, 'multi', 'big', up.uploadId, 2, Readable.from([p2]), {});
    await assert.rejects(store.completeUpload(alice, 'multi', 'big', up.uploadId, [{ partNumber: 2, etag: e2.etag }, { partNumber: 1, etag: e1.etag }], {}), kind('InvalidPartOrder'));
    await assert.rejects(store.completeUpload(alice, 'multi', 'big', up.uploadId, [{ partNumber: 1, etag: 'nope' }], {}), kind('InvalidPart'));
    const done = await store.completeUpload(alice, 'multi', 'big', up.uploadId, [{ partNumber: 1, etag: e1.etag }, { partNumber: 2, etag: e2.etag }], {});
    const expected = createHash('md5').update(Buffer.concat([Buffer.from(e1.etag, 'hex'), Buffer.from(e2.etag, 'hex')])).digest('hex');
    assert.equal(done.etag, `${expected}-2`);
    const got = await store.getObject(alice, 'multi', 'big', { range: { start: p1.length - 2, end: p1.length + 1 } });
    assert.deepEqual(Buffer.from(await text(got.body), 'latin1'), Buffer.from([1, 1, 0x74, 0x61]));
    assert.equal((await store.headObject(alice, 'multi', 'big', { partNumber: 2 })).range?.start, p1.length);
    await assert.rejects(store.listParts(alice, 'multi', 'big', up.uploadId, { limit: 10 }), kind('NoSuchUpload'));
  });

  it('encrypts SSE-C objects under the customer key and refuses any other', async () => {
    await store.createBucket(alice, 'ssec', {});
    const ck = randomBytes(32);
    const sse = { kind: 'C' as const, key: ck, keyMd5: createHash('md5').update(ck).digest('base64') };
    await store.putObject(alice, 'ssec', 'k', Readable.from([Buffer.from('classified')]), { sse });
    assert.equal(await text((await store.getObject(alice, 'ssec', 'k', { sseKey: sse })).body), 'classified');
    await assert.rejects(store.getObject(alice, 'ssec', 'k', {}), kind('InvalidRequest'));
    const other = randomBytes(32);
    await assert.rejects(store.getObject(alice, 'ssec', 'k', { sseKey: { key: other, keyMd5: createHash('md5').update(other).digest('base64') } }), kind('AccessDenied'));
  });

  it('refuses a write beyond the bucket quota and keeps the previous object', async () => {
    await store.createBucket(alice, 'quota', {});
    await store.updateBucket(alice, 'quota', { quota: { bytes: 10 } });
    await store.putObject(alice, 'quota', 'k', Readable.from([Buffer.from('12345')]), {});
    await assert.rejects(store.putObject(alice, 'quota', 'k2', Readable.from([Buffer.from('1234567')]), {}), kind('QuotaExceeded'));
    // Replacing an object counts its new size only.
    await store.putObject(alice, 'quota', 'k', Readable.from([Buffer.from('123456789')]), {});
    assert.equal((await store.getBucket(alice, 'quota')).bytesUsed, 9);
  });

  it('rejects a body that does not match its Content-MD5 and leaves nothing behind', async () => {
    await store.createBucket(alice, 'md5', {});
    await assert.rejects(store.putObject(alice, 'md5', 'k', Readable.from([Buffer.from('abc')]), { contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' }), kind('BadDigest'));
    await assert.rejects(store.headObject(alice, 'md5', 'k', {}), kind('NoSuchKey'));
  });

  it('finishes a GET that began before the object was overwritten and deleted, with the old data', async () => {
    await store.createBucket(alice, 'race', {});
    const files = async () => (await readdir(join(dir, 'data'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const settled = async (want: number) => {
      for (let i = 0; i < 100 && (await files()) !== want; i++) await new Promise((r) => setTimeout(r, 20));
      return files();
    };
    const base = await files();
    const old = Buffer.alloc(3 * 1024 * 1024, 7);
    await store.putObject(alice, 'race', 'k', Readable.from([old]), {});
    const reading = await store.getObject(alice, 'race', 'k', {});
    await store.putObject(alice, 'race', 'k', Readable.from([Buffer.from('new')]), {});
    await store.deleteObject(alice, 'race', 'k', {});
    assert.equal(await files(), base + 1, 'the data a GET still streams stays');
    const chunks: Buffer[] = [];
    for await (const c of reading.body!) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(old));
    assert.equal(await settled(base), base, 'the replaced data goes once its reader is done');
    // A reader that gives up before reading releases the data too.
    await store.putObject(alice, 'race', 'k', Readable.from([old]), {});
    const stale = await store.getObject(alice, 'race', 'k', {});
    await store.deleteObject(alice, 'race', 'k', {});
    stale.body!.destroy();
    assert.equal(await settled(base), base);
  });

  it('expires current objects and stale uploads by lifecycle rule, on day boundaries', async () => {
    const day = 300;
    const lc = createObjectStorage(db, { dir, masterKey: key, log: quiet, dayMs: day });
    await lc.createBucket(alice, 'lifecycle', {});
    await lc.putObject(alice, 'lifecycle', 'tmp/a', Readable.from([Buffer.from('a')]), {});
    await lc.putObject(alice, 'lifecycle', 'keep/b', Readable.from([Buffer.from('b')]), {});
    const upload = await lc.createUpload(alice, 'lifecycle', 'tmp/big', {});
    await lc.updateBucket(alice, 'lifecycle', { lifecycle: [{ status: 'Enabled', prefix: 'tmp/', expirationDays: 1, abortIncompleteUploadDays: 1 }] });
    const putAt = Date.now();
    await lc.start();
    try {
      const keys = async () => (await lc.listObjects(alice, 'lifecycle', { limit: 10 })).objects.map((o) => o.key);
      // Due at the first day boundary at least one day after the PUT (S3 rounds to midnight UTC).
      const due = Math.ceil((putAt + day) / day) * day;
      if (Date.now() < due - 50) assert.deepEqual(await keys(), ['keep/b', 'tmp/a']);
      for (let i = 0; i < 100 && (await keys()).length > 1; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await keys(), ['keep/b']);
      assert.ok(Date.now() >= due, 'expired before its day was over');
      const uploadGone = async () => lc.listParts(alice, 'lifecycle', 'tmp/big', upload.uploadId, { limit: 1 }).then(() => false, (e: unknown) => kind('NoSuchUpload')(e));
      for (let i = 0; i < 100 && !(await uploadGone()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await uploadGone(), 'the stale upload was not aborted');
    } finally {
      lc.stop();
    }
  });

  it('sweeps data files and temporaries no committed row refers to', async () => {
    await writeFile(join(dir, 'tmp', 'half-written'), 'x');
    const orphanDir = join(dir, 'data', 'ff');
    const orphan = join(orphanDir, 'ff00orphan');
    await import('node:fs/promises').then((fs) => fs.mkdir(orphanDir, { recursive: true }));
    await writeFile(orphan, 'x');
    const again = createObjectStorage(db, { dir, masterKey: key, log: quiet });
    await again.start();
    again.stop();
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    assert.ok(!(await readdir(orphanDir)).includes('ff00orphan'), 'the orphan survived the sweep');
    assert.equal(await text((await again.getObject(alice, 'enc', 'doc.txt', { range: { start: 0, end: 8 } })).body), 'sovereign');
  });
});
