import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { addInstance, computeDeps, fails } from './test-kit.ts';
import { QUOTA_DEFAULTS, Quotas } from './quotas.ts';
import { ServerGroups } from './server-groups.ts';

let db: Db;
let quotas: Quotas;
let groups: ServerGroups;
const admin = projectContext('p-admin', ['admin', 'member', 'reader']);



before(async () => {
  const d = await computeDeps();
  db = d.db;
  quotas = new Quotas(d);
  groups = new ServerGroups(d, quotas);
});
after(async () => {
  await db.destroy();
});

test('defaults are Nova\'s', async () => {
  const limits = await quotas.limits(db, 'p-fresh');
  assert.deepEqual(
    { instances: limits.instances, cores: limits.cores, ram: limits.ram, metadata_items: limits.metadata_items, key_pairs: limits.key_pairs, server_groups: limits.server_groups, server_group_members: limits.server_group_members },
    { instances: 10, cores: 20, ram: 51200, metadata_items: 128, key_pairs: 100, server_groups: 10, server_group_members: 10 },
  );
  assert.deepEqual(quotas.defaults(projectContext('p-fresh', ['reader']), 'p-fresh'), QUOTA_DEFAULTS);
});

test('usage sums vCPUs and RAM from the instances\' flavors; deleted ones do not count', async () => {
  await addInstance(db, { project: 'p-use', vcpus: 2, ram: 4096 });
  await addInstance(db, { project: 'p-use', vcpus: 4, ram: 16384 });
  await addInstance(db, { project: 'p-use', vcpus: 8, ram: 1024, vmState: 'deleted' });
  await addInstance(db, { project: 'p-other', vcpus: 16, ram: 1024 });
  const u = await quotas.usage(db, 'p-use');
  assert.deepEqual({ instances: u.instances, cores: u.cores, ram: u.ram }, { instances: 2, cores: 6, ram: 20480 });
});

test('check: exactly at the limit is fine, one past it fails with Nova\'s message', async () => {
  const p = 'p-check';
  for (let i = 0; i < 9; i++) await addInstance(db, { project: p, vcpus: 2, ram: 2048 });
  await quotas.check(db, p, { instances: 1, cores: 2, ram: 2048 });
  await addInstance(db, { project: p, vcpus: 2, ram: 2048 });
  await assert.rejects(quotas.check(db, p, { instances: 1 }), fails(403, /^Quota exceeded for instances: Requested 1, but already used 10 of 10 instances$/));
  await assert.rejects(quotas.check(db, p, { instances: 1, cores: 2, ram: 64 }),
    fails(403, /^Quota exceeded for cores, instances: Requested 2, 1, but already used 20, 10 of 20, 10 cores, instances$/));
  await quotas.update(admin, p, { instances: 12, cores: -1 }, false);
  await quotas.check(db, p, { instances: 2, cores: 100, ram: 2048 });
  await assert.rejects(quotas.check(db, p, { instances: 1, ram: 31000 }), fails(403, /^Quota exceeded for ram: Requested 31000, but already used 20480 of 51200 ram$/));
});

test('update refuses limits below usage unless forced; detail shows in_use; reset restores defaults', async () => {
  const p = 'p-update';
  const member = projectContext(p, ['member', 'reader']);
  await addInstance(db, { project: p, vcpus: 4, ram: 4096 });
  await addInstance(db, { project: p, vcpus: 4, ram: 4096 });
  await assert.rejects(quotas.update(member, p, { instances: 5 }, false), fails(403));
  await assert.rejects(quotas.update(admin, p, { cores: 7 }, false),
    fails(400, /^Quota limit 7 for cores must be greater than or equal to already used and reserved 8\.$/));
  assert.equal((await quotas.update(admin, p, { cores: 7 }, true)).cores, 7);
  assert.equal((await quotas.update(admin, p, { instances: -1 }, false)).instances, -1);
  await assert.rejects(quotas.update(admin, p, { bogus: 1 }, false), fails(400));
  const detail = await quotas.detail(member, p);
  assert.deepEqual(detail.cores, { limit: 7, in_use: 8, reserved: 0 });
  assert.deepEqual(detail.instances, { limit: -1, in_use: 2, reserved: 0 });
  assert.deepEqual(detail.ram, { limit: 51200, in_use: 8192, reserved: 0 });
  await assert.rejects(quotas.show(projectContext('p-stranger', ['member', 'reader']), p), fails(403));
  await quotas.reset(admin, p);
  assert.equal((await quotas.show(member, p)).cores, 20);
});

test('limits for another project need admin', async () => {
  const member = projectContext('p-lim', ['member', 'reader']);
  await addInstance(db, { project: 'p-lim', vcpus: 1, ram: 512 });
  const own = await quotas.absolute(member);
  assert.equal(own.usage.instances, 1);
  assert.equal(own.limits.instances, 10);
  await assert.rejects(quotas.absolute(member, 'p-use'), fails(403));
  assert.equal((await quotas.absolute(admin, 'p-lim')).usage.ram, 512);
});

test('server groups and their members have their own quotas', async () => {
  const p = 'p-groups';
  const member = projectContext(p, ['member', 'reader']);
  await quotas.update(admin, p, { server_groups: 1, server_group_members: 2 }, false);
  const g = await groups.create(member, { name: 'g', policy: 'anti-affinity' });
  await assert.rejects(groups.create(member, { name: 'h', policy: 'affinity' }), fails(403, /^Quota exceeded, too many server groups\.$/));
  await addInstance(db, { project: p, vcpus: 1, ram: 1, group: g.id });
  await quotas.checkGroupMembers(db, p, g.id, 1);
  await assert.rejects(quotas.checkGroupMembers(db, p, g.id, 2), fails(403, /^Quota exceeded, too many servers in group$/));
  assert.equal((await quotas.usage(db, p)).server_groups, 1);
});
