import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { projectContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { Unauthorized } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import { PolicyEngine } from '../../platform/policy/engine.ts';
import type { Identity } from '../../services/identity/index.ts';
import { createPlacement } from '../../services/placement/index.ts';
import { placementPlugin } from './plugin.ts';

// The Placement wire format through Fastify's inject, with tokens stubbed: `admin` and `demo`.
let db: Db;
let app: FastifyInstance;

const identity = {
  tokens: {
    authenticate: (token: string | undefined) => {
      if (token === 'admin') return projectContext('admin', ['admin', 'member', 'reader']);
      if (token === 'demo') return projectContext('demo', ['member', 'reader']);
      throw new Unauthorized();
    },
  },
} as unknown as Identity;

interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, o: { body?: unknown; version?: string; token?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = { 'x-auth-token': o.token ?? 'admin' };
  if (o.version) headers['openstack-api-version'] = `placement ${o.version}`;
  const res = await app.inject({ method, url: `/placement${path}`, headers, ...(o.body === undefined ? {} : { payload: o.body as object }) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
}

const v = (version: string) => ({
  get: (path: string) => call('GET', path, { version }),
  post: (path: string, body: unknown) => call('POST', path, { version, body }),
  put: (path: string, body?: unknown) => call('PUT', path, { version, body }),
  del: (path: string) => call('DELETE', path, { version }),
});
const latest = v('1.29');

async function provider(name: string, inventories: Record<string, Record<string, number>>, extra: Record<string, unknown> = {}): Promise<string> {
  const rp = await latest.post('/resource_providers', { name, ...extra });
  assert.equal(rp.status, 200, JSON.stringify(rp.body));
  const inv = await latest.put(`/resource_providers/${rp.body.uuid}/inventories`, { resource_provider_generation: 0, inventories });
  assert.equal(inv.status, 200, JSON.stringify(inv.body));
  return rp.body.uuid;
}

before(async () => {
  db = await openDatabase(':memory:');
  const placement = createPlacement(db, new PolicyEngine(), { info: () => {}, warn: () => {}, error: () => {} });
  app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await app.register(placementPlugin, { prefix: '/placement', placement, identity, config: { publicUrl: 'http://127.0.0.1:9' } as Config });
  await app.ready();
});
after(async () => {
  await app.close();
  await db.destroy();
});

test('the root is an unauthenticated version document; microversions are negotiated in headers', async () => {
  const root = await app.inject({ method: 'GET', url: '/placement/' });
  assert.equal(root.statusCode, 200);
  assert.deepEqual(JSON.parse(root.body).versions[0], {
    id: 'v1.0', max_version: '1.29', min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: 'http://127.0.0.1:9/placement/' }],
  });
  assert.equal(root.headers['openstack-api-version'], 'placement 1.0');
  assert.match(String(root.headers.vary), /openstack-api-version/i);
  const latestRoot = await app.inject({ method: 'GET', url: '/placement/', headers: { 'openstack-api-version': 'placement latest' } });
  assert.equal(latestRoot.headers['openstack-api-version'], 'placement 1.29');
  // What osc-placement does: ask for its own maximum and fall back to the server's on 406.
  const tooNew = await app.inject({ method: 'GET', url: '/placement/', headers: { 'openstack-api-version': 'placement 1.39' } });
  assert.equal(tooNew.statusCode, 406);
  const err = JSON.parse(tooNew.body).errors[0];
  assert.deepEqual([err.status, err.title, err.max_version, err.min_version], [406, 'Not Acceptable', '1.29', '1.0']);
  const bad = await app.inject({ method: 'GET', url: '/placement/', headers: { 'openstack-api-version': 'placement one' } });
  assert.equal(bad.statusCode, 400);
  const anon = await app.inject({ method: 'GET', url: '/placement/resource_providers' });
  assert.equal(anon.statusCode, 401);
});

test('errors are {"errors": [...]} with a request id, and a code from 1.23', async () => {
  const missing = uuid();
  const old = await v('1.22').get(`/resource_providers/${missing}`);
  assert.equal(old.status, 404);
  const e = old.body.errors[0];
  assert.equal(e.status, 404);
  assert.equal(e.title, 'Not Found');
  assert.match(e.request_id, /^req-[0-9a-f-]{36}$/);
  assert.equal(e.request_id, old.headers['openstack-request-id']);
  assert.match(e.detail.split('\n').at(-1).trim(), new RegExp(`No resource provider with uuid ${missing} found`));
  assert.equal('code' in e, false);
  const now = await latest.get(`/resource_providers/${missing}`);
  assert.equal(now.body.errors[0].code, 'placement.undefined_code');
  const forbidden = await call('GET', '/resource_providers', { token: 'demo' });
  assert.equal(forbidden.status, 403);
  // Routes newer than the request's microversion do not exist for it.
  assert.equal((await v('1.5').get('/traits')).status, 404);
  assert.equal((await v('1.4').del(`/resource_providers/${missing}/inventories`)).status, 405);
});

test('resource providers: create per microversion, show, filter, rename, nest, delete', async () => {
  const old = await v('1.19').post('/resource_providers', { name: 'rp-old' });
  assert.equal(old.status, 201);
  assert.equal(old.body, undefined);
  assert.match(String(old.headers.location), /^http:\/\/127.0.0.1:9\/placement\/resource_providers\/[0-9a-f-]{36}$/);
  const id = uuid().replaceAll('-', '').toUpperCase();
  const created = await latest.post('/resource_providers', { name: 'rp-root', uuid: id });
  assert.equal(created.status, 200);
  const root = created.body;
  assert.equal(root.uuid, [id.slice(0, 8), id.slice(8, 12), id.slice(12, 16), id.slice(16, 20), id.slice(20)].join('-').toLowerCase());
  assert.deepEqual([root.generation, root.parent_provider_uuid, root.root_provider_uuid], [0, null, root.uuid]);
  assert.deepEqual(root.links.map((l: { rel: string }) => l.rel), ['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
  assert.equal((await v('1.13').get(`/resource_providers/${root.uuid}`)).body.root_provider_uuid, undefined);

  const dup = await latest.post('/resource_providers', { name: 'rp-root' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.errors[0].code, 'placement.duplicate_name');
  assert.equal((await latest.post('/resource_providers', { name: 'x', bogus: 1 })).status, 400);
  assert.equal((await latest.post('/resource_providers', { name: 'x', parent_provider_uuid: uuid() })).status, 400);

  const child = (await latest.post('/resource_providers', { name: 'rp-child', parent_provider_uuid: root.uuid })).body;
  assert.equal(child.root_provider_uuid, root.uuid);
  const tree = await latest.get(`/resource_providers?in_tree=${child.uuid}`);
  assert.deepEqual(tree.body.resource_providers.map((r: { name: string }) => r.name).sort(), ['rp-child', 'rp-root']);
  assert.equal((await latest.get('/resource_providers?name=rp-child')).body.resource_providers.length, 1);
  assert.equal((await v('1.13').get(`/resource_providers?in_tree=${child.uuid}`)).status, 400);

  // A root may join a tree (its subtree follows), but nobody is re-parented before 1.37.
  const lone = (await latest.post('/resource_providers', { name: 'rp-lone' })).body;
  const joined = await latest.put(`/resource_providers/${lone.uuid}`, { name: 'rp-lone2', parent_provider_uuid: child.uuid });
  assert.equal(joined.status, 200);
  assert.deepEqual([joined.body.name, joined.body.root_provider_uuid], ['rp-lone2', root.uuid]);
  const reparent = await latest.put(`/resource_providers/${lone.uuid}`, { name: 'rp-lone2', parent_provider_uuid: root.uuid });
  assert.equal(reparent.status, 400);
  assert.match(reparent.body.errors[0].detail, /re-parenting a provider is not currently allowed/);
  const loop = await latest.put(`/resource_providers/${root.uuid}`, { name: 'rp-root', parent_provider_uuid: lone.uuid });
  assert.match(loop.body.errors[0].detail, /creating loop/);

  const parentDelete = await latest.del(`/resource_providers/${child.uuid}`);
  assert.equal(parentDelete.status, 409);
  assert.equal(parentDelete.body.errors[0].code, 'placement.resource_provider.cannot_delete_parent');
  assert.equal((await latest.del(`/resource_providers/${lone.uuid}`)).status, 204);
  assert.equal((await latest.del(`/resource_providers/${lone.uuid}`)).status, 404);
});

test('inventories: set all, one, generation conflicts and bad values', async () => {
  const rp = (await latest.post('/resource_providers', { name: 'inv-host' })).body.uuid;
  const set = await latest.put(`/resource_providers/${rp}/inventories`, {
    resource_provider_generation: 0, inventories: { VCPU: { total: 8, allocation_ratio: 4 }, MEMORY_MB: { total: 4096, reserved: 512 } },
  });
  assert.equal(set.status, 200);
  assert.equal(set.body.resource_provider_generation, 1);
  assert.deepEqual(set.body.inventories.VCPU, { total: 8, reserved: 0, min_unit: 1, max_unit: 2147483647, step_size: 1, allocation_ratio: 4 });
  const stale = await latest.put(`/resource_providers/${rp}/inventories`, { resource_provider_generation: 0, inventories: {} });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.errors[0].code, 'placement.concurrent_update');
  const one = await latest.put(`/resource_providers/${rp}/inventories/VCPU`, { resource_provider_generation: 1, total: 16 });
  assert.deepEqual([one.status, one.body.total, one.body.resource_provider_generation], [200, 16, 2]);
  assert.equal((await latest.put(`/resource_providers/${rp}/inventories/DISK_GB`, { resource_provider_generation: 2, total: 1 })).status, 400);
  const added = await latest.post(`/resource_providers/${rp}/inventories`, { resource_class: 'DISK_GB', resource_provider_generation: 2, total: 100 });
  assert.equal(added.status, 201);
  assert.equal((await latest.get(`/resource_providers/${rp}/inventories/DISK_GB`)).body.total, 100);
  assert.equal((await latest.put(`/resource_providers/${rp}/inventories/VCPU`, { resource_provider_generation: 3, total: 0 })).status, 400);
  assert.equal((await latest.put(`/resource_providers/${rp}/inventories/VCPU`, { resource_provider_generation: 3, total: 4, reserved: 4 })).status, 200);
  assert.equal((await v('1.25').put(`/resource_providers/${rp}/inventories/VCPU`, { resource_provider_generation: 4, total: 4, reserved: 4 })).status, 400);
  assert.equal((await latest.del(`/resource_providers/${rp}/inventories/DISK_GB`)).status, 204);
  assert.deepEqual(Object.keys((await latest.get(`/resource_providers/${rp}/inventories`)).body.inventories).sort(), ['MEMORY_MB', 'VCPU']);
  assert.equal((await latest.del(`/resource_providers/${rp}/inventories`)).status, 204);
  assert.deepEqual((await latest.get(`/resource_providers/${rp}/usages`)).body.usages, {});
});

test('resource classes and traits: standard ones listed, custom ones made and removed', async () => {
  const classes = (await latest.get('/resource_classes')).body.resource_classes.map((c: { name: string }) => c.name);
  assert.deepEqual(classes.slice(0, 3), ['VCPU', 'MEMORY_MB', 'DISK_GB']);
  assert.equal((await latest.post('/resource_classes', { name: 'CUSTOM_GPU' })).status, 201);
  assert.equal((await latest.post('/resource_classes', { name: 'CUSTOM_GPU' })).status, 409);
  assert.equal((await latest.post('/resource_classes', { name: 'GPU' })).status, 400);
  assert.equal((await latest.put('/resource_classes/CUSTOM_FPGA')).status, 201);
  assert.equal((await latest.put('/resource_classes/CUSTOM_FPGA')).status, 204);
  assert.deepEqual((await latest.get('/resource_classes/CUSTOM_GPU')).body, { name: 'CUSTOM_GPU', links: [{ rel: 'self', href: '/placement/resource_classes/CUSTOM_GPU' }] });
  const renamed = await v('1.6').put('/resource_classes/CUSTOM_FPGA', { name: 'CUSTOM_FPGA2' });
  assert.equal(renamed.body.name, 'CUSTOM_FPGA2');
  assert.equal((await latest.del('/resource_classes/VCPU')).status, 400);
  assert.equal((await latest.del('/resource_classes/CUSTOM_FPGA2')).status, 204);
  assert.equal((await latest.get('/resource_classes/CUSTOM_FPGA2')).status, 404);

  assert.ok((await latest.get('/traits')).body.traits.includes('HW_CPU_X86_AVX2'));
  assert.equal((await latest.put('/traits/CUSTOM_GOLD')).status, 201);
  assert.equal((await latest.put('/traits/CUSTOM_GOLD')).status, 204);
  assert.equal((await latest.put('/traits/GOLD')).status, 400);
  assert.equal((await latest.get('/traits/CUSTOM_GOLD')).status, 204);
  assert.deepEqual((await latest.get('/traits?name=startswith:CUSTOM_')).body.traits, ['CUSTOM_GOLD']);
  assert.deepEqual((await latest.get('/traits?name=in:CUSTOM_GOLD,COMPUTE_NODE,NOPE')).body.traits, ['COMPUTE_NODE', 'CUSTOM_GOLD']);
  const rp = (await latest.post('/resource_providers', { name: 'trait-host' })).body.uuid;
  const put = await latest.put(`/resource_providers/${rp}/traits`, { resource_provider_generation: 0, traits: ['CUSTOM_GOLD', 'COMPUTE_NODE'] });
  assert.deepEqual(put.body, { traits: ['COMPUTE_NODE', 'CUSTOM_GOLD'], resource_provider_generation: 1 });
  assert.equal((await latest.put(`/resource_providers/${rp}/traits`, { resource_provider_generation: 0, traits: [] })).status, 409);
  assert.equal((await latest.put(`/resource_providers/${rp}/traits`, { resource_provider_generation: 1, traits: ['CUSTOM_NOPE'] })).status, 400);
  assert.deepEqual((await latest.get('/traits?associated=true&name=startswith:CUSTOM')).body.traits, ['CUSTOM_GOLD']);
  assert.equal((await latest.del('/traits/CUSTOM_GOLD')).status, 409);
  assert.deepEqual((await latest.get('/resource_providers?required=CUSTOM_GOLD')).body.resource_providers.map((r: { uuid: string }) => r.uuid), [rp]);
  assert.ok(!(await latest.get('/resource_providers?required=!CUSTOM_GOLD')).body.resource_providers.some((r: { uuid: string }) => r.uuid === rp));
  assert.equal((await v('1.21').get('/resource_providers?required=!CUSTOM_GOLD')).status, 400);
  assert.equal((await latest.del(`/resource_providers/${rp}/traits`)).status, 204);
  assert.equal((await latest.del('/traits/CUSTOM_GOLD')).status, 204);
});

test('aggregates: a list before 1.19, with the generation after; member_of filters', async () => {
  const rp = (await latest.post('/resource_providers', { name: 'agg-host' })).body.uuid;
  const agg = uuid();
  const old = await v('1.18').put(`/resource_providers/${rp}/aggregates`, [agg]);
  assert.deepEqual(old.body, { aggregates: [agg] });
  const now = await latest.get(`/resource_providers/${rp}/aggregates`);
  assert.deepEqual(now.body, { aggregates: [agg], resource_provider_generation: 0 });
  assert.equal((await latest.put(`/resource_providers/${rp}/aggregates`, { aggregates: [], resource_provider_generation: 5 })).status, 409);
  const listed = await latest.get(`/resource_providers?member_of=in:${agg},${uuid()}`);
  assert.deepEqual(listed.body.resource_providers.map((r: { uuid: string }) => r.uuid), [rp]);
  assert.equal((await latest.get(`/resource_providers?member_of=${uuid()}`)).body.resource_providers.length, 0);
  assert.equal((await v('1.23').get(`/resource_providers?member_of=${agg}&member_of=${agg}`)).status, 400);
});

test('allocations: list format before 1.12, dict after, consumer generations at 1.28, usages', async () => {
  const rp = await provider('alloc-host', { VCPU: { total: 2 }, MEMORY_MB: { total: 1024 } });
  const c1 = uuid();
  const put = await v('1.8').put(`/allocations/${c1}`, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1 } }], project_id: 'p1', user_id: 'u1' });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  const shown = await latest.get(`/allocations/${c1}`);
  assert.deepEqual(shown.body, { allocations: { [rp]: { generation: 2, resources: { VCPU: 1 } } }, project_id: 'p1', user_id: 'u1', consumer_generation: 1 });
  assert.equal((await v('1.11').get(`/allocations/${c1}`)).body.project_id, undefined);
  assert.equal((await v('1.12').put(`/allocations/${c1}`, { allocations: {}, project_id: 'p1', user_id: 'u1' })).status, 400);

  const c2 = uuid();
  const body = (gen: number | null, vcpu: number) => ({ allocations: { [rp]: { resources: { VCPU: vcpu } } }, project_id: 'p1', user_id: 'u2', consumer_generation: gen });
  assert.equal((await latest.put(`/allocations/${c2}`, { allocations: { [rp]: { resources: { VCPU: 1 } } }, project_id: 'p1', user_id: 'u2' })).status, 400);
  assert.equal((await latest.put(`/allocations/${c2}`, body(null, 1))).status, 204);
  const full = await latest.put(`/allocations/${uuid()}`, body(null, 1));
  assert.equal(full.status, 409);
  assert.match(full.body.errors[0].detail, /'VCPU' .* would exceed the capacity/);
  const stale = await latest.put(`/allocations/${c2}`, body(0, 1));
  assert.equal(stale.body.errors[0].code, 'placement.concurrent_update');
  assert.equal((await latest.put(`/allocations/${c2}`, { ...body(1, 1), allocations: { [uuid()]: { resources: { VCPU: 1 } } } })).status, 400);
  assert.equal((await latest.put('/allocations/not-a-uuid', body(null, 1))).status, 400);

  const byRp = await latest.get(`/resource_providers/${rp}/allocations`);
  assert.deepEqual(byRp.body.allocations[c2], { resources: { VCPU: 1 }, consumer_generation: 1 });
  assert.deepEqual((await latest.get(`/resource_providers/${rp}/usages`)).body, { resource_provider_generation: 3, usages: { MEMORY_MB: 0, VCPU: 2 } });
  assert.deepEqual((await latest.get('/usages?project_id=p1')).body, { usages: { VCPU: 2 } });
  assert.deepEqual((await latest.get('/usages?project_id=p1&user_id=u2')).body, { usages: { VCPU: 1 } });
  assert.equal((await latest.get('/usages')).status, 400);

  const inUse = await latest.del(`/resource_providers/${rp}`);
  assert.equal(inUse.body.errors[0].code, 'placement.resource_provider.inuse');
  const shrink = await latest.put(`/resource_providers/${rp}/inventories/VCPU`, { resource_provider_generation: 3, total: 1 });
  assert.equal(shrink.body.errors[0].code, 'placement.inventory.inuse');

  // POST /allocations (1.13): swap the two consumers' amounts in one go; empty clears one.
  const post = await latest.post('/allocations', {
    [c1]: { allocations: {}, project_id: 'p1', user_id: 'u1', consumer_generation: 1 },
    [c2]: { allocations: { [rp]: { resources: { VCPU: 2 } } }, project_id: 'p1', user_id: 'u2', consumer_generation: 1 },
  });
  assert.equal(post.status, 204, JSON.stringify(post.body));
  assert.deepEqual((await latest.get(`/allocations/${c1}`)).body, { allocations: {} });
  assert.equal((await latest.del(`/allocations/${c2}`)).status, 204);
  assert.equal((await latest.del(`/allocations/${c2}`)).status, 404);
});

test('allocation candidates: single hosts, nested trees, sharing providers, granular groups', async () => {
  const agg = uuid();
  const compute = await provider('ac-compute', { VCPU: { total: 4 }, MEMORY_MB: { total: 2048, max_unit: 1024 } });
  const numa = (await latest.post('/resource_providers', { name: 'ac-numa', parent_provider_uuid: compute })).body.uuid;
  await latest.put(`/resource_providers/${numa}/inventories`, { resource_provider_generation: 0, inventories: { CUSTOM_GPU: { total: 2 } } });
  const disk = await provider('ac-shared-disk', { DISK_GB: { total: 500 } });
  await latest.put(`/resource_providers/${disk}/traits`, { resource_provider_generation: 1, traits: ['MISC_SHARES_VIA_AGGREGATE'] });
  await latest.put(`/resource_providers/${disk}/aggregates`, { resource_provider_generation: 2, aggregates: [agg] });
  await latest.put(`/resource_providers/${compute}/aggregates`, { resource_provider_generation: 1, aggregates: [agg] });

  // Earlier cases left other providers; only this tree and its sharing disk matter here.
  const ours = new Set([compute, numa, disk]);
  const mine = (res: Res) => res.body.allocation_requests.filter((r: any) => Object.keys(r.allocations).every((u) => ours.has(u)));
  const simple = await latest.get('/allocation_candidates?resources=VCPU:1,MEMORY_MB:512');
  assert.deepEqual(mine(simple), [{ allocations: { [compute]: { resources: { MEMORY_MB: 512, VCPU: 1 } } } }]);
  assert.deepEqual(simple.body.provider_summaries[compute].resources.VCPU, { capacity: 4, used: 0 });
  assert.equal(simple.body.provider_summaries[numa].parent_provider_uuid, compute);
  assert.equal(mine(await latest.get('/allocation_candidates?resources=MEMORY_MB:2048')).length, 0);

  const withDisk = await latest.get('/allocation_candidates?resources=VCPU:1,DISK_GB:10');
  assert.deepEqual(mine(withDisk), [{ allocations: { [compute]: { resources: { VCPU: 1 } }, [disk]: { resources: { DISK_GB: 10 } } } }]);

  const nested = await latest.get('/allocation_candidates?resources=VCPU:1,CUSTOM_GPU:1');
  assert.deepEqual(mine(nested), [{ allocations: { [compute]: { resources: { VCPU: 1 } }, [numa]: { resources: { CUSTOM_GPU: 1 } } } }]);
  // Before 1.29 a request spread over one tree is not a candidate.
  assert.deepEqual(mine(await v('1.28').get('/allocation_candidates?resources=VCPU:1,CUSTOM_GPU:1')), []);

  const granular = await latest.get('/allocation_candidates?resources=VCPU:1&resources1=CUSTOM_GPU:1&resources2=CUSTOM_GPU:1&group_policy=none');
  assert.deepEqual(mine(granular), [{ allocations: { [compute]: { resources: { VCPU: 1 } }, [numa]: { resources: { CUSTOM_GPU: 2 } } } }]);
  const isolated = await latest.get('/allocation_candidates?resources=VCPU:1&resources1=CUSTOM_GPU:1&resources2=CUSTOM_GPU:1&group_policy=isolate');
  assert.deepEqual(mine(isolated), []);
  assert.equal((await latest.get('/allocation_candidates?resources1=VCPU:1&resources2=VCPU:1')).status, 400);
  assert.equal((await latest.get('/allocation_candidates?resources=VCPU:1&required1=COMPUTE_NODE')).status, 400);

  const old = await v('1.10').get('/allocation_candidates?resources=VCPU:1,DISK_GB:10');
  assert.deepEqual(old.body.allocation_requests.find((r: any) => r.allocations.length === 2).allocations.map((a: any) => a.resource_provider.uuid).sort(), [compute, disk].sort());
  assert.deepEqual(Object.keys(old.body.provider_summaries[compute].resources), ['VCPU']);
  assert.equal(old.body.provider_summaries[compute].traits, undefined);

  await latest.put(`/resource_providers/${compute}/traits`, { resource_provider_generation: 2, traits: ['COMPUTE_NODE'] });
  assert.equal(mine(await latest.get('/allocation_candidates?resources=VCPU:1&required=COMPUTE_NODE')).length, 1);
  assert.equal(mine(await latest.get('/allocation_candidates?resources=VCPU:1&required=!COMPUTE_NODE')).length, 0);
  assert.equal((await latest.get(`/allocation_candidates?resources=VCPU:1&member_of=${uuid()}`)).body.allocation_requests.length, 0);
  assert.equal(mine(await latest.get(`/allocation_candidates?resources=VCPU:1&member_of=${agg}`)).length, 1);
  assert.equal((await latest.get('/allocation_candidates?resources=VCPU:1&limit=0')).status, 400);
  assert.equal((await latest.get('/allocation_candidates?resources=CUSTOM_NOPE:1')).status, 400);
  assert.equal((await v('1.9').get('/allocation_candidates?resources=VCPU:1')).status, 404);

  // What a candidate says can be claimed as it stands.
  const claim = { allocations: mine(withDisk)[0].allocations, project_id: 'p', user_id: 'u', consumer_generation: null };
  assert.equal((await latest.put(`/allocations/${uuid()}`, claim)).status, 204);
});
