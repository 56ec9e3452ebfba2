import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import { SovError } from '../../platform/errors.ts';
import { PolicyEngine } from '../../platform/policy/engine.ts';
import { uuid } from '../../platform/ids.ts';
import { AllocationFailed, createPlacement, type Placement } from './index.ts';

// The allocation rules against a real SQLite database: capacity, units, generations, atomicity.
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const admin = projectContext('admin', ['admin', 'member', 'reader']);
const member = projectContext('demo', ['member', 'reader']);
let db: Db;
let placement: Placement;

const fails = (status: number, code?: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SovError, String(e));
  assert.equal(e.status, status, e.message);
  if (code) assert.equal((e as { placementCode?: string }).placementCode, code);
  if (message) assert.match(e.message, message);
  return true;
};

async function host(name: string, vcpu = 4, memory = 2048): Promise<string> {
  const id = uuid();
  await placement.ensureProvider(name, id, { VCPU: { total: vcpu }, MEMORY_MB: { total: memory }, DISK_GB: { total: 100 } });
  return id;
}

before(async () => {
  db = await openDatabase(':memory:');
  placement = createPlacement(db, new PolicyEngine(), quiet);
});
after(async () => {
  await db.destroy();
});

test('claims add up to capacity and no further; the error names the class that ran out', async () => {
  const h = await host('cap-host', 2, 1024);
  await placement.claim(uuid(), h, { VCPU: 1, MEMORY_MB: 512 }, 'p', 'u');
  await placement.claim(uuid(), h, { VCPU: 1, MEMORY_MB: 256 }, 'p', 'u');
  const third = uuid();
  await assert.rejects(placement.claim(third, h, { VCPU: 1, MEMORY_MB: 1 }, 'p', 'u'), (e: unknown) => {
    assert.ok(e instanceof AllocationFailed);
    assert.equal(e.status, 409);
    assert.equal(e.resourceClass, 'VCPU');
    assert.match(e.message, /'VCPU' on resource provider .* would exceed the capacity/);
    return true;
  });
  // Nothing of the failed claim stayed behind: not even its MEMORY_MB.
  assert.deepEqual((await placement.allocations.providerUsages(admin, h)).usages, { DISK_GB: 0, MEMORY_MB: 768, VCPU: 2 });
  assert.deepEqual((await placement.allocations.forConsumer(admin, third)).allocations, {});
});

test('a claim replaces the consumer\'s earlier claim, so resizing in place counts once', async () => {
  const h = await host('resize-host', 2);
  const c = uuid();
  await placement.claim(c, h, { VCPU: 2 }, 'p', 'u');
  await placement.claim(c, h, { VCPU: 1 }, 'p', 'u');
  assert.equal((await placement.allocations.providerUsages(admin, h)).usages.VCPU, 1);
  await placement.release(c);
  await placement.release(c);
  assert.equal((await placement.allocations.providerUsages(admin, h)).usages.VCPU, 0);
});

test('reserved and allocation_ratio shape capacity; units bound each allocation', async () => {
  const h = uuid();
  await placement.ensureProvider('ratio-host', h, { VCPU: { total: 4, reserved: 1, allocationRatio: 2 }, MEMORY_MB: { total: 4096, maxUnit: 1024 } });
  await placement.claim(uuid(), h, { VCPU: 6 }, 'p', 'u');
  await assert.rejects(placement.claim(uuid(), h, { VCPU: 1 }, 'p', 'u'), AllocationFailed);
  await assert.rejects(placement.claim(uuid(), h, { MEMORY_MB: 2048 }, 'p', 'u'), (e: unknown) => e instanceof AllocationFailed && /violate inventory constraints/.test(e.message));
  await assert.rejects(placement.claim(uuid(), h, { DISK_GB: 1 }, 'p', 'u'), (e: unknown) => e instanceof AllocationFailed && e.resourceClass === 'DISK_GB');
});

test('two claims racing for the last unit: exactly one wins', async () => {
  const h = await host('race-host', 1);
  const results = await Promise.allSettled([placement.claim(uuid(), h, { VCPU: 1 }, 'p', 'u'), placement.claim(uuid(), h, { VCPU: 1 }, 'p', 'u')]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(lost.reason instanceof AllocationFailed, String(lost.reason));
  assert.equal((await placement.allocations.providerUsages(admin, h)).usages.VCPU, 1);
});

test('two servers on one database file racing for the last unit: exactly one wins each time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'placement-race-'));
  const file = join(dir, 'state.db');
  const a = await openDatabase(file);
  const b = await openDatabase(file);
  try {
    const pa = createPlacement(a, new PolicyEngine(), quiet);
    const pb = createPlacement(b, new PolicyEngine(), quiet);
    for (let round = 0; round < 5; round++) {
      const h = uuid();
      await pa.ensureProvider(`shared-host-${round}`, h, { VCPU: { total: 3 } });
      const race = () => Promise.allSettled([pa.claim(uuid(), h, { VCPU: 1 }, 'p', 'u'), pb.claim(uuid(), h, { VCPU: 1 }, 'p', 'u')]);
      // Two units left: both fit. One left: exactly one may have it, the other is told why.
      assert.deepEqual((await race()).map((r) => r.status), ['fulfilled', 'fulfilled']);
      const last = await race();
      assert.equal(last.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(last));
      const lost = last.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof AllocationFailed, String(lost.reason));
      assert.equal((await pb.allocations.providerUsages(admin, h)).usages.VCPU, 3);
    }
  } finally {
    await a.destroy();
    await b.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

test('consumer generations (1.28): null for a new consumer, then the current one; stale ones are 409', async () => {
  const h = await host('gen-host');
  const c = uuid();
  const put = (gen: number | null, res: Record<string, number>) => placement.allocations.set(admin, c, { allocations: res.VCPU ? { [h]: res } : {}, projectId: 'p', userId: 'u', consumerGeneration: gen });
  await assert.rejects(put(0, { VCPU: 1 }), fails(409, 'placement.concurrent_update', /expected null but got 0/));
  await put(null, { VCPU: 1 });
  const view = await placement.allocations.forConsumer(admin, c);
  assert.equal(view.consumer?.generation, 1);
  await assert.rejects(put(null, { VCPU: 2 }), fails(409, 'placement.concurrent_update', /expected 1 but got null/));
  await put(1, { VCPU: 2 });
  assert.deepEqual((await placement.allocations.forConsumer(admin, c)).allocations[h]?.resources, { VCPU: 2 });
  // An empty dict with the right generation is the safe delete; the consumer is forgotten.
  await put(2, {});
  assert.deepEqual(await placement.allocations.forConsumer(admin, c), { allocations: {} });
  await put(null, { VCPU: 1 });
});

test('POST /allocations moves a consumer atomically: a failure anywhere changes nothing', async () => {
  const h1 = await host('move-src', 2);
  const h2 = await host('move-dst', 1);
  const instance = uuid();
  const migration = uuid();
  await placement.claim(instance, h1, { VCPU: 2 }, 'p', 'u');
  const owners = { projectId: 'p', userId: 'u' };
  await assert.rejects(placement.allocations.setMany(admin, {
    [migration]: { allocations: { [h1]: { VCPU: 2 } }, ...owners },
    [instance]: { allocations: { [h2]: { VCPU: 2 } }, ...owners },
  }), AllocationFailed);
  assert.deepEqual(Object.keys((await placement.allocations.forConsumer(admin, instance)).allocations), [h1]);
  assert.deepEqual((await placement.allocations.forConsumer(admin, migration)).allocations, {});
  await placement.allocations.setMany(admin, {
    [migration]: { allocations: { [h1]: { VCPU: 2 } }, ...owners },
    [instance]: { allocations: { [h2]: { VCPU: 1 } }, ...owners },
  });
  assert.equal((await placement.allocations.providerUsages(admin, h1)).usages.VCPU, 2);
  assert.equal((await placement.allocations.providerUsages(admin, h2)).usages.VCPU, 1);
  assert.deepEqual(await placement.allocations.totalUsages(admin, 'p', 'u'), await placement.allocations.totalUsages(admin, 'p'));
});

test('inventory may not drop below what is allocated, nor a used class go away', async () => {
  const h = await host('shrink-host', 4);
  await placement.claim(uuid(), h, { VCPU: 3 }, 'p', 'u');
  const inv = await placement.inventories.list(admin, h);
  const opts = { reservedMayEqualTotal: true };
  await assert.rejects(placement.inventories.replace(admin, h, inv.generation, { VCPU: { total: 2 }, MEMORY_MB: { total: 2048 }, DISK_GB: { total: 100 } }, opts), fails(409, 'placement.inventory.inuse'));
  await assert.rejects(placement.inventories.replace(admin, h, inv.generation, { MEMORY_MB: { total: 2048 } }, opts), fails(409, 'placement.inventory.inuse'));
  await assert.rejects(placement.inventories.delete(admin, h, 'VCPU'), fails(409, 'placement.inventory.inuse'));
  await assert.rejects(placement.ensureProvider('shrink-host', h, { VCPU: { total: 1 } }), fails(409, 'placement.inventory.inuse'));
  // Raising reserved counts too: (4 - 2) * 1 < 3.
  await assert.rejects(placement.inventories.update(admin, h, inv.generation, 'VCPU', { total: 4, reserved: 2 }, opts), fails(409, 'placement.inventory.inuse'));
  const ok = await placement.inventories.update(admin, h, inv.generation, 'VCPU', { total: 4, allocation_ratio: 2 }, opts);
  assert.equal(ok.generation, inv.generation + 1);
  await assert.rejects(placement.inventories.update(admin, h, inv.generation, 'VCPU', { total: 5 }, opts), fails(409, 'placement.concurrent_update'));
});

test('reserved equal to total is allowed only from 1.26; unknown classes are refused', async () => {
  const h = await host('reserve-host');
  const { generation } = await placement.inventories.list(admin, h);
  await assert.rejects(placement.inventories.update(admin, h, generation, 'VCPU', { total: 4, reserved: 4 }, { reservedMayEqualTotal: false }), fails(400, undefined, /greater than or equal to total/));
  await placement.inventories.update(admin, h, generation, 'VCPU', { total: 4, reserved: 4 }, { reservedMayEqualTotal: true });
  await assert.rejects(placement.inventories.replace(admin, h, generation + 1, { CUSTOM_NOPE: { total: 1 } }, { reservedMayEqualTotal: true }), fails(400, undefined, /No such resource class CUSTOM_NOPE/));
});

test('ensureProvider is idempotent: the same call twice leaves the generation alone', async () => {
  const id = uuid();
  const inv = { VCPU: { total: 2 }, MEMORY_MB: { total: 512 } };
  await placement.ensureProvider('idem', id, inv, ['COMPUTE_NODE', 'CUSTOM_FAST']);
  const first = await placement.providers.get(admin, id);
  await placement.ensureProvider('idem', id, inv, ['CUSTOM_FAST', 'COMPUTE_NODE']);
  assert.equal((await placement.providers.get(admin, id)).generation, first.generation);
  assert.deepEqual((await placement.providers.traits(admin, id)).values, ['COMPUTE_NODE', 'CUSTOM_FAST']);
  await placement.ensureProvider('idem-renamed', id, { ...inv, DISK_GB: { total: 10 } });
  const after = await placement.providers.get(admin, id);
  assert.equal(after.name, 'idem-renamed');
  assert.equal(after.generation, first.generation + 1);
});

test('candidates: hosts with room for everything asked, nothing else', async () => {
  const small = await host('cand-small', 1, 512);
  const big = await host('cand-big', 8, 8192);
  const found = await placement.candidates({ VCPU: 2, MEMORY_MB: 1024 });
  assert.ok(found.includes(big));
  assert.ok(!found.includes(small));
  await assert.rejects(placement.candidates({ CUSTOM_UNKNOWN: 1 }), fails(400));
});

test('every API operation is for admins only', async () => {
  await assert.rejects(placement.providers.list(member), fails(403));
  await assert.rejects(placement.allocations.forConsumer(member, uuid()), fails(403));
  await assert.rejects(placement.traits.list(member), fails(403));
  assert.ok((await placement.providers.list(admin)).length > 0);
});
