import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { loadKey } from '../../src/platform/crypto.ts';
import { http, startCloud, type ApiResponse, type Cloud } from './harness.ts';

// Cases run in file order and share the volumes they create (one CLI call costs 1-2 s of Python
// start-up). A case that needs an object from an earlier one says so through `need`.

let cloud: Cloud;
let volumesDir: string;
const admin = { token: '', project: '' };
const demo = { token: '', project: '' };
const state: { v1?: string; snap?: string; fromSnap?: string; enc?: string; backup?: string; incremental?: string; restored?: string } = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

function api(method: string, path: string, o: { token?: string; body?: unknown; version?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (o.token) headers['X-Auth-Token'] = o.token;
  if (o.version) headers['OpenStack-API-Version'] = `volume ${o.version}`;
  return http(`${cloud.url}${path}`, method, { headers, body: o.body });
}

async function login(user: string, password: string): Promise<{ token: string; project: string }> {
  const res = await api('POST', '/identity/v3/auth/tokens', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: user, domain: { id: 'default' } } } } },
  });
  assert.equal(res.status, 201, res.text);
  return { token: res.headers.get('x-subject-token')!, project: res.body.token.project.id };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Polls a resource over HTTP until its status is one of `want` (or it is gone, for `gone`). */
async function settle(kind: 'volumes' | 'snapshots' | 'backups', id: string, want: string[]): Promise<string> {
  const key = kind.slice(0, -1);
  return waitFor(`${key} ${id} to reach ${want.join('/')}`, async () => {
    const res = await api('GET', `/volume/v3/${admin.project}/${kind}/${id}`, { token: admin.token });
    if (res.status === 404) return want.includes('gone') ? 'gone' : undefined;
    const status = res.body[key].status as string;
    if (want.includes(status)) return status;
    assert.ok(!status.startsWith('error') || want.includes(status), `${key} ${id} went to ${status}: ${res.text}`);
    return undefined;
  });
}

const file = (id: string) => join(volumesDir, `volume-${id}`);

/** Backups live in the project's `volumebackups-<project>` bucket; the test reads it through Swift. */
function backupBucketUrl(): string {
  return `${cloud.objectUrl}/swift/v1/AUTH_${admin.project}/volumebackups-${admin.project}`;
}

async function backupObjects(prefix = ''): Promise<string[]> {
  const res = await fetch(`${backupBucketUrl()}?format=json&prefix=${encodeURIComponent(prefix)}`, { headers: { 'X-Auth-Token': admin.token } });
  if (res.status === 404) return [];
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { name: string }[]).map((o) => o.name);
}

async function leftovers(dir: string): Promise<string[]> {
  return existsSync(dir) ? readdir(dir) : [];
}

before(async () => {
  cloud = await startCloud();
  volumesDir = join(cloud.stateDir, 'volumes');
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds;
  Object.assign(admin, await login('admin', clouds['sovcloud-admin'].auth.password));
  Object.assign(demo, await login('demo', clouds['sovcloud-demo'].auth.password));
});

after(async () => {
  await cloud?.stop();
  if (cloud) await rm(cloud.stateDir, { recursive: true, force: true });
});

test('version discovery advertises 3.0 to 3.60, echoes the requested microversion and refuses higher ones', async () => {
  const root = await api('GET', '/volume/');
  assert.equal(root.status, 300);
  assert.equal(root.body.versions[0].min_version, '3.0');
  assert.equal(root.body.versions[0].version, '3.60');
  const ok = await api('GET', `/volume/v3/${admin.project}/volumes`, { token: admin.token, version: '3.60' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('openstack-api-version'), 'volume 3.60');
  const tooHigh = await api('GET', `/volume/v3/${admin.project}/volumes`, { token: admin.token, version: '3.99' });
  assert.equal(tooHigh.status, 406);
  const catalog = await cloud.osJson('sovcloud-admin', ['catalog', 'list']);
  const entry = catalog.find((c: any) => c.Type === 'block-storage');
  assert.ok(entry, 'block-storage is in the catalog');
  assert.ok(JSON.stringify(entry.Endpoints).includes(`/volume/v3/${admin.project}`), 'the catalog URL carries the real project id');
});

test('volume create, show, extend; an unnamed volume lists with name ""', async () => {
  const v = await cloud.osJson('sovcloud-admin', ['volume', 'create', '--size', '1', 'v1']);
  state.v1 = v.id;
  await settle('volumes', v.id, ['available']);
  await cloud.os('sovcloud-admin', ['volume', 'set', '--size', '2', 'v1']);
  await settle('volumes', v.id, ['available']);
  const shown = await cloud.osJson('sovcloud-admin', ['volume', 'show', 'v1']);
  assert.equal(shown.size, 2);
  assert.equal(shown.type, '__DEFAULT__');
  assert.equal(execFileSync('qemu-img', ['info', '--output=json', file(v.id)]).toString().includes('"virtual-size": 2147483648'), true);

  const unnamed = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { size: 1 } } });
  assert.equal(unnamed.status, 202, unnamed.text);
  const list = await api('GET', `/volume/v3/${admin.project}/volumes/detail`, { token: admin.token });
  assert.equal(list.body.volumes.find((x: any) => x.id === unnamed.body.volume.id).name, '');
  await settle('volumes', unnamed.body.volume.id, ['available']);
  const paged = await api('GET', `/volume/v3/${admin.project}/volumes?limit=1`, { token: admin.token });
  assert.equal(paged.body.volumes.length, 1);
  assert.match(paged.body.volumes_links[0].href, /marker=/);
  assert.equal((await api('DELETE', `/volume/v3/${admin.project}/volumes/${unnamed.body.volume.id}`, { token: admin.token })).status, 202);
});

test('snapshot, and a volume from the snapshot', async () => {
  const v1 = need(state.v1, 'v1');
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 0 1M', file(v1)], { stdio: 'ignore' });
  const snap = await cloud.osJson('sovcloud-admin', ['volume', 'snapshot', 'create', '--volume', 'v1', 's1']);
  state.snap = snap.id;
  await settle('snapshots', snap.id, ['available']);
  const v2 = await cloud.osJson('sovcloud-admin', ['volume', 'create', '--snapshot', 's1', 'v2']);
  state.fromSnap = v2.id;
  await settle('volumes', v2.id, ['available']);
  execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', file(v1), file(v2.id)]);
});

test('revert (3.40+) to the latest snapshot brings its data back; an older snapshot is a 400', async () => {
  const v = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { size: 1, name: 'rv' } } });
  const id = v.body.volume.id as string;
  await settle('volumes', id, ['available']);
  const snapshot = async (name: string, pattern: string) => {
    execFileSync('qemu-io', ['-f', 'raw', '-c', `write -P ${pattern} 0 1M`, file(id)], { stdio: 'ignore' });
    const s = await api('POST', `/volume/v3/${admin.project}/snapshots`, { token: admin.token, body: { snapshot: { volume_id: id, name } } });
    assert.equal(s.status, 202, s.text);
    await settle('snapshots', s.body.snapshot.id, ['available']);
    return s.body.snapshot.id as string;
  };
  const older = await snapshot('rv-a', '0x11');
  const latest = await snapshot('rv-b', '0x22');
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x33 0 1M', file(id)], { stdio: 'ignore' });
  // OSC 6.0 has no `volume revert`, so the action goes over HTTP.
  const revert = (snapshot_id: string, version = '3.40') =>
    api('POST', `/volume/v3/${admin.project}/volumes/${id}/action`, { token: admin.token, version, body: { revert: { snapshot_id } } });

  assert.equal((await revert(latest, '3.39')).status, 404);
  const notLatest = await revert(older);
  assert.equal(notLatest.status, 400, notLatest.text);
  assert.equal(notLatest.body.badRequest.message, `Specified snapshot ${older} is None or not the latest one of volume ${id}.`);
  const other = await api('POST', `/volume/v3/${demo.project}/volumes/${id}/action`, { token: demo.token, version: '3.40', body: { revert: { snapshot_id: latest } } });
  assert.equal(other.status, 404);

  const reset = (status: string) => api('POST', `/volume/v3/${admin.project}/volumes/${id}/action`, { token: admin.token, body: { 'os-reset_status': { status } } });
  assert.equal((await reset('error')).status, 202);
  const busy = await revert(latest);
  assert.equal(busy.status, 409, busy.text);
  assert.equal(busy.body.conflictingRequest.message, `Invalid volume: Can't revert volume ${id} to its latest snapshot ${latest}. Volume's status must be 'available'.`);
  assert.equal((await reset('available')).status, 202);

  const ok = await revert(latest);
  assert.equal(ok.status, 202, ok.text);
  await settle('volumes', id, ['available']);
  await settle('snapshots', latest, ['available']);
  const read = execFileSync('qemu-io', ['-f', 'raw', '-c', 'read -P 0x22 0 1M', file(id)]).toString();
  assert.doesNotMatch(read, /Pattern verification failed/);
});

test('volume types: the default and an [scs:encrypted] LUKS type; an encrypted volume never holds plaintext on disk', async () => {
  const types = await cloud.osJson('sovcloud-demo', ['volume', 'type', 'list', '--long']);
  assert.ok(types.some((t: any) => t.Name === '__DEFAULT__'));
  const luks = types.find((t: any) => t.Name === 'LUKS');
  assert.match(luks.Description, /^\[scs:encrypted\]/);

  const enc = await cloud.osJson('sovcloud-admin', ['volume', 'create', '--type', 'LUKS', '--size', '1', 'enc']);
  state.enc = enc.id;
  await settle('volumes', enc.id, ['available']);
  assert.equal((await cloud.osJson('sovcloud-admin', ['volume', 'show', 'enc'])).encrypted, true);
  assert.match(execFileSync('qemu-img', ['info', file(enc.id)]).toString(), /file format: luks/);
  // The test unwraps the volume's passphrase the way the service does (master key in keys/, sealed
  // key in the database) and writes a known plaintext through LUKS with it.
  const db = new SQLite(join(cloud.stateDir, 'sovcloud.db'), { readonly: true });
  const sealed = (db.prepare('select encryption_key from volumes where id = ?').get(enc.id) as { encryption_key: string }).encryption_key;
  db.close();
  const passphrase = loadKey(cloud.stateDir, 'volume').open(Buffer.from(sealed, 'base64'), Buffer.from(enc.id));
  assert.ok(passphrase, 'the volume key opens with the volume master key');
  const work = await mkdtemp(join(tmpdir(), 'sovcloud-bs-'));
  const marker = Buffer.from('SOVCLOUD-PLAINTEXT-MARKER-'.repeat(2521).slice(0, 65536));
  await writeFile(join(work, 'secret'), passphrase, { mode: 0o600 });
  await writeFile(join(work, 'marker'), marker);
  const opts = `driver=luks,key-secret=s0,file.filename=${file(enc.id)}`;
  execFileSync('qemu-io', ['--object', `secret,id=s0,file=${join(work, 'secret')}`, '--image-opts', opts, '-c', `write -s ${join(work, 'marker')} 1M 64k`], { stdio: 'ignore' });
  execFileSync('qemu-img', ['convert', '--object', `secret,id=s0,file=${join(work, 'secret')}`, '--image-opts', opts, '-O', 'raw', join(work, 'plain')]);
  const plain = await open(join(work, 'plain'), 'r');
  const seen = Buffer.alloc(65536);
  await plain.read(seen, 0, 65536, 1024 * 1024);
  await plain.close();
  assert.ok(seen.equals(marker), 'the plaintext reads back through LUKS');
  assert.equal((await readFile(file(enc.id))).includes(Buffer.from('SOVCLOUD-PLAINTEXT-MARKER')), false, 'the file on disk holds no plaintext');
  await rm(work, { recursive: true, force: true });
  const keys = await readdir(join(cloud.stateDir, 'keys'));
  assert.ok(keys.includes('volume.key'), 'the volume master key lives in <stateDir>/keys');
});

test('backup (full and incremental), restore to a new and to an existing volume, byte-identical', async () => {
  const v1 = need(state.v1, 'v1');
  const full = await cloud.osJson('sovcloud-admin', ['volume', 'backup', 'create', '--name', 'b1', 'v1']);
  state.backup = full.id;
  await settle('backups', full.id, ['available']);
  await settle('volumes', v1, ['available']);
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x77 200M 64k', file(v1)], { stdio: 'ignore' });
  const inc = await cloud.osJson('sovcloud-admin', ['volume', 'backup', 'create', '--incremental', '--name', 'b2', 'v1']);
  state.incremental = inc.id;
  await settle('backups', inc.id, ['available']);
  const shown = await cloud.osJson('sovcloud-admin', ['volume', 'backup', 'show', 'b2']);
  assert.equal(shown.is_incremental, true);
  // Only the changed 4 MiB chunk is stored again.
  assert.deepEqual((await backupObjects(`${inc.id}/`)).filter((n) => n.includes('/chunk-')), [`${inc.id}/chunk-00000050`]);

  // OSC 6.0 cannot print the restore answer, so its exit code says nothing; the volume does.
  await cloud.os('sovcloud-admin', ['volume', 'backup', 'restore', 'b2', 'restored']);
  const restored = await waitFor('the restored volume', async () => {
    const l = await api('GET', `/volume/v3/${admin.project}/volumes/detail?name=restored`, { token: admin.token });
    return l.body.volumes[0]?.id as string | undefined;
  });
  state.restored = restored;
  await settle('volumes', restored, ['available']);
  execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', file(v1), file(restored)]);

  // Restore the full backup over the existing volume: the incremental write disappears again.
  const over = await api('POST', `/volume/v3/${admin.project}/backups/${full.id}/restore`, { token: admin.token, body: { restore: { volume_id: restored } } });
  assert.equal(over.status, 202, over.text);
  await settle('volumes', restored, ['available']);
  const head = execFileSync('qemu-io', ['-f', 'raw', '-c', 'read -P 0x5a 0 1M', '-c', 'read -P 0 200M 64k', file(restored)]).toString();
  assert.doesNotMatch(head, /Pattern verification failed/);
});

test('user messages (3.3+): a failed restore leaves an ERROR message for its project only, which DELETE removes', async () => {
  const v = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { size: 1, name: 'mv' } } });
  await settle('volumes', v.body.volume.id, ['available']);
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x44 0 1M', file(v.body.volume.id)], { stdio: 'ignore' });
  const b = await api('POST', `/volume/v3/${admin.project}/backups`, { token: admin.token, body: { backup: { volume_id: v.body.volume.id, name: 'mb' } } });
  assert.equal(b.status, 202, b.text);
  await settle('backups', b.body.backup.id, ['available']);
  await settle('volumes', v.body.volume.id, ['available']);
  // Corrupt the stored chunk: the restore behind a volume create from this backup fails in the worker.
  const chunks = (await backupObjects(`${b.body.backup.id}/`)).filter((n) => n.includes('/chunk-'));
  assert.ok(chunks.length > 0);
  const overwrite = await fetch(`${backupBucketUrl()}/${chunks[0]!}`, { method: 'PUT', headers: { 'X-Auth-Token': admin.token }, body: 'not a chunk' });
  assert.equal(overwrite.status, 201);
  const made = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, version: '3.47', body: { volume: { backup_id: b.body.backup.id, name: 'from-bad-backup' } } });
  assert.equal(made.status, 202, made.text);
  const failed = made.body.volume.id as string;
  await settle('volumes', failed, ['error']);

  const list = (o: { token: string; project: string }, query = '', version = '3.5') => api('GET', `/volume/v3/${o.project}/messages${query}`, { token: o.token, version });
  const found = await waitFor('the message', async () => {
    const res = await list(admin, `?resource_uuid=${failed}`);
    assert.equal(res.status, 200, res.text);
    return res.body.messages.length > 0 ? res.body.messages : undefined;
  });
  assert.equal(found.length, 1);
  const m = found[0];
  assert.equal(m.message_level, 'ERROR');
  assert.equal(m.resource_type, 'VOLUME');
  assert.equal(m.resource_uuid, failed);
  assert.equal(m.event_id, 'VOLUME_VOLUME_015_026');
  assert.equal(m.user_message, 'restore backup: Backup driver failed to restore backup.');
  assert.match(m.request_id, /^req-[0-9a-f-]{36}$/);
  assert.equal(Date.parse(`${m.guaranteed_until}Z`) - Date.parse(`${m.created_at}Z`), 30 * 24 * 3600 * 1000);
  const cli = await cloud.osJson('sovcloud-admin', ['--os-volume-api-version', '3.3', 'volume', 'message', 'list']);
  assert.ok(cli.some((x: any) => x.ID === m.id), JSON.stringify(cli));
  assert.equal((await list(admin, '', '3.2')).status, 404);

  assert.deepEqual((await list(demo)).body.messages, []);
  assert.equal((await api('GET', `/volume/v3/${demo.project}/messages/${m.id}`, { token: demo.token, version: '3.3' })).status, 404);
  assert.equal((await api('DELETE', `/volume/v3/${demo.project}/messages/${m.id}`, { token: demo.token, version: '3.3' })).status, 404);

  const shown = await api('GET', `/volume/v3/${admin.project}/messages/${m.id}`, { token: admin.token, version: '3.3' });
  assert.equal(shown.status, 200, shown.text);
  assert.deepEqual(shown.body.message, m);
  assert.equal((await api('DELETE', `/volume/v3/${admin.project}/messages/${m.id}`, { token: admin.token, version: '3.3' })).status, 204);
  assert.equal((await api('GET', `/volume/v3/${admin.project}/messages/${m.id}`, { token: admin.token, version: '3.3' })).status, 404);
  assert.deepEqual((await list(admin, `?resource_uuid=${failed}`)).body.messages, []);
});

test('volume from a qcow2 image (plain and LUKS): downloading, then available, bootable, with volume_image_metadata', async () => {
  const work = await mkdtemp(join(tmpdir(), 'sovcloud-bs-img-'));
  const qcow2 = join(work, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '64M']);
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x6b 0 1M', qcow2], { stdio: 'ignore' });
  const image = await cloud.osJson('sovcloud-admin', ['image', 'create', '--private', '--file', qcow2, '--disk-format', 'qcow2', '--container-format', 'bare',
    '--property', 'os_distro=sovtest', 'bs-qcow2']);

  const v = await cloud.osJson('sovcloud-admin', ['volume', 'create', '--image', image.id, '--size', '1', 'fromimg']);
  assert.ok(['creating', 'downloading'].includes(v.status), v.status);
  await settle('volumes', v.id, ['available']);
  const shown = (await api('GET', `/volume/v3/${admin.project}/volumes/${v.id}`, { token: admin.token })).body.volume;
  assert.equal(shown.bootable, 'true');
  assert.equal(shown.volume_image_metadata.image_id, image.id);
  assert.equal(shown.volume_image_metadata.image_name, 'bs-qcow2');
  assert.equal(shown.volume_image_metadata.disk_format, 'qcow2');
  assert.equal(shown.volume_image_metadata.min_disk, '0');
  assert.equal(shown.volume_image_metadata.os_distro, 'sovtest');
  assert.equal(shown.volume_image_metadata.checksum, createHash('md5').update(await readFile(qcow2)).digest('hex'));
  const detail = await api('GET', `/volume/v3/${admin.project}/volumes/detail?bootable=true`, { token: admin.token });
  assert.ok(detail.body.volumes.some((x: any) => x.id === v.id && x.volume_image_metadata?.image_id === image.id));
  const action = await api('POST', `/volume/v3/${admin.project}/volumes/${v.id}/action`, { token: admin.token, body: { 'os-show_image_metadata': null } });
  assert.equal(action.status, 200, action.text);
  assert.equal(action.body.metadata.image_id, image.id);
  assert.equal(execFileSync('qemu-img', ['info', '--output=json', file(v.id)]).toString().includes('"virtual-size": 1073741824'), true);
  const head = execFileSync('qemu-io', ['-f', 'raw', '-c', 'read -P 0x6b 0 1M', '-c', 'read -P 0 1M 1M', file(v.id)]).toString();
  assert.doesNotMatch(head, /Pattern verification failed/);

  // LUKS: the image is converted into the encrypted file with the volume's own key.
  const enc = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { imageRef: image.id, size: 1, volume_type: 'LUKS', name: 'fromimg-enc' } } });
  assert.equal(enc.status, 202, enc.text);
  await settle('volumes', enc.body.volume.id, ['available']);
  assert.match(execFileSync('qemu-img', ['info', file(enc.body.volume.id)]).toString(), /file format: luks/);
  const db = new SQLite(join(cloud.stateDir, 'sovcloud.db'), { readonly: true });
  const sealed = (db.prepare('select encryption_key from volumes where id = ?').get(enc.body.volume.id) as { encryption_key: string }).encryption_key;
  db.close();
  await writeFile(join(work, 'secret'), loadKey(cloud.stateDir, 'volume').open(Buffer.from(sealed, 'base64'), Buffer.from(enc.body.volume.id))!, { mode: 0o600 });
  const opts = `driver=luks,key-secret=s0,file.filename=${file(enc.body.volume.id)}`;
  const encHead = execFileSync('qemu-io', ['--object', `secret,id=s0,file=${join(work, 'secret')}`, '--image-opts', opts, '-c', 'read -P 0x6b 0 1M']).toString();
  assert.doesNotMatch(encHead, /Pattern verification failed/);
  assert.equal((await readFile(file(enc.body.volume.id))).includes(Buffer.alloc(4096, 0x6b)), false, 'the file on disk holds no plaintext');
  await rm(work, { recursive: true, force: true });

  // Too small for the image's min_disk: Cinder's 400, before any volume exists.
  await cloud.os('sovcloud-admin', ['image', 'set', '--min-disk', '2', image.id]);
  const small = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { imageRef: image.id, size: 1 } } });
  assert.equal(small.status, 400);
  assert.equal(small.body.badRequest.message, 'Invalid input received: Volume size 1GB cannot be smaller than the image minDisk size 2GB.');
  // Another project's private image does not exist for demo.
  const foreign = await api('POST', `/volume/v3/${demo.project}/volumes`, { token: demo.token, body: { volume: { imageRef: image.id, size: 2 } } });
  assert.equal(foreign.status, 400);
  assert.equal(foreign.body.badRequest.message, 'Invalid image identifier or unable to access requested image.');
  const demoVolumes = await api('GET', `/volume/v3/${demo.project}/volumes`, { token: demo.token });
  assert.equal(demoVolumes.body.volumes.length, 0);
});

test('demo sees nothing of admin volumes, snapshots and backups and gets itemNotFound on their ids', async () => {
  const ids = { volumes: need(state.v1, 'v1'), snapshots: need(state.snap, 'snapshot'), backups: need(state.backup, 'backup') };
  for (const [kind, id] of Object.entries(ids)) {
    const list = await api('GET', `/volume/v3/${demo.project}/${kind}/detail`, { token: demo.token });
    assert.equal(list.status, 200);
    assert.equal(list.body[kind].length, 0, `${kind}: ${list.text}`);
    const one = await api('GET', `/volume/v3/${demo.project}/${kind}/${id}`, { token: demo.token });
    assert.equal(one.status, 404);
    assert.equal(one.body.itemNotFound.code, 404);
  }
  assert.equal((await api('GET', `/volume/v3/${admin.project}/volumes`, { token: demo.token })).body.badRequest.message, 'Malformed request url');
  await cloud.osFail('sovcloud-demo', ['volume', 'show', need(state.v1, 'v1')]);
});

test('quota: too large a volume is a 413 overLimit; limits report usage', async () => {
  const res = await api('POST', `/volume/v3/${demo.project}/volumes`, { token: demo.token, body: { volume: { size: 1001, name: 'big' } } });
  assert.equal(res.status, 413);
  assert.match(res.body.overLimit.message, /exceeds allowed gigabytes quota/);
  const stderr = await cloud.osFail('sovcloud-demo', ['volume', 'create', '--size', '1001', 'big']);
  assert.match(stderr, /gigabytes quota/);
  const limits = await api('GET', `/volume/v3/${admin.project}/limits`, { token: admin.token });
  assert.ok(limits.body.limits.absolute.totalVolumesUsed >= 3);
  const azs = await api('GET', `/volume/v3/${demo.project}/os-availability-zone`, { token: demo.token });
  assert.equal(azs.body.availabilityZoneInfo[0].zoneName, 'nova');
});

/** Runs python-cinderclient (what OSC uses underneath) at a microversion; prints JSON. */
function cinderclient(code: string, version: string): any {
  const script = [
    'import json, openstack', 'from cinderclient import client',
    "conn = openstack.connect(cloud='sovcloud-admin')",
    `c = client.Client('${version}', session=conn.session, region_name='RegionOne')`,
    code,
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script], { env: { PATH: process.env.PATH, OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml } }).toString();
  return out.trim() ? JSON.parse(out) : undefined;
}

test('attachments (3.27+): reserve, connect, complete makes the volume in-use, delete frees it', async () => {
  // OSC's `volume attachment create` looks the server up in compute, which does not exist yet.
  const id = need(state.fromSnap, 'volume from snapshot');
  const att = cinderclient(`a = c.attachments.create('${id}', None, '11111111-2222-4333-8444-555555555555')\nprint(json.dumps(a if isinstance(a, dict) else a.to_dict()))`, '3.44');
  assert.equal(att.status, 'reserved');
  const upd = cinderclient(`a = c.attachments.update('${att.id}', {'host': 'h1', 'initiator': 'x'})\nprint(json.dumps(a if isinstance(a, dict) else a.to_dict()))`, '3.44');
  assert.equal(upd.connection_info.driver_volume_type, 'file');
  cinderclient(`c.attachments.complete('${att.id}')`, '3.44');
  assert.equal((await cloud.osJson('sovcloud-admin', ['volume', 'show', id])).status, 'in-use');
  cinderclient(`c.attachments.delete('${att.id}')`, '3.44');
  assert.equal((await cloud.osJson('sovcloud-admin', ['volume', 'show', id])).status, 'available');
  const old = await api('GET', `/volume/v3/${admin.project}/attachments`, { token: admin.token, version: '3.26' });
  assert.equal(old.status, 404);
});

test('a server killed during a backup comes back with the backup in error, deletable, and no chunk left', async () => {
  const v = await api('POST', `/volume/v3/${admin.project}/volumes`, { token: admin.token, body: { volume: { size: 1, name: 'busy' } } });
  await settle('volumes', v.body.volume.id, ['available']);
  // Enough distinct data that the backup is still running when the server dies.
  execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x11 0 900M', file(v.body.volume.id)], { stdio: 'ignore' });
  const b = await api('POST', `/volume/v3/${admin.project}/backups`, { token: admin.token, body: { backup: { volume_id: v.body.volume.id, name: 'killed' } } });
  assert.equal(b.status, 202, b.text);
  await waitFor('the first chunks', async () => ((await backupObjects(`${b.body.backup.id}/`)).length > 0 ? true : undefined));
  await cloud.crash();
  await cloud.restart();
  Object.assign(admin, await login('admin', parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds['sovcloud-admin'].auth.password));
  const after = await api('GET', `/volume/v3/${admin.project}/backups/${b.body.backup.id}`, { token: admin.token });
  assert.equal(after.body.backup.status, 'error');
  assert.deepEqual(await backupObjects(`${b.body.backup.id}/`), [], 'no half-written backup data remains');
  assert.equal((await api('GET', `/volume/v3/${admin.project}/volumes/${v.body.volume.id}`, { token: admin.token })).body.volume.status, 'available');
  assert.equal((await api('DELETE', `/volume/v3/${admin.project}/backups/${b.body.backup.id}`, { token: admin.token })).status, 202);
  await settle('backups', b.body.backup.id, ['gone']);
});

test('delete everything: no file is left under volumes/ and no object in the backup bucket', async () => {
  const list = async (kind: 'backups' | 'volumes') => (await api('GET', `/volume/v3/${admin.project}/${kind}`, { token: admin.token })).body[kind] as { id: string }[];
  // Children first: an incremental backup's parent cannot go before it.
  for (const id of [state.incremental, ...(await list('backups')).map((b) => b.id)]) {
    if (!id) continue;
    const res = await api('DELETE', `/volume/v3/${admin.project}/backups/${id}`, { token: admin.token });
    if (res.status === 202) await settle('backups', id, ['gone']);
  }
  await cloud.os('sovcloud-admin', ['volume', 'delete', '--purge', 'v1']);
  const remaining = (await api('GET', `/volume/v3/${admin.project}/volumes/detail`, { token: admin.token })).body.volumes as { id: string; status: string }[];
  for (const { id } of remaining.filter((v) => v.status !== 'deleting')) {
    const res = await api('DELETE', `/volume/v3/${admin.project}/volumes/${id}?cascade=true`, { token: admin.token });
    assert.ok(res.status === 202 || res.status === 404, res.text);
  }
  await waitFor('every volume gone', async () => ((await list('volumes')).length === 0 ? true : undefined));
  assert.deepEqual(await leftovers(volumesDir), []);
  assert.deepEqual(await backupObjects(), []);
});
