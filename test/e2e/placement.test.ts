import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { http, startCloud, type ApiResponse, type Cloud } from './harness.ts';

// Debian's `openstack` CLI with osc-placement (python3-osc-placement) against the Placement API;
// plain HTTP where the CLI cannot ask (version document, error bodies, racing claims).
// Cases run in file order and share what they make.

let cloud: Cloud;
let adminToken = '';
const state: { host?: string; child?: string; disk?: string } = {};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what} from an earlier case, which failed`);
  return value;
}

function api(method: string, path: string, o: { body?: unknown; version?: string; token?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'X-Auth-Token': o.token ?? adminToken, 'OpenStack-API-Version': `placement ${o.version ?? '1.29'}` };
  return http(`${cloud.url}/placement${path}`, method, { headers, body: o.body });
}

async function tokenFor(user: 'admin' | 'demo'): Promise<string> {
  const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')).clouds;
  const res = await http(`${cloud.url}/identity/v3/auth/tokens`, 'POST', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password: clouds[`sovcloud-${user}`].auth.password } } }, scope: { project: { name: user, domain: { id: 'default' } } } } },
  });
  return res.headers.get('x-subject-token')!;
}

before(async () => {
  cloud = await startCloud();
  adminToken = await tokenFor('admin');
});

after(async () => {
  await cloud?.stop();
});

test('placement is in the catalog and negotiates its microversion', async () => {
  const services = await cloud.osJson<{ Name: string; Type: string }[]>('sovcloud-admin', ['catalog', 'list']);
  assert.ok(services.some((s) => s.Type === 'placement' && s.Name === 'placement'), JSON.stringify(services));
  const root = await http(`${cloud.url}/placement/`, 'GET');
  assert.equal(root.status, 200);
  assert.equal(root.body.versions[0].min_version, '1.0');
  assert.ok(Number(root.body.versions[0].max_version.split('.')[1]) >= 26, root.text);
  const tooNew = await http(`${cloud.url}/placement/`, 'GET', { headers: { 'OpenStack-API-Version': 'placement 1.999' } });
  assert.equal(tooNew.status, 406);
  assert.equal(tooNew.body.errors[0].max_version, root.body.versions[0].max_version);
  assert.match(tooNew.headers.get('vary') ?? '', /openstack-api-version/i);
});

test('resource providers: create, list, show, nest; the API is for admins only', async () => {
  const host = await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'create', 'e2e-host']);
  state.host = host.uuid;
  assert.equal(host.generation, 0);
  assert.equal(host.root_provider_uuid, host.uuid);
  const child = await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'create', '--parent-provider', host.uuid, 'e2e-host-numa0']);
  state.child = child.uuid;
  assert.equal(child.parent_provider_uuid, host.uuid);
  const listed = await cloud.osJson<{ uuid: string; name: string }[]>('sovcloud-admin', ['resource', 'provider', 'list', '--in-tree', host.uuid]);
  assert.deepEqual(listed.map((r) => r.name).sort(), ['e2e-host', 'e2e-host-numa0']);
  const shown = await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'show', host.uuid]);
  assert.equal(shown.name, 'e2e-host');
  const err = await cloud.osFail('sovcloud-admin', ['resource', 'provider', 'create', 'e2e-host']);
  assert.match(err, /Conflicting resource provider name: e2e-host already exists/);
  assert.match(await cloud.osFail('sovcloud-demo', ['resource', 'provider', 'list']), /HTTP 403/);
});

test('inventories: set and list; reserved and allocation_ratio shape capacity', async () => {
  const host = need(state.host, 'the host provider');
  const set = await cloud.osJson<{ resource_class: string; total: number; allocation_ratio: number }[]>('sovcloud-admin', ['resource', 'provider', 'inventory', 'set', host,
    '--resource', 'VCPU=4', '--resource', 'VCPU:allocation_ratio=2', '--resource', 'MEMORY_MB=4096', '--resource', 'MEMORY_MB:reserved=512', '--resource', 'DISK_GB=40']);
  assert.deepEqual(set.map((i) => i.resource_class).sort(), ['DISK_GB', 'MEMORY_MB', 'VCPU']);
  const listed = await cloud.osJson<{ resource_class: string; total: number; reserved: number; used: number }[]>('sovcloud-admin', ['resource', 'provider', 'inventory', 'list', host]);
  const memory = listed.find((i) => i.resource_class === 'MEMORY_MB');
  assert.deepEqual([memory?.total, memory?.reserved, memory?.used], [4096, 512, 0]);
  const bad = await cloud.osFail('sovcloud-admin', ['resource', 'provider', 'inventory', 'set', host, '--resource', 'CUSTOM_NOPE=1']);
  assert.match(bad, /No such resource class CUSTOM_NOPE/);
});

test('resource classes and traits: standard ones listed, custom ones created and attached', async () => {
  await cloud.os('sovcloud-admin', ['resource', 'class', 'create', 'CUSTOM_E2E_GPU']);
  const classes = await cloud.osJson<{ name: string }[]>('sovcloud-admin', ['resource', 'class', 'list']);
  const names = classes.map((c) => c.name);
  assert.ok(['VCPU', 'MEMORY_MB', 'DISK_GB', 'CUSTOM_E2E_GPU'].every((n) => names.includes(n)), JSON.stringify(names));
  assert.match(await cloud.osFail('sovcloud-admin', ['resource', 'class', 'create', 'GPU']), /HTTP 400/);
  const child = need(state.child, 'the child provider');
  await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'inventory', 'set', child, '--resource', 'CUSTOM_E2E_GPU=2']);

  const traits = await cloud.osJson<{ name: string }[]>('sovcloud-admin', ['trait', 'list']);
  assert.ok(traits.some((t) => t.name === 'COMPUTE_NODE') && traits.some((t) => t.name === 'HW_CPU_X86_AVX2'));
  await cloud.os('sovcloud-admin', ['trait', 'create', 'CUSTOM_E2E_FAST']);
  const host = need(state.host, 'the host provider');
  const set = await cloud.osJson<{ name: string }[]>('sovcloud-admin', ['resource', 'provider', 'trait', 'set', host, '--trait', 'COMPUTE_NODE', '--trait', 'CUSTOM_E2E_FAST']);
  assert.deepEqual(set.map((t) => t.name), ['COMPUTE_NODE', 'CUSTOM_E2E_FAST']);
  const custom = await cloud.osJson<{ name: string }[]>('sovcloud-admin', ['trait', 'list', '--name', 'startswith:CUSTOM_E2E', '--associated']);
  assert.deepEqual(custom.map((t) => t.name), ['CUSTOM_E2E_FAST']);
});

test('allocation candidates: a host with room, spread over its tree, required traits honoured', async () => {
  const host = need(state.host, 'the host provider');
  const child = need(state.child, 'the child provider');
  type Candidate = { 'resource provider': string; allocation: string; traits: string };
  const plain = await cloud.osJson<Candidate[]>('sovcloud-admin', ['allocation', 'candidate', 'list', '--resource', 'VCPU=2', '--resource', 'MEMORY_MB=512', '--resource', 'DISK_GB=1']);
  const ours = plain.filter((c) => c['resource provider'] === host);
  assert.equal(ours.length, 1, JSON.stringify(plain));
  assert.match(ours[0]!.traits, /CUSTOM_E2E_FAST/);
  const nested = await cloud.osJson<Candidate[]>('sovcloud-admin', ['allocation', 'candidate', 'list', '--resource', 'VCPU=1', '--resource', 'CUSTOM_E2E_GPU=1']);
  assert.deepEqual(nested.map((c) => c['resource provider']).sort(), [host, child].sort());
  const none = await cloud.osJson<Candidate[]>('sovcloud-admin', ['allocation', 'candidate', 'list', '--resource', 'VCPU=9']);
  assert.ok(!none.some((c) => c['resource provider'] === host), JSON.stringify(none));
  const forbidden = await cloud.osJson<Candidate[]>('sovcloud-admin', ['allocation', 'candidate', 'list', '--resource', 'VCPU=1', '--forbidden', 'CUSTOM_E2E_FAST']);
  assert.ok(!forbidden.some((c) => c['resource provider'] === host), JSON.stringify(forbidden));
});

test('allocations: set, show, usages; capacity and inventory in use are enforced', async () => {
  const host = need(state.host, 'the host provider');
  const consumer = randomUUID();
  await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'allocation', 'set', consumer, '--allocation', `rp=${host},VCPU=6,MEMORY_MB=1024`, '--project-id', 'e2e-project', '--user-id', 'e2e-user']);
  const shown = await cloud.osJson<{ resource_provider: string; resources: Record<string, number>; project_id: string }[]>('sovcloud-admin', ['resource', 'provider', 'allocation', 'show', consumer]);
  assert.deepEqual(shown.map((a) => [a.resource_provider, a.resources, a.project_id]), [[host, { MEMORY_MB: 1024, VCPU: 6 }, 'e2e-project']]);
  const usage = await cloud.osJson<{ resource_class: string; usage: number }[]>('sovcloud-admin', ['resource', 'provider', 'usage', 'show', host]);
  assert.equal(usage.find((u) => u.resource_class === 'VCPU')?.usage, 6);
  const total = await cloud.osJson<{ resource_class: string; usage: number }[]>('sovcloud-admin', ['resource', 'usage', 'show', 'e2e-project']);
  assert.equal(total.find((u) => u.resource_class === 'MEMORY_MB')?.usage, 1024);

  // (4 - 0) * 2 = 8 VCPU: 6 taken, 3 more do not fit.
  const over = await cloud.osFail('sovcloud-admin', ['resource', 'provider', 'allocation', 'set', randomUUID(), '--allocation', `rp=${host},VCPU=3`, '--project-id', 'p', '--user-id', 'u']);
  assert.match(over, /'VCPU' on resource provider '.*'\. The requested amount would exceed the capacity/);
  const shrink = await api('PUT', `/resource_providers/${host}/inventories/VCPU`, {
    body: { resource_provider_generation: (await api('GET', `/resource_providers/${host}`)).body.generation, total: 2, allocation_ratio: 2 },
  });
  assert.equal(shrink.status, 409, shrink.text);
  assert.equal(shrink.body.errors[0].code, 'placement.inventory.inuse');
  assert.match(await cloud.osFail('sovcloud-admin', ['resource', 'provider', 'delete', host]), /HTTP 409/);
  await cloud.os('sovcloud-admin', ['resource', 'provider', 'allocation', 'delete', consumer]);
  assert.deepEqual(await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'allocation', 'show', consumer]), []);
});

test('claims racing for the last unit: exactly one of many wins', async () => {
  const rp = await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'create', 'e2e-race']);
  await cloud.osJson('sovcloud-admin', ['resource', 'provider', 'inventory', 'set', rp.uuid, '--resource', 'VCPU=1']);
  const claims = Array.from({ length: 8 }, () => api('PUT', `/allocations/${randomUUID()}`, {
    body: { allocations: { [rp.uuid]: { resources: { VCPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null },
  }));
  const results = await Promise.all(claims);
  assert.deepEqual(results.map((r) => r.status).sort(), [204, 409, 409, 409, 409, 409, 409, 409]);
  const usage = await api('GET', `/resource_providers/${rp.uuid}/usages`);
  assert.deepEqual(usage.body.usages, { VCPU: 1 });
  // A stale generation is refused with the code clients branch on.
  const stale = await api('PUT', `/resource_providers/${rp.uuid}/inventories`, { body: { resource_provider_generation: 0, inventories: { VCPU: { total: 2 } } } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.errors[0].code, 'placement.concurrent_update');
});
