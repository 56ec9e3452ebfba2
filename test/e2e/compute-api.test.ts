import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type ApiResponse, type Cloud } from './harness.ts';

// The compute API without servers: flavors, keypairs, limits and quotas, hypervisors, services,
// availability zones and server groups, through Debian's `openstack` CLI (and plain HTTP where the
// CLI cannot say what Nova answers). Cases run in file order and share what they make.

let cloud: Cloud;
let dir: string;
const admin = { token: '', project: '' };
const demo = { token: '', project: '' };

function api(method: string, path: string, o: { token?: string; body?: unknown; version?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'X-Auth-Token': o.token ?? demo.token };
  if (o.version) headers['OpenStack-API-Version'] = `compute ${o.version}`;
  return http(`${cloud.url}/compute/v2.1${path}`, method, { headers, body: o.body });
}

async function login(user: string, password: string): Promise<{ token: string; project: string }> {
  const res = await http(`${cloud.url}/identity/v3/auth/tokens`, 'POST', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: user, domain: { id: 'default' } } } } },
  });
  assert.equal(res.status, 201, res.text);
  return { token: res.headers.get('x-subject-token')!, project: res.body.token.project.id };
}

const row = (rows: { Name?: string; Field?: string; Value: unknown }[], name: string) => rows.find((r) => (r.Name ?? r.Field) === name)?.Value;

before(async () => {
  cloud = await startCloud();
  dir = await mkdtemp(join(tmpdir(), 'compute-api-'));
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds;
  Object.assign(admin, await login('admin', clouds['sovcloud-admin'].auth.password));
  Object.assign(demo, await login('demo', clouds['sovcloud-demo'].auth.password));
});

after(async () => {
  await cloud?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('version discovery offers 2.1 to 2.61, echoes the microversion and refuses higher ones; the catalog has compute', async () => {
  const root = await http(`${cloud.url}/compute/`, 'GET');
  assert.equal(root.body.versions[0].id, 'v2.1');
  assert.equal(root.body.versions[0].version, '2.61');
  assert.equal(root.body.versions[0].min_version, '2.1');
  const ok = await api('GET', '/flavors', { version: '2.61' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('openstack-api-version'), 'compute 2.61');
  assert.equal(ok.headers.get('x-openstack-nova-api-version'), '2.61');
  assert.equal((await api('GET', '/flavors', { version: '2.62' })).status, 406);
  const catalog = await cloud.osJson('sovcloud-demo', ['catalog', 'list']);
  const entry = catalog.find((c: { Type: string }) => c.Type === 'compute');
  assert.ok(entry, 'compute is in the catalog');
  assert.match(JSON.stringify(entry.Endpoints), /\/compute\/v2\.1/);
});

test('flavor list --long shows every mandatory SCS flavor with its figures and properties', async () => {
  const list = await cloud.osJson<Record<string, unknown>[]>('sovcloud-demo', ['flavor', 'list', '--long']);
  const byName = new Map(list.map((f) => [f.Name as string, f]));
  for (const [name, vcpus, ramGiB, disk] of [['SCS-1V-4', 1, 4, 0], ['SCS-2V-8', 2, 8, 0], ['SCS-4V-16', 4, 16, 0], ['SCS-8V-32', 8, 32, 0], ['SCS-1V-2', 1, 2, 0],
    ['SCS-2V-4', 2, 4, 0], ['SCS-4V-8', 4, 8, 0], ['SCS-8V-16', 8, 16, 0], ['SCS-16V-32', 16, 32, 0], ['SCS-1V-8', 1, 8, 0], ['SCS-2V-16', 2, 16, 0],
    ['SCS-4V-32', 4, 32, 0], ['SCS-1L-1', 1, 1, 0], ['SCS-2V-4-20s', 2, 4, 20], ['SCS-4V-16-100s', 4, 16, 100]] as const) {
    const f = byName.get(name);
    assert.ok(f, `${name} is listed`);
    assert.deepEqual([f.ID, f.VCPUs, f.RAM, f.Disk, f['Is Public']], [name, vcpus, ramGiB * 1024, disk, true], name);
    assert.equal((f.Properties as Record<string, string>)['scs:name-v2'], name);
  }
});

test('flavor show SCS-2V-4-20s has the scs-0103 extra specs as properties; the API shows them at 2.61 and swap "" below 2.75', async () => {
  const f = await cloud.osJson('sovcloud-demo', ['flavor', 'show', 'SCS-2V-4-20s']);
  assert.deepEqual(f.properties, { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', 'scs:name-v1': 'SCS-2V:4:20s', 'scs:name-v2': 'SCS-2V-4-20s' });
  assert.equal(f.id, 'SCS-2V-4-20s');
  assert.equal(f.ram, 4096);
  const shown = await api('GET', '/flavors/SCS-2V-4-20s', { version: '2.61' });
  assert.equal(shown.body.flavor.swap, '');
  assert.equal(shown.body.flavor['OS-FLV-EXT-DATA:ephemeral'], 0);
  assert.equal(shown.body.flavor.extra_specs['scs:disk0-type'], 'ssd');
  assert.deepEqual(shown.body.flavor.links.map((l: { rel: string }) => l.rel), ['self', 'bookmark']);
  const old = await api('GET', '/flavors/SCS-2V-4-20s');
  assert.equal('extra_specs' in old.body.flavor, false);
  assert.equal('description' in old.body.flavor, false);
  const missing = await api('GET', '/flavors/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
  const page = await api('GET', '/flavors?limit=2&minRam=8192');
  assert.equal(page.body.flavors.length, 2);
  assert.match(page.body.flavors_links[0].href, /\/compute\/v2\.1\/flavors\?limit=2&minRam=8192&marker=/);
  assert.equal((await api('GET', '/flavors?minRam=x')).status, 400);
});

test('a private flavor is seen only by the projects given access; admins manage it and its properties', async () => {
  const f = await cloud.osJson('sovcloud-admin', ['flavor', 'create', '--private', '--ram', '512', '--vcpus', '1', '--disk', '1', '--project', 'demo', 'private-1']);
  assert.equal(f['os-flavor-access:is_public'] ?? f.is_public, false);
  assert.equal((await cloud.osJson('sovcloud-demo', ['flavor', 'show', 'private-1'])).name, 'private-1');
  const shown = await cloud.osJson('sovcloud-admin', ['flavor', 'show', 'private-1']);
  assert.deepEqual(shown.access_project_ids, [demo.project]);
  await cloud.os('sovcloud-admin', ['flavor', 'unset', '--project', 'demo', 'private-1']);
  await cloud.osFail('sovcloud-demo', ['flavor', 'show', 'private-1']);
  assert.ok(!(await cloud.osJson<{ Name: string }[]>('sovcloud-demo', ['flavor', 'list', '--all'])).some((x) => x.Name === 'private-1'));
  const r = await cloud.os('sovcloud-admin', ['flavor', 'set', '--project', 'demo', '--property', 'hw:cpu_policy=shared', 'private-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await cloud.osJson('sovcloud-demo', ['flavor', 'show', 'private-1'])).properties['hw:cpu_policy'], 'shared');
  assert.ok((await cloud.osJson<{ Name: string }[]>('sovcloud-admin', ['flavor', 'list', '--private'])).some((x) => x.Name === 'private-1'));

  const dup = await api('POST', '/flavors', { token: admin.token, body: { flavor: { name: 'private-1', ram: 1, vcpus: 1, disk: 0 } } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.conflictingRequest.message, 'Flavor with name private-1 already exists.');
  const forbidden = await api('POST', '/flavors', { body: { flavor: { name: 'mine', ram: 1, vcpus: 1, disk: 0 } } });
  assert.equal(forbidden.status, 403);
  const bad = await api('POST', '/flavors', { token: admin.token, body: { flavor: { name: 'zero', ram: 0, vcpus: 1, disk: 0 } } });
  assert.equal(bad.status, 400);
  const described = await api('PUT', `/flavors/${f.id}`, { token: admin.token, version: '2.55', body: { flavor: { description: 'for demo' } } });
  assert.equal(described.body.flavor.description, 'for demo');
  await cloud.os('sovcloud-admin', ['flavor', 'delete', 'private-1']);
  await cloud.osFail('sovcloud-admin', ['flavor', 'show', 'private-1']);
});

test('keypair create prints a private key ssh-keygen accepts; imported keys keep their MD5 fingerprint', async () => {
  const created = await cloud.os('sovcloud-demo', ['keypair', 'create', 'generated']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^-----BEGIN RSA PRIVATE KEY-----/);
  const priv = join(dir, 'generated');
  await writeFile(priv, created.stdout, { mode: 0o600 });
  const shown = await cloud.osJson('sovcloud-demo', ['keypair', 'show', 'generated']);
  const pub = (await cloud.os('sovcloud-demo', ['keypair', 'show', '--public-key', 'generated'])).stdout.trim();
  assert.equal(execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' }).trim(), pub.replace(/ Generated-by-Nova$/, ''));
  assert.equal(shown.type, 'ssh');

  const own = join(dir, 'own');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo@laptop', '-f', own]);
  const imported = await cloud.osJson('sovcloud-demo', ['keypair', 'create', '--public-key', `${own}.pub`, 'imported']);
  const md5 = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', `${own}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  assert.equal(`MD5:${imported.fingerprint}`, md5);
  const list = await cloud.osJson<{ Name: string; Fingerprint: string }[]>('sovcloud-demo', ['keypair', 'list']);
  assert.deepEqual(list.map((k) => k.Name).sort(), ['generated', 'imported']);
  assert.deepEqual(await cloud.osJson('sovcloud-admin', ['keypair', 'list']), [], 'keypairs belong to their user');
  const dup = await api('POST', '/os-keypairs', { version: '2.10', body: { keypair: { name: 'imported', public_key: await readFile(`${own}.pub`, 'utf8') } } });
  assert.equal(dup.status, 409);
  const bad = await api('POST', '/os-keypairs', { version: '2.10', body: { keypair: { name: 'bad', public_key: 'ssh-rsa AAAA' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.badRequest.message, 'Keypair data is invalid: failed to generate fingerprint');
  const raw = await api('GET', '/os-keypairs/imported', { version: '2.2' });
  assert.deepEqual([raw.body.keypair.deleted, raw.body.keypair.type, typeof raw.body.keypair.id], [false, 'ssh', 'number']);
  const del = await cloud.os('sovcloud-demo', ['keypair', 'delete', 'generated', 'imported']);
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(await cloud.osJson('sovcloud-demo', ['keypair', 'list']), []);
});

test('limits show --absolute and quota show/set speak Nova\'s names; a lower instance quota shows in the limits', async () => {
  const limits = await cloud.osJson<{ Name: string; Value: number }[]>('sovcloud-demo', ['limits', 'show', '--absolute']);
  assert.equal(row(limits, 'maxTotalInstances'), 10);
  assert.equal(row(limits, 'maxTotalCores'), 20);
  assert.equal(row(limits, 'maxTotalRAMSize'), 51200);
  assert.equal(row(limits, 'maxTotalKeypairs'), 100);
  assert.equal(row(limits, 'maxServerGroups'), 10);
  assert.equal(row(limits, 'totalInstancesUsed'), 0);
  const quota = await cloud.osJson('sovcloud-admin', ['quota', 'show', 'demo']);
  assert.equal(quota.instances, 10);
  assert.equal(quota.cores, 20);
  assert.equal(quota.ram, 51200);
  const set = await cloud.os('sovcloud-admin', ['quota', 'set', '--instances', '5', '--cores', '8', 'demo']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal((await cloud.osJson('sovcloud-admin', ['quota', 'show', 'demo'])).instances, 5);
  assert.equal(row(await cloud.osJson('sovcloud-demo', ['limits', 'show', '--absolute']), 'maxTotalCores'), 8);
  const detail = await api('GET', `/os-quota-sets/${demo.project}/detail`, { version: '2.61' });
  assert.deepEqual(detail.body.quota_set.instances, { limit: 5, in_use: 0, reserved: 0 });
  assert.equal('injected_files' in detail.body.quota_set, false);
  assert.equal((await api('PUT', `/os-quota-sets/${demo.project}`, { body: { quota_set: { instances: 1 } } })).status, 403);
  const unknown = await api('PUT', `/os-quota-sets/${demo.project}`, { token: admin.token, version: '2.61', body: { quota_set: { fixed_ips: 1 } } });
  assert.equal(unknown.status, 400);
  assert.equal((await api('DELETE', `/os-quota-sets/${demo.project}`, { token: admin.token })).status, 202);
  assert.equal((await cloud.osJson('sovcloud-admin', ['quota', 'show', 'demo'])).instances, 10);
});

test('hypervisor list/show: this host, QEMU, with the probe\'s accelerator in cpu_info', async () => {
  const list = await cloud.osJson<Record<string, unknown>[]>('sovcloud-admin', ['hypervisor', 'list']);
  assert.equal(list.length, 1);
  assert.equal(list[0]!['Hypervisor Hostname'], hostname());
  assert.equal(list[0]!['Hypervisor Type'], 'QEMU');
  assert.equal(list[0]!.State, 'up');
  const h = await cloud.osJson('sovcloud-admin', ['hypervisor', 'show', hostname()]);
  assert.ok(['kvm', 'tcg'].includes(h.cpu_info.accelerator), JSON.stringify(h.cpu_info));
  assert.ok(h.vcpus > 0 && h.memory_mb > 0 && h.local_gb > 0, JSON.stringify(h));
  assert.equal(h.running_vms, 0);
  assert.equal(h.service_host, hostname());
  assert.match(h.load_average, /\d+\.\d\d/);
  const modern = await api('GET', '/os-hypervisors/detail', { token: admin.token, version: '2.53' });
  const id = modern.body.hypervisors[0].id as string;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(typeof modern.body.hypervisors[0].cpu_info, 'object');
  assert.equal((await api('GET', `/os-hypervisors/${id}`, { token: admin.token, version: '2.53' })).body.hypervisor.id, id);
  assert.equal((await api('GET', '/os-hypervisors/1', { token: admin.token, version: '2.53' })).status, 400);
  assert.equal(typeof (await api('GET', '/os-hypervisors/1', { token: admin.token })).body.hypervisor.cpu_info, 'string');
  const stats = await api('GET', '/os-hypervisors/statistics', { token: admin.token });
  assert.equal(stats.body.hypervisor_statistics.count, 1);
  assert.equal((await cloud.osFail('sovcloud-demo', ['hypervisor', 'list'])).length > 0, true);
});

test('compute service list shows conductor, scheduler and compute; disabling nova-compute takes the zone down', async () => {
  const services = await cloud.osJson<Record<string, unknown>[]>('sovcloud-admin', ['compute', 'service', 'list']);
  assert.deepEqual(services.map((s) => [s.Binary, s.Host, s.Zone, s.Status, s.State]), [
    ['nova-conductor', hostname(), 'internal', 'enabled', 'up'],
    ['nova-scheduler', hostname(), 'internal', 'enabled', 'up'],
    ['nova-compute', hostname(), 'nova', 'enabled', 'up'],
  ]);
  const zones = await cloud.osJson<Record<string, string>[]>('sovcloud-demo', ['availability', 'zone', 'list', '--compute']);
  assert.deepEqual(zones.map((z) => [z['Zone Name'], z['Zone Status']]), [['nova', 'available']]);
  const long = await cloud.osJson<Record<string, string>[]>('sovcloud-admin', ['availability', 'zone', 'list', '--compute', '--long']);
  assert.ok(long.some((z) => z['Zone Name'] === 'nova' && z['Service Name'] === 'nova-compute' && z['Host Name'] === hostname()), JSON.stringify(long));

  const off = await cloud.os('sovcloud-admin', ['compute', 'service', 'set', '--disable', '--disable-reason', 'maintenance', hostname(), 'nova-compute']);
  assert.equal(off.code, 0, off.stderr);
  const disabled = await cloud.osJson<Record<string, unknown>[]>('sovcloud-admin', ['compute', 'service', 'list', '--service', 'nova-compute', '--long']);
  assert.deepEqual([disabled[0]!.Status, disabled[0]!['Disabled Reason']], ['disabled', 'maintenance']);
  const down = await cloud.osJson<Record<string, string>[]>('sovcloud-demo', ['availability', 'zone', 'list', '--compute']);
  assert.deepEqual(down.map((z) => [z['Zone Name'], z['Zone Status']]), [['nova', 'not available']]);
  const on = await cloud.os('sovcloud-admin', ['compute', 'service', 'set', '--enable', hostname(), 'nova-compute']);
  assert.equal(on.code, 0, on.stderr);
  assert.equal((await cloud.osJson<Record<string, unknown>[]>('sovcloud-admin', ['compute', 'service', 'list', '--service', 'nova-compute']))[0]!.Status, 'enabled');
});

test('server group create --policy anti-affinity; show, list, the 2.15 soft policies, delete', async () => {
  const g = await cloud.osJson('sovcloud-demo', ['server', 'group', 'create', '--policy', 'anti-affinity', 'spread']);
  assert.equal(g.name, 'spread');
  assert.match(JSON.stringify(g.policies ?? g.policy), /anti-affinity/);
  const shown = await cloud.osJson('sovcloud-demo', ['server', 'group', 'show', 'spread']);
  assert.equal(shown.id, g.id);
  assert.deepEqual(shown.members ?? [], []);
  const list = await cloud.osJson<{ Name: string }[]>('sovcloud-demo', ['server', 'group', 'list']);
  assert.deepEqual(list.map((x) => x.Name), ['spread']);
  const soft = await api('POST', '/os-server-groups', { version: '2.15', body: { server_group: { name: 'soft', policies: ['soft-anti-affinity'] } } });
  assert.equal(soft.status, 200, soft.text);
  assert.deepEqual([soft.body.server_group.policies, soft.body.server_group.project_id], [['soft-anti-affinity'], demo.project]);
  assert.equal((await api('POST', '/os-server-groups', { body: { server_group: { name: 'old', policies: ['soft-affinity'] } } })).status, 400);
  assert.equal((await api('GET', `/os-server-groups/${g.id}`, { token: admin.token })).status, 200);
  const del = await cloud.os('sovcloud-demo', ['server', 'group', 'delete', 'spread']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal((await api('DELETE', `/os-server-groups/${soft.body.server_group.id}`)).status, 204);
  assert.deepEqual(await cloud.osJson('sovcloud-demo', ['server', 'group', 'list']), []);
});
