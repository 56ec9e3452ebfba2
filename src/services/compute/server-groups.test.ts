import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { computeDeps, fails } from './test-kit.ts';
import { Quotas } from './quotas.ts';
import { ServerGroups } from './server-groups.ts';

let db: Db;
let groups: ServerGroups;
const admin = projectContext('p-admin', ['admin', 'member', 'reader'], 'root');
const alice = projectContext('p-1', ['member', 'reader'], 'alice');
const eve = projectContext('p-2', ['member', 'reader'], 'eve');


async function boot(group: string, vmState = 'active'): Promise<string> {
  const id = randomUUID();
  const t = new Date().toISOString();
  await db.insertInto('instances').values({
    id, project_id: 'p-1', user_id: 'alice', name: 'vm', hostname: 'vm', description: null, flavor: '{"vcpus":1,"ram":512}', old_flavor: null, image_id: '',
    key_name: null, key_data: null, user_data: null, metadata: '{}', vm_state: vmState, task_state: null, power_state: 1, host: 'h', availability_zone: 'nova',
    config_drive: 0, locked_by: null, locked_reason: null, fault: null, access_ip_v4: null, access_ip_v6: null, requested_networks: '[]', requested_volumes: '[]',
    security_groups: '[]', server_group_id: group, reservation_id: 'r', launch_index: 0, launched_at: null, created_at: t, updated_at: t,
  }).execute();
  return id;
}

before(async () => {
  const d = await computeDeps();
  db = d.db;
  groups = new ServerGroups(d, new Quotas(d));
});
after(async () => {
  await db.destroy();
});

test('a group records its policy and owner; members are the servers booted into it', async () => {
  const g = await groups.create(alice, { name: 'web', policy: 'anti-affinity' });
  assert.deepEqual({ ...g, id: undefined }, { id: undefined, name: 'web', policy: 'anti-affinity', rules: {}, members: [], project_id: 'p-1', user_id: 'alice' });
  const a = await boot(g.id);
  await boot(g.id, 'deleted');
  assert.deepEqual((await groups.show(alice, g.id)).members, [a]);
  assert.deepEqual((await groups.get(db, g.id))?.members, [a]);
  assert.equal(await groups.get(db, randomUUID()), undefined);
});

test('projects see their own groups; all_projects is for admins; another project\'s group is forbidden', async () => {
  const mine = await groups.list(alice, { allProjects: false });
  assert.ok(mine.every((g) => g.project_id === 'p-1'));
  await groups.create(eve, { name: 'eve', policy: 'affinity' });
  assert.ok(!(await groups.list(alice, { allProjects: false })).some((g) => g.name === 'eve'));
  await assert.rejects(groups.list(alice, { allProjects: true }), fails(403));
  assert.ok((await groups.list(admin, { allProjects: true })).some((g) => g.name === 'eve'));
  assert.equal((await groups.list(alice, { allProjects: false, limit: 1, offset: 1 })).length, 0);
  const [evesGroup] = await groups.list(eve, { allProjects: false });
  await assert.rejects(groups.show(alice, evesGroup!.id), fails(403));
  await assert.rejects(groups.delete(alice, evesGroup!.id), fails(403));
  await assert.rejects(groups.show(alice, randomUUID()), fails(404, /^Instance group .* could not be found\.$/));
  await groups.delete(eve, evesGroup!.id);
  await assert.rejects(groups.show(eve, evesGroup!.id), fails(404));
});
