import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { computeDeps, fails } from './test-kit.ts';
import { Flavors } from './flavors.ts';
import { SCS_FLAVORS } from './scs-flavors.ts';

let db: Db;
let flavors: Flavors;
const admin = projectContext('p-admin', ['admin', 'member', 'reader']);
const alice = projectContext('p-alice', ['member', 'reader']);
const bob = projectContext('p-bob', ['member', 'reader']);


before(async () => {
  const d = await computeDeps();
  db = d.db;
  flavors = new Flavors(d);
  await flavors.bootstrap();
});
after(async () => {
  await db.destroy();
});

test('bootstrap creates every SCS flavor once, named and identified by its SCS name, RAM in MiB = 1024 x GiB', async () => {
  await flavors.bootstrap();
  const rows = await db.selectFrom('flavors').selectAll().execute();
  assert.equal(rows.length, SCS_FLAVORS.length);
  for (const f of SCS_FLAVORS) {
    const shown = await flavors.get(alice, f.name);
    assert.equal(shown.name, f.name);
    assert.equal(shown.ram, f.ramGiB * 1024);
    assert.equal(shown.vcpus, f.vcpus);
    assert.equal(shown.disk, f.diskGB);
    assert.equal(shown.is_public, true);
    assert.equal(shown.extra_specs['scs:name-v2'], f.name);
  }
  assert.deepEqual((await flavors.get(alice, 'SCS-2V-4-20s')).extra_specs,
    { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', 'scs:name-v1': 'SCS-2V:4:20s', 'scs:name-v2': 'SCS-2V-4-20s' });
  assert.deepEqual((await flavors.get(alice, 'SCS-1L-1')).extra_specs, { 'scs:cpu-type': 'crowded-core', 'scs:name-v1': 'SCS-1L:1', 'scs:name-v2': 'SCS-1L-1' });
});

test('a deleted standard flavor comes back at the next start; one created by hand under the name is kept', async () => {
  await flavors.delete(admin, 'SCS-1V-2');
  await assert.rejects(flavors.get(admin, 'SCS-1V-2'), fails(404, /^Flavor SCS-1V-2 could not be found\.$/));
  await flavors.bootstrap();
  assert.equal((await flavors.get(alice, 'SCS-1V-2')).vcpus, 1);
});

test('list: sorted by id, filtered by minRam/minDisk, paged with a next marker when a page is full', async () => {
  const all = await flavors.list(alice, {});
  const ids = all.items.map((f) => f.id);
  assert.deepEqual(ids, [...ids].sort());
  assert.equal(all.nextMarker, undefined);
  const big = await flavors.list(alice, { minRam: 32768, minDisk: 100 });
  assert.deepEqual(big.items.map((f) => f.id), ['SCS-16V-32-100', 'SCS-4V-32-100', 'SCS-8V-32-100']);
  const first = await flavors.list(alice, { limit: 2 });
  assert.equal(first.items.length, 2);
  assert.equal(first.nextMarker, first.items[1]!.id);
  const second = await flavors.list(alice, { limit: 2, marker: first.nextMarker! });
  assert.deepEqual(second.items.map((f) => f.id), ids.slice(2, 4));
  await assert.rejects(flavors.list(alice, { marker: 'nope' }), fails(400, /^marker \[nope\] not found$/));
  const byRam = await flavors.list(alice, { sortKey: 'memory_mb', sortDir: 'desc', limit: 1 });
  assert.equal(byRam.items[0]!.ram, 128 * 1024);
  await assert.rejects(flavors.list(alice, { sortKey: 'bogus' }), fails(400));
});

test('private flavors: only admins and projects given access see them; access lists and conflicts as in Nova', async () => {
  const f = await flavors.create(admin, { name: 'private-one', ram: 512, vcpus: 1, disk: 1, is_public: false, description: 'd' });
  assert.match(f.id, /^[0-9a-f-]{36}$/);
  await assert.rejects(flavors.get(alice, f.id), fails(404));
  assert.ok(!(await flavors.list(alice, { isPublic: 'None' })).items.some((x) => x.id === f.id));
  assert.ok(!(await flavors.list(admin, {})).items.some((x) => x.id === f.id), 'admins see public and shared flavors by default');
  assert.ok((await flavors.list(admin, { isPublic: 'None' })).items.some((x) => x.id === f.id));
  assert.deepEqual((await flavors.list(admin, { isPublic: 'false' })).items.map((x) => x.id), [f.id]);
  await assert.rejects(flavors.list(admin, { isPublic: 'maybe' }), fails(400, /^Invalid is_public filter \[maybe\]$/));

  assert.deepEqual(await flavors.addAccess(admin, f.id, 'p-alice'), [{ flavor_id: f.id, tenant_id: 'p-alice' }]);
  await assert.rejects(flavors.addAccess(admin, f.id, 'p-alice'), fails(409, /^Flavor access already exists for flavor .* and project p-alice combination\.$/));
  assert.equal((await flavors.get(alice, f.id)).name, 'private-one');
  assert.ok((await flavors.list(alice, {})).items.some((x) => x.id === f.id));
  await assert.rejects(flavors.get(bob, f.id), fails(404));
  await assert.rejects(flavors.access(alice, f.id), fails(403));
  assert.equal((await flavors.access(admin, f.id)).length, 1);
  await assert.rejects(flavors.access(admin, 'SCS-1V-4'), fails(404, /^Access list not available for public flavors\.$/));
  await assert.rejects(flavors.addAccess(admin, 'SCS-1V-4', 'p-bob'), fails(409, /^Can not add access to a public flavor\.$/));
  assert.deepEqual(await flavors.removeAccess(admin, f.id, 'p-alice'), []);
  await assert.rejects(flavors.removeAccess(admin, f.id, 'p-alice'), fails(404, /^Flavor access not found for .* \/ p-alice combination\.$/));
  await assert.rejects(flavors.get(alice, f.id), fails(404));
});

test('create: admins only, given ids kept, name and id conflicts are 409', async () => {
  await assert.rejects(flavors.create(alice, { name: 'x', ram: 1, vcpus: 1, disk: 0 }), fails(403));
  const f = await flavors.create(admin, { id: 'tiny', name: '  tiny flavor ', ram: 64, vcpus: 1, disk: 0 });
  assert.deepEqual({ ...f }, {
    id: 'tiny', name: 'tiny flavor', description: null, vcpus: 1, ram: 64, disk: 0, ephemeral: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, extra_specs: {},
  });
  await assert.rejects(flavors.create(admin, { id: 'tiny', name: 'other', ram: 64, vcpus: 1, disk: 0 }), fails(409, /^Flavor with ID tiny already exists\.$/));
  await assert.rejects(flavors.create(admin, { name: 'tiny flavor', ram: 64, vcpus: 1, disk: 0 }), fails(409, /^Flavor with name tiny flavor already exists\.$/));
  assert.equal((await flavors.updateDescription(admin, 'tiny', 'small')).description, 'small');
  await assert.rejects(flavors.updateDescription(alice, 'tiny', 'x'), fails(403));
  await assert.rejects(flavors.delete(alice, 'tiny'), fails(403));
  await flavors.delete(admin, 'tiny');
  await assert.rejects(flavors.delete(admin, 'tiny'), fails(404));
});

test('extra specs: everyone reads, admins write; a missing key is 404 with Nova\'s message', async () => {
  await flavors.create(admin, { id: 'specs', name: 'specs', ram: 64, vcpus: 1, disk: 0 });
  await flavors.setExtraSpecs(admin, 'specs', { 'hw:cpu_policy': 'shared', 'quota:cpu_period': '1000' }, 'create');
  await flavors.setExtraSpecs(admin, 'specs', { 'hw:cpu_policy': 'dedicated' }, 'update');
  assert.deepEqual(await flavors.extraSpecs(alice, 'specs'), { 'hw:cpu_policy': 'dedicated', 'quota:cpu_period': '1000' });
  assert.equal(await flavors.extraSpec(alice, 'specs', 'hw:cpu_policy'), 'dedicated');
  await assert.rejects(flavors.extraSpec(alice, 'specs', 'nope'), fails(404, /^Flavor specs has no extra specs with key nope\.$/));
  await assert.rejects(flavors.setExtraSpecs(alice, 'specs', { a: 'b' }, 'create'), fails(403));
  await flavors.deleteExtraSpec(admin, 'specs', 'quota:cpu_period');
  await assert.rejects(flavors.deleteExtraSpec(admin, 'specs', 'quota:cpu_period'), fails(404));
  assert.deepEqual(await flavors.extraSpecs(alice, 'specs'), { 'hw:cpu_policy': 'dedicated' });
});
