import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type ApiResponse, type AuthEnv, type Cloud } from './harness.ts';

// Cases run in file order and share what they create (one CLI call costs 1-2 s of Python start-up).
// A case that needs an object from an earlier one says so through `need`.

let cloud: Cloud;
let work: string;
let imagesDir: string;
let adminToken: string;
let demoToken: string;
let bob: AuthEnv;

const files: { qcow2?: string; raw?: string } = {};
const state: { qcow2Id?: string; rawId?: string; privateId?: string; sharedId?: string } = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

function api(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token !== undefined) headers['X-Auth-Token'] = o.token;
  return http(`${cloud.url}${path}`, method, { headers, body: o.body });
}

async function issueToken(user: string, password: string, project: string): Promise<string> {
  const res = await api('POST', '/identity/v3/auth/tokens', {
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  });
  assert.equal(res.status, 201, res.text);
  return res.headers.get('x-subject-token')!;
}

function assertGlanceError(res: ApiResponse, code: number, pattern?: RegExp): void {
  assert.equal(res.status, code, `expected HTTP ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.body?.code, `${code} ${res.body?.title}`, `webob JSON error body: ${res.text}`);
  assert.equal(typeof res.body?.message, 'string', res.text);
  if (pattern) assert.match(res.body.message, pattern);
}

async function imageFiles(): Promise<string[]> {
  const top = existsSync(imagesDir) ? await readdir(imagesDir) : [];
  const staged = existsSync(join(imagesDir, 'staging')) ? await readdir(join(imagesDir, 'staging')) : [];
  return [...top.filter((n) => n !== 'staging'), ...staged.map((n) => `staging/${n}`)];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function imageStatus(id: string): Promise<string> {
  const res = await api('GET', `/image/v2/images/${id}`, { token: adminToken });
  assert.equal(res.status, 200, res.text);
  return res.body.status;
}

async function createQueued(name: string, diskFormat = 'raw'): Promise<string> {
  const res = await api('POST', '/image/v2/images', { token: adminToken, body: { name, disk_format: diskFormat, container_format: 'bare' } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

/** Starts a raw upload that announces `total` bytes and sends only `sent` of them, keeping the socket open. */
function partialUpload(id: string, total: number, sent: number): ClientRequest {
  const req = request(`${cloud.url}/image/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': adminToken, 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) },
  });
  req.on('error', () => {}); // the socket is destroyed on purpose
  req.write(randomBytes(sent));
  return req;
}

before(async () => {
  cloud = await startCloud();
  imagesDir = join(cloud.stateDir, 'images');
  work = await mkdtemp(join(tmpdir(), 'sovcloud-image-e2e-'));
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds;
  adminToken = await issueToken('admin', clouds['sovcloud-admin'].auth.password, 'admin');
  demoToken = await issueToken('demo', clouds['sovcloud-demo'].auth.password, 'demo');

  // A small real qcow2 with data in it, and random raw bytes.
  files.qcow2 = join(work, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-f', 'qcow2', files.qcow2, '64M'], { stdio: 'ignore' });
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 0 1M', '-c', 'write -P 0x5c 32M 512k', files.qcow2], { stdio: 'ignore' });
  files.raw = join(work, 'disk.raw');
  await writeFile(files.raw, randomBytes(3 * 1024 * 1024 + 123));
});

after(async () => {
  try {
    if (cloud) await cloud.stop();
  } finally {
    if (cloud) await rm(cloud.stateDir, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  }
});

test('version discovery, catalog entry, schemas and import info', async () => {
  const root = await api('GET', '/image/');
  assert.equal(root.status, 300, root.text);
  const current = root.body.versions.find((v: any) => v.status === 'CURRENT');
  assert.match(current.id, /^v2\.\d+$/);
  assert.equal(current.links[0].href, `${cloud.url}/image/v2/`);
  assert.equal((await api('GET', '/image/versions')).status, 200);

  const catalog = await cloud.osJson('sovcloud-admin', ['catalog', 'list']);
  const glance = catalog.find((s: any) => s.Type === 'image');
  assert.equal(glance?.Name, 'glance', JSON.stringify(catalog));

  const schema = await api('GET', '/image/v2/schemas/image', { token: demoToken });
  assert.equal(schema.status, 200, schema.text);
  assert.deepEqual(schema.body.additionalProperties, { type: 'string' });
  assert.ok(schema.body.properties.os_hash_value && schema.body.properties.visibility.enum.includes('community'));
  for (const name of ['images', 'member', 'members']) assert.equal((await api('GET', `/image/v2/schemas/${name}`, { token: demoToken })).status, 200, name);
  const info = await api('GET', '/image/v2/info/import', { token: demoToken });
  assert.deepEqual(info.body['import-methods'].value, ['glance-direct', 'web-download']);
});

test('errors come in Glance\'s webob format, 404 for an unknown image', async () => {
  const missing = '00000000-0000-4000-8000-000000000000';
  assertGlanceError(await api('GET', `/image/v2/images/${missing}`, { token: demoToken }), 404, /No image found/);
  const html = await api('GET', `/image/v2/images/${missing}`, { token: demoToken, headers: { Accept: '*/*' } });
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  assert.match(html.text, /<h1>404 Not Found<\/h1>/);
  const unauth = await api('GET', '/image/v2/images');
  assert.equal(unauth.status, 401);
  assert.match(unauth.headers.get('www-authenticate') ?? '', /^Keystone uri=/);
  const patch = await api('PATCH', `/image/v2/images/${missing}`, { token: demoToken, body: [] });
  assert.equal(patch.status, 415);
  assert.match(patch.headers.get('accept-patch') ?? '', /openstack-images-v2.1-json-patch/);
});

test('a qcow2 uploaded with openstack image create is active with size, md5, sha512 and virtual size', async () => {
  const file = need(files.qcow2, 'the qcow2 file');
  await cloud.osJson('sovcloud-admin', ['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare',
    '--property', 'os_distro=debian', '--property', 'architecture=x86_64', 'e2e-qcow2']);
  const shown = await cloud.osJson('sovcloud-admin', ['image', 'show', 'e2e-qcow2']);
  const bytes = await readFile(file);
  assert.equal(shown.status, 'active');
  assert.equal(shown.size, bytes.length);
  assert.equal(shown.checksum, md5(bytes));
  assert.equal(shown.virtual_size, 64 * 1024 * 1024);
  assert.equal(shown.visibility, 'shared');
  assert.match(shown.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(shown.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  state.qcow2Id = shown.id;

  const raw = await api('GET', `/image/v2/images/${shown.id}`, { token: adminToken });
  assert.equal(raw.body.os_hash_algo, 'sha512');
  assert.equal(raw.body.os_hash_value, sha512(bytes));
  assert.equal(raw.body.os_distro, 'debian');
  assert.equal(raw.body.architecture, 'x86_64');
  assert.equal(raw.body.self, `/v2/images/${shown.id}`);
  assert.equal(raw.body.file, `/v2/images/${shown.id}/file`);
  assert.equal(raw.body.schema, '/v2/schemas/image');
  assert.ok((await readFile(join(imagesDir, shown.id))).equals(bytes), 'the stored file holds the uploaded bytes');
});

test('a raw image round-trips byte for byte through openstack image save', async () => {
  const file = need(files.raw, 'the raw file');
  const created = await cloud.osJson('sovcloud-admin', ['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', 'e2e-raw']);
  state.rawId = created.id;
  const out = join(work, 'saved.raw');
  const save = await cloud.os('sovcloud-admin', ['image', 'save', '--file', out, 'e2e-raw']);
  assert.equal(save.code, 0, save.stderr);
  const [original, saved] = [await readFile(file), await readFile(out)];
  assert.ok(saved.equals(original), 'saved bytes equal the uploaded ones');
  assert.equal(sha512(saved), sha512(original));
  const shown = await cloud.osJson('sovcloud-admin', ['image', 'show', 'e2e-raw']);
  assert.equal(shown.virtual_size, original.length);

  const res = await fetch(`${cloud.url}/image/v2/images/${created.id}/file`, { headers: { 'X-Auth-Token': adminToken } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-md5'), md5(original));
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(original));
  const empty = await createQueued('no-data-yet');
  assert.equal((await api('GET', `/image/v2/images/${empty}/file`, { token: adminToken })).status, 204);
  assert.equal((await api('DELETE', `/image/v2/images/${empty}`, { token: adminToken })).status, 204);
});

test('image set and unset change properties, tags and attributes through JSON patch', async () => {
  need(state.qcow2Id, 'the qcow2 image');
  const set = await cloud.os('sovcloud-admin', ['image', 'set', '--property', 'hw_disk_bus=virtio', '--tag', 'scs', '--min-disk', '1', 'e2e-qcow2']);
  assert.equal(set.code, 0, set.stderr);
  let raw = (await api('GET', `/image/v2/images/${state.qcow2Id}`, { token: adminToken })).body;
  assert.equal(raw.hw_disk_bus, 'virtio');
  assert.deepEqual(raw.tags, ['scs']);
  assert.equal(raw.min_disk, 1);
  const unset = await cloud.os('sovcloud-admin', ['image', 'unset', '--property', 'hw_disk_bus', '--tag', 'scs', 'e2e-qcow2']);
  assert.equal(unset.code, 0, unset.stderr);
  raw = (await api('GET', `/image/v2/images/${state.qcow2Id}`, { token: adminToken })).body;
  assert.equal(raw.hw_disk_bus, undefined);
  assert.deepEqual(raw.tags, []);

  const patch = (body: unknown) => api('PATCH', `/image/v2/images/${state.qcow2Id}`, {
    token: adminToken, body, headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
  });
  assertGlanceError(await patch([{ op: 'replace', path: '/status', value: 'active' }]), 403, /read-only/);
  assertGlanceError(await patch([{ op: 'replace', path: '/nope', value: 'x' }]), 409, /does not exist/);
  assertGlanceError(await patch([{ op: 'replace', path: '/disk_format', value: 'raw' }]), 403, /queued image/);
  assert.equal((await api('PUT', `/image/v2/images/${state.qcow2Id}/tags/gold`, { token: adminToken })).status, 204);
  assert.equal((await api('DELETE', `/image/v2/images/${state.qcow2Id}/tags/gold`, { token: adminToken })).status, 204);
  assertGlanceError(await api('DELETE', `/image/v2/images/${state.qcow2Id}/tags/gold`, { token: adminToken }), 404);
});

test('list filters, sorting and limit/marker paging with a next link', async () => {
  const [qcow2Id, rawId] = [need(state.qcow2Id, 'the qcow2 image'), need(state.rawId, 'the raw image')];
  // Only this test's (shared) images: the cloud also registers its public guest image at start.
  const list = async (query: string) => {
    const res = await api('GET', `/image/v2/images?${query}&visibility=shared`, { token: adminToken });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const first = await list('limit=1&sort=name:asc');
  assert.deepEqual(first.images.map((i: any) => i.id), [qcow2Id]);
  assert.match(first.next, /^\/v2\/images\?.*marker=/);
  const second = (await api('GET', `/image${first.next}`, { token: adminToken })).body;
  assert.deepEqual(second.images.map((i: any) => i.id), [rawId]);
  assert.equal(second.next, undefined);

  const ids = async (query: string) => (await list(query)).images.map((i: any) => i.id);
  assert.deepEqual(await ids('os_distro=debian'), [qcow2Id]);
  assert.deepEqual(await ids('disk_format=in:raw,vmdk'), [rawId]);
  assert.deepEqual(await ids(`size_min=${3 * 1024 * 1024}`), [rawId]);
  assert.deepEqual(await ids('sort_key=size&sort_dir=asc'), [qcow2Id, rawId]);
  assert.deepEqual(await ids('created_at=gt:2000-01-01T00:00:00Z&sort=name:desc'), [rawId, qcow2Id]);
  assert.deepEqual(await ids('status=queued'), []);
  assertGlanceError(await api('GET', '/image/v2/images?sort_key=owner', { token: adminToken }), 400);
});

test('a member cannot create a public image', async () => {
  const stderr = await cloud.osFail('sovcloud-demo', ['image', 'create', '--public', '--disk-format', 'raw', 'e2e-demo-public']);
  assert.match(stderr, /403/);
  assertGlanceError(await api('POST', '/image/v2/images', { token: demoToken, body: { name: 'x', visibility: 'public' } }), 403, /publicize_image/);
  const mine = await api('POST', '/image/v2/images', { token: demoToken, body: { name: 'demo-own' } });
  assert.equal(mine.status, 201, mine.text);
  assert.equal((await api('DELETE', `/image/v2/images/${mine.body.id}`, { token: demoToken })).status, 204);
});

test('a tenant never sees another project\'s private image', async () => {
  // Without --file the CLI would read image data from its standard input.
  const file = need(files.raw, 'the raw file');
  const created = await cloud.osJson('sovcloud-admin', ['image', 'create', '--private', '--file', file, '--disk-format', 'raw', 'e2e-private']);
  state.privateId = created.id;
  await cloud.osFail('sovcloud-demo', ['image', 'show', created.id]);
  await cloud.osFail('sovcloud-demo', ['image', 'show', 'e2e-private']);
  const listed = await cloud.osJson('sovcloud-demo', ['image', 'list']);
  assert.ok(!listed.some((r: any) => r.ID === created.id), JSON.stringify(listed));
  assertGlanceError(await api('GET', `/image/v2/images/${created.id}`, { token: demoToken }), 404);
  assertGlanceError(await api('DELETE', `/image/v2/images/${created.id}`, { token: demoToken }), 404);
});

test('Range downloads serve exact slices with 206, a range past the end is a 416, and isolation still holds', async () => {
  const id = need(state.rawId, 'the raw image');
  const original = await readFile(need(files.raw, 'the raw file'));
  const size = original.length;
  const ranged = async (range: string, token = adminToken) =>
    fetch(`${cloud.url}/image/v2/images/${id}/file`, { headers: { 'X-Auth-Token': token, Range: range } });
  for (const [range, start, end] of [['bytes=10-19', 10, 19], ['bytes=-5', size - 5, size - 1], ['bytes=100-', 100, size - 1]] as const) {
    const res = await ranged(range);
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
    assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream', range);
    // Glance sends the whole image's md5 on partial answers too.
    assert.equal(res.headers.get('content-md5'), md5(original), range);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(original.subarray(start, end + 1)), `${range} serves the source slice`);
  }
  const clamped = await ranged(`bytes=${size - 3}-${size + 1000}`);
  assert.equal(clamped.headers.get('content-range'), `bytes ${size - 3}-${size - 1}/${size}`);
  assert.ok(Buffer.from(await clamped.arrayBuffer()).equals(original.subarray(size - 3)));

  const past = await api('GET', `/image/v2/images/${id}/file`, { token: adminToken, headers: { Range: `bytes=${size}-` } });
  assertGlanceError(past, 416, new RegExp(`Start position MUST be in the inclusive range \\[0, ${size - 1}\\]`));
  assert.equal(past.body.title, 'Request Range Not Satisfiable');
  assert.equal(past.headers.get('content-range'), `bytes */${size}`);
  assertGlanceError(await api('GET', `/image/v2/images/${id}/file`, { token: adminToken, headers: { Range: 'bytes=19-10' } }), 416, /Invalid Range header/);
  assertGlanceError(await api('GET', `/image/v2/images/${id}/file`, { token: adminToken, headers: { Range: 'bytes=0-1,5-6' } }), 400, /multiple ranges/);
  const legacy = await fetch(`${cloud.url}/image/v2/images/${id}/file`, { headers: { 'X-Auth-Token': adminToken, 'Content-Range': `bytes 3-10/${size}` } });
  assert.equal(legacy.status, 206);
  assert.ok(Buffer.from(await legacy.arrayBuffer()).equals(original.subarray(3, 11)), 'Content-Range in the request still selects bytes');

  const privateId = need(state.privateId, 'the private image');
  for (const range of ['bytes=10-19', `bytes=${size}-`, 'bytes=0-1,5-6']) {
    assertGlanceError(await api('GET', `/image/v2/images/${privateId}/file`, { token: demoToken, headers: { Range: range } }), 404);
  }
  const own = await fetch(`${cloud.url}/image/v2/images/${privateId}/file`, { headers: { 'X-Auth-Token': adminToken, Range: 'bytes=-5' } });
  assert.equal(own.status, 206);
  assert.ok(Buffer.from(await own.arrayBuffer()).equals(original.subarray(size - 5)));
});

test('sharing an image with another project: add the project, the member accepts, then sees and downloads it', async () => {
  const file = need(files.raw, 'the raw file');
  const project = await cloud.osJson('sovcloud-admin', ['project', 'create', 'image-b']);
  await cloud.osJson('sovcloud-admin', ['user', 'create', '--project', 'image-b', '--password', 'bob-secret-1', 'image-bob']);
  const grant = await cloud.os('sovcloud-admin', ['role', 'add', '--user', 'image-bob', '--project', 'image-b', 'member']);
  assert.equal(grant.code, 0, grant.stderr);
  bob = {
    OS_AUTH_TYPE: 'password', OS_AUTH_URL: `${cloud.url}/identity/v3`, OS_USERNAME: 'image-bob', OS_PASSWORD: 'bob-secret-1',
    OS_PROJECT_NAME: 'image-b', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default',
  };

  const shared = await cloud.osJson('sovcloud-admin', ['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', 'e2e-shared']);
  state.sharedId = shared.id;
  const member = await cloud.osJson('sovcloud-admin', ['image', 'add', 'project', 'e2e-shared', 'image-b']);
  assert.equal(member.status, 'pending');
  const before = await cloud.osJson(bob, ['image', 'list']);
  assert.ok(!before.some((r: any) => r.ID === shared.id), 'a pending share is not listed');

  const accept = await cloud.os(bob, ['image', 'set', '--accept', shared.id]);
  assert.equal(accept.code, 0, accept.stderr);
  const after = await cloud.osJson(bob, ['image', 'list']);
  assert.ok(after.some((r: any) => r.ID === shared.id), `accepted share listed: ${JSON.stringify(after)}`);
  const members = await cloud.osJson('sovcloud-admin', ['image', 'member', 'list', 'e2e-shared']);
  assert.deepEqual(members.map((m: any) => m.Status), ['accepted']);

  const out = join(work, 'bob.raw');
  const save = await cloud.os(bob, ['image', 'save', '--file', out, shared.id]);
  assert.equal(save.code, 0, save.stderr);
  assert.ok((await readFile(out)).equals(await readFile(file)));
  await cloud.osFail('sovcloud-demo', ['image', 'show', shared.id]);

  // Only the owner (or an admin) manages members, and a member sees only its own membership.
  const bobToken = await issueToken('image-bob', 'bob-secret-1', 'image-b');
  assertGlanceError(await api('DELETE', `/image/v2/images/${shared.id}/members/${project.id}`, { token: bobToken }), 403);
  assertGlanceError(await api('POST', `/image/v2/images/${shared.id}/members`, { token: adminToken, body: { member: project.id } }), 409);
  const own = await api('GET', `/image/v2/images/${shared.id}/members`, { token: bobToken });
  assert.deepEqual(own.body.members.map((m: any) => m.member_id), [project.id]);
});

test('glance-direct import through openstack image create --import', async () => {
  const file = need(files.qcow2, 'the qcow2 file');
  const created = await cloud.osJson('sovcloud-admin', ['image', 'create', '--import', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', 'e2e-imported']);
  const status = await waitFor('the import to finish', async () => {
    const s = await imageStatus(created.id);
    return s === 'importing' || s === 'uploading' ? undefined : s;
  });
  assert.equal(status, 'active');
  const shown = await cloud.osJson('sovcloud-admin', ['image', 'show', created.id]);
  assert.equal(shown.checksum, md5(await readFile(file)));
  assert.equal(shown.virtual_size, 64 * 1024 * 1024);
  assert.ok(!(await imageFiles()).some((f) => f.startsWith('staging/')), 'staging area is empty after import');
});

test('web-download fails with a clear error and never fetches', async () => {
  const id = await createQueued('e2e-web');
  const res = await api('POST', `/image/v2/images/${id}/import`, {
    token: adminToken, body: { method: { name: 'web-download', uri: 'http://192.0.2.1/cirros.img' } },
  });
  assertGlanceError(res, 400, /does not pass filtering.*remote addresses/);
  assert.equal(await imageStatus(id), 'queued');
  assert.equal((await api('DELETE', `/image/v2/images/${id}`, { token: adminToken })).status, 204);
});

test('deactivate and reactivate', async () => {
  const id = need(state.sharedId, 'the shared image');
  assert.equal((await cloud.os('sovcloud-admin', ['image', 'set', '--deactivate', id])).code, 0);
  assert.equal(await imageStatus(id), 'deactivated');
  assert.notEqual((await cloud.os(bob, ['image', 'save', '--file', join(work, 'x'), id])).code, 0, 'no download while deactivated');
  assert.equal((await cloud.os('sovcloud-admin', ['image', 'set', '--activate', id])).code, 0);
  assert.equal(await imageStatus(id), 'active');
});

test('deleting an image removes its file; a protected one is refused', async () => {
  const id = need(state.qcow2Id, 'the qcow2 image');
  assert.ok(existsSync(join(imagesDir, id)));
  assert.equal((await cloud.os('sovcloud-admin', ['image', 'set', '--protected', id])).code, 0);
  assert.match(await cloud.osFail('sovcloud-admin', ['image', 'delete', id]), /protected|403/);
  assert.equal((await cloud.os('sovcloud-admin', ['image', 'set', '--unprotected', id])).code, 0);
  const del = await cloud.os('sovcloud-admin', ['image', 'delete', id]);
  assert.equal(del.code, 0, del.stderr);
  assert.ok(!(await imageFiles()).some((f) => f.includes(id)), 'no file of the deleted image is left');
  assertGlanceError(await api('GET', `/image/v2/images/${id}`, { token: adminToken }), 404);
});

test('an upload cut off mid-body leaves a queued, deletable image and no file', async () => {
  const id = await createQueued('e2e-cut');
  const req = partialUpload(id, 8 * 1024 * 1024, 1024 * 1024);
  await waitFor('the upload to start saving', async () => ((await imageStatus(id)) === 'saving' ? true : undefined));
  req.destroy();
  assert.equal(await waitFor('the image to go back to queued', async () => {
    const s = await imageStatus(id);
    return s === 'saving' ? undefined : s;
  }), 'queued');
  assert.ok(!(await imageFiles()).some((f) => f.includes(id)), `no file left for ${id}: ${await imageFiles()}`);
  assert.equal((await api('DELETE', `/image/v2/images/${id}`, { token: adminToken })).status, 204);
});

test('a server killed mid-upload comes back with the image queued, deletable, and no temporary file', async () => {
  const id = await createQueued('e2e-killed');
  const req = partialUpload(id, 64 * 1024 * 1024, 2 * 1024 * 1024);
  await waitFor('a temporary file of the upload', async () => ((await imageFiles()).some((f) => f.startsWith(id) && f.endsWith('.part')) ? true : undefined));
  assert.equal(await imageStatus(id), 'saving');
  await cloud.crash();
  req.destroy();
  await cloud.restart();
  assert.equal(await imageStatus(id), 'queued');
  assert.ok(!(await imageFiles()).some((f) => f.includes(id)), `no file left for ${id}: ${await imageFiles()}`);
  assert.equal((await api('DELETE', `/image/v2/images/${id}`, { token: adminToken })).status, 204);
  // Data that survived the crash still serves.
  const rawId = need(state.rawId, 'the raw image');
  assert.equal(await imageStatus(rawId), 'active');
  const res = await fetch(`${cloud.url}/image/v2/images/${rawId}/file`, { headers: { 'X-Auth-Token': adminToken } });
  assert.equal(md5(Buffer.from(await res.arrayBuffer())), md5(await readFile(need(files.raw, 'the raw file'))));
});
