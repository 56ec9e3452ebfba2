import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { http, startCloud, type AuthEnv, type CliResult, type Cloud } from './harness.ts';
import { projectMember } from './s3-clients.ts';

// Swift through the clients people use: python-swiftclient's `swift` (Debian's, by absolute path)
// and `openstack object|container`, plus plain HTTP where a client cannot express the case
// (temp URLs, paging by hand) and curl for an anonymous reader. Cases run in order and build on each other.

const SWIFT = '/usr/bin/swift';
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

function swift(auth: AuthEnv, args: string[], cwd: string): Promise<CliResult> {
  const env = { PATH: '/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8', OS_IDENTITY_API_VERSION: '3', OS_AUTH_VERSION: '3', ...auth };
  return new Promise((resolve, reject) => {
    execFile(SWIFT, args, { env, cwd, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`swift ${args.join(' ')} did not run: ${error.message}`, { cause: error }));
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/curl', args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`curl failed: ${stderr}`, { cause: error })) : resolve(stdout)));
  });
}

describe('Swift API with python-swiftclient and the openstack CLI', () => {
  let cloud: Cloud;
  let work: string;
  let alice: AuthEnv;
  let bob: AuthEnv;
  let storageUrl: string;
  let token: string;
  const ok = async (auth: AuthEnv, args: string[]) => {
    const r = await swift(auth, args, work);
    assert.equal(r.code, 0, `swift ${args.join(' ')} exited ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
    return r.stdout;
  };
  const lines = (text: string) => text.split('\n').filter(Boolean);

  before(async () => {
    cloud = await startCloud(['--no-project-defaults']);
    work = await mkdtemp(join(tmpdir(), 'sovcloud-swift-'));
    alice = (await projectMember(cloud, 'swift-alice')).auth;
    bob = (await projectMember(cloud, 'swift-bob')).auth;
  });
  after(async () => {
    await cloud?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('authenticates through Keystone to the account the catalog names', async () => {
    const auth = await ok(alice, ['auth']);
    storageUrl = /OS_STORAGE_URL=(\S+)/.exec(auth)![1]!;
    token = /OS_AUTH_TOKEN=(\S+)/.exec(auth)![1]!;
    assert.match(storageUrl, new RegExp(`^${cloud.objectUrl}/swift/v1/AUTH_[0-9a-f]{32}$`));
    const stat = await ok(alice, ['stat']);
    assert.match(stat, /Containers: 0/);
    assert.match(stat, /X-Trans-Id: tx[0-9a-f]{21}-[0-9a-f]{10}/);
    // swiftclient reads capabilities at the root of the storage URL's host, as tempest does.
    const caps = await ok(alice, ['capabilities']);
    assert.match(caps, /^Core: swift$/m);
    assert.match(caps, /^Additional middleware: slo$/m);
  });

  it('uploads, lists with delimiters across pages, and downloads byte for byte', async () => {
    const file = join(work, 'report.bin');
    const data = randomBytes(200_000);
    await writeFile(file, data);
    await ok(alice, ['upload', '--object-name', 'docs/2026/report.bin', '-H', 'X-Object-Meta-Color:blue', 'files', file]);
    for (let i = 0; i < 12; i++) await http(`${storageUrl}/files/docs/${i < 6 ? '2025' : 'misc'}/n${String(i).padStart(2, '0')}`, 'PUT', { headers: { 'X-Auth-Token': token }, rawBody: `n${i}` });
    assert.deepEqual(lines(await ok(alice, ['list', 'files', '--prefix', 'docs/', '--delimiter', '/'])), ['docs/2025/', 'docs/2026/', 'docs/misc/']);
    assert.equal(lines(await ok(alice, ['list', 'files'])).length, 13);
    // Paged by hand, two entries a page, as clients page.
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const page = await http(`${storageUrl}/files?format=json&prefix=docs/misc/&limit=2&marker=${encodeURIComponent(marker)}`, 'GET', { headers: { 'X-Auth-Token': token } });
      if (page.status === 204 || !page.body.length) break;
      seen.push(...(page.body as { name: string }[]).map((o) => o.name));
      marker = seen.at(-1)!;
    }
    assert.deepEqual(seen, [6, 7, 8, 9, 10, 11].map((i) => `docs/misc/n${String(i).padStart(2, '0')}`));
    const saved = join(work, 'saved.bin');
    await ok(alice, ['download', '--output', saved, 'files', 'docs/2026/report.bin']);
    assert.equal(md5(await readFile(saved)), md5(data));
    const stat = await ok(alice, ['stat', 'files', 'docs/2026/report.bin']);
    assert.match(stat, /Meta Color: blue/);
    assert.match(stat, new RegExp(`ETag: ${md5(data)}`));
  });

  it('sets metadata and copies objects, server side', async () => {
    await ok(alice, ['post', '-m', 'Reviewed:yes', 'files', 'docs/2026/report.bin']);
    await ok(alice, ['copy', '--destination', '/archive/report-copy.bin', 'files', 'docs/2026/report.bin']);
    const shown = await cloud.osJson<{ properties: Record<string, string>; etag: string }>(alice, ['object', 'show', 'archive', 'report-copy.bin']);
    assert.deepEqual(shown.properties, { reviewed: 'yes' });
    const original = await cloud.osJson<{ etag: string }>(alice, ['object', 'show', 'files', 'docs/2026/report.bin']);
    assert.equal(shown.etag, original.etag);
    const copy = await http(`${storageUrl}/files/docs/2026/report.bin`, 'COPY', { headers: { 'X-Auth-Token': token, Destination: 'archive/via-copy-method.bin' } });
    assert.equal(copy.status, 201);
    assert.equal(copy.headers.get('x-copied-from'), 'files/docs/2026/report.bin');
  });

  it('round-trips a dynamic and a static large object and deletes their segments with them', async () => {
    const file = join(work, 'big.bin');
    const data = randomBytes(3 * 1024 * 1024 + 123);
    await writeFile(file, data);
    await ok(alice, ['upload', '--segment-size', '1048576', '--object-name', 'big.dlo', 'media', file]);
    await ok(alice, ['upload', '--use-slo', '--segment-size', '1048576', '--object-name', 'big.slo', 'media', file]);
    assert.equal(lines(await ok(alice, ['list', 'media_segments'])).length, 8);
    const dlo = await ok(alice, ['stat', 'media', 'big.dlo']);
    assert.match(dlo, /Manifest: media_segments\/big.dlo\//);
    const slo = await ok(alice, ['stat', 'media', 'big.slo']);
    assert.match(slo, /X-Static-Large-Object: True/);
    assert.match(slo, new RegExp(`Content Length: ${data.length}`));
    for (const name of ['big.dlo', 'big.slo']) {
      const saved = join(work, `saved-${name}`);
      await ok(alice, ['download', '--output', saved, 'media', name]);
      assert.equal(md5(await readFile(saved)), md5(data), name);
    }
    // Across the first two segments (in swiftclient's default `<container>_segments`, a Swift-only name).
    const ranged = await fetch(`${storageUrl}/media/big.slo`, { headers: { 'X-Auth-Token': token, Range: 'bytes=1048570-1048585' } });
    assert.equal(ranged.status, 206);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), data.subarray(1048570, 1048586));
    await ok(alice, ['delete', 'media', 'big.slo']);
    await ok(alice, ['delete', 'media', 'big.dlo']);
    assert.deepEqual(lines(await ok(alice, ['list', 'media_segments'])), []);
  });

  it('opens a container to anonymous readers with its read ACL, listings only with .rlistings', async () => {
    await ok(alice, ['upload', '--object-name', 'index.html', 'www', join(work, 'report.bin')]);
    assert.equal((await http(`${storageUrl}/www/index.html`, 'GET')).status, 401);
    await ok(alice, ['post', '-r', '.r:*', 'www']);
    const saved = join(work, 'anonymous.bin');
    const status = await curl(['--silent', '--output', saved, '--write-out', '%{http_code}', `${storageUrl}/www/index.html`]);
    assert.equal(status, '200');
    assert.equal(md5(await readFile(saved)), md5(await readFile(join(work, 'report.bin'))));
    const listing = await http(`${storageUrl}/www`, 'GET');
    assert.equal(listing.status, 401);
    assert.equal(listing.headers.get('www-authenticate'), `Swift realm="${storageUrl.split('/').pop()}"`);
    await ok(alice, ['post', '-r', '.r:*,.rlistings', 'www']);
    assert.equal((await http(`${storageUrl}/www`, 'GET', { headers: { Accept: 'text/plain' } })).text, 'index.html\n');
    assert.equal((await http(`${storageUrl}/www/index.html`, 'PUT', { rawBody: 'defaced' })).status, 401);
  });

  it('serves temp URLs made by `swift tempurl` for GET and PUT, and nothing else', async () => {
    await ok(alice, ['post', '-m', 'Temp-URL-Key:tempurl-secret']);
    const path = new URL(storageUrl).pathname;
    const get = (await ok(alice, ['tempurl', 'GET', '300', `${path}/files/docs/2026/report.bin`, 'tempurl-secret'])).trim();
    const res = await fetch(`${cloud.objectUrl}${get}`);
    assert.equal(res.status, 200);
    assert.equal(md5(Buffer.from(await res.arrayBuffer())), md5(await readFile(join(work, 'report.bin'))));
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="report.bin"; filename*=UTF-8\'\'report.bin');
    const put = (await ok(alice, ['tempurl', '--digest', 'sha512', 'PUT', '300', `${path}/files/uploads/from-temp-url.txt`, 'tempurl-secret'])).trim();
    assert.equal((await fetch(`${cloud.objectUrl}${put}`, { method: 'PUT', body: 'dropped off' })).status, 201);
    assert.equal(await (await fetch(`${storageUrl}/files/uploads/from-temp-url.txt`, { headers: { 'X-Auth-Token': token } })).text(), 'dropped off');
    const denied = await fetch(`${cloud.objectUrl}${get}`, { method: 'DELETE' });
    assert.equal(denied.status, 401);
    assert.equal(await denied.text(), '401 Unauthorized: Temp URL invalid\n');
  });

  it('never lets one project\'s token reach another project\'s containers', async () => {
    const asBob = ['--os-storage-url', storageUrl];
    const list = await swift(bob, [...asBob, 'list', 'files'], work);
    assert.notEqual(list.code, 0);
    assert.match(list.stderr, /403 Forbidden/);
    const download = await swift(bob, [...asBob, 'download', '--output', '-', 'files', 'docs/2026/report.bin'], work);
    assert.notEqual(download.code, 0);
    const bobToken = /OS_AUTH_TOKEN=(\S+)/.exec(await ok(bob, ['auth']))![1]!;
    for (const [method, suffix] of [['GET', ''], ['HEAD', '/files'], ['PUT', '/files/intruder'], ['DELETE', '/files/docs/2026/report.bin'], ['POST', '/files']] as const) {
      assert.equal((await http(`${storageUrl}${suffix}`, method, { headers: { 'X-Auth-Token': bobToken }, rawBody: method === 'PUT' ? 'x' : undefined })).status, 403, `${method} ${suffix}`);
    }
    assert.equal((await swift(bob, ['post', 'files'], work)).code, 1, 'the container name is taken, in every account');
    assert.deepEqual(lines(await ok(bob, ['list'])), []);
  });

  it('works with `openstack container` and `openstack object`', async () => {
    const file = join(work, 'note.txt');
    await writeFile(file, 'a note\n');
    await cloud.osJson(alice, ['container', 'create', 'osc-notes']);
    const created = await cloud.osJson<{ object: string; etag: string }[]>(alice, ['object', 'create', '--name', 'note.txt', 'osc-notes', file]);
    assert.equal(created[0]!.etag, md5('a note\n'));
    const names = (await cloud.osJson<{ Name: string }[]>(alice, ['object', 'list', 'osc-notes'])).map((o) => o.Name);
    assert.deepEqual(names, ['note.txt']);
    const r = await cloud.os(alice, ['object', 'save', '--file', join(work, 'note-saved.txt'), 'osc-notes', 'note.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(work, 'note-saved.txt'), 'utf8'), 'a note\n');
    assert.equal((await cloud.os(alice, ['container', 'set', '--property', 'team=ops', 'osc-notes'])).code, 0);
    assert.deepEqual((await cloud.osJson<{ properties: Record<string, string> }>(alice, ['container', 'show', 'osc-notes'])).properties, { team: 'ops' });
    assert.notEqual((await cloud.os(alice, ['container', 'delete', 'osc-notes'])).code, 0, 'a container with objects is not deleted');
    assert.equal((await cloud.os(alice, ['object', 'delete', 'osc-notes', 'note.txt'])).code, 0);
    assert.equal((await cloud.os(alice, ['container', 'delete', 'osc-notes'])).code, 0);
    const account = await cloud.osJson<{ Containers: string }>(alice, ['object', 'store', 'account', 'show']);
    assert.equal(account.Containers, String(lines(await ok(alice, ['list'])).length));
  });
});
