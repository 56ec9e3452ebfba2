import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import type { ComputeContext } from './deps.ts';
import { ActionRecorder, InstanceActions } from './instance-actions.ts';
import { Quotas } from './quotas.ts';
import { Servers } from './servers.ts';
import { addInstance, computeDeps, fails } from './test-kit.ts';

// What the API and the controller record, and what `os-instance-actions` shows of it, on SQLite.
let db: Db;
let recorder: ActionRecorder;
let actions: InstanceActions;
const admin = projectContext('p-admin', ['admin', 'member', 'reader'], 'root');
const alice = projectContext('p-1', ['member', 'reader'], 'alice');
const eve = projectContext('p-2', ['member', 'reader'], 'eve');
const request = (ctx: ComputeContext, requestId: string): ComputeContext => ({ ...ctx, requestId });
const pause = () => new Promise((r) => setTimeout(r, 5));

before(async () => {
  const d = await computeDeps();
  db = d.db;
  recorder = new ActionRecorder(d, 'host-1');
  // Servers only looks rows up here; nothing reaches its peers.
  const servers = new Servers(d, new Quotas(d), { enqueue: () => {} }, {} as ConstructorParameters<typeof Servers>[3], recorder);
  actions = new InstanceActions(d, servers);
});
after(async () => {
  await db.destroy();
});

test('an action carries the request id, the caller and no message; the controller\'s task adds its event', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512 });
  assert.equal(await recorder.start(request(alice, 'req-1'), vm, 'stop'), 'req-1');
  await recorder.taskStarted(vm, 'powering-off');
  let { action, events } = await actions.get(admin, vm, 'req-1', false);
  assert.deepEqual({ ...action, start_time: undefined, updated_at: undefined }, {
    request_id: 'req-1', instance_id: vm, action: 'stop', project_id: 'p-1', user_id: 'alice', message: null, start_time: undefined, updated_at: undefined,
  });
  assert.deepEqual(events!.map((e) => [e.event, e.result, e.finish_time, e.host]), [['compute_stop_instance', null, null, 'host-1']]);
  await recorder.taskFinished(vm, 'powering-off', undefined);
  ({ action, events } = await actions.get(admin, vm, 'req-1', false));
  assert.equal(action.message, null);
  assert.equal(events![0]!.result, 'Success');
  assert.ok(action.updated_at! >= events![0]!.finish_time!);
  // Without a request id (in-process callers) one is made up.
  assert.match(await recorder.start(alice, vm, 'lock'), /^req-[0-9a-f-]{36}$/);
});

test('a failed task marks its event Error with the reason and its action Error', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512, vmState: 'building' });
  await recorder.start(request(alice, 'req-build'), vm, 'create');
  await recorder.taskStarted(vm, 'building');
  await recorder.taskFinished(vm, 'building', new Error('No valid host was found.'));
  const { action, events } = await actions.get(admin, vm, 'req-build', false);
  assert.equal(action.message, 'Error');
  assert.deepEqual(events!.map((e) => [e.event, e.result, e.traceback]), [['compute__do_build_and_run_instance', 'Error', 'No valid host was found.']]);
});

test('work done within the request is one event; a failure is rethrown after it is recorded', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512 });
  assert.equal(await recorder.during(request(alice, 'req-a'), vm, 'attach_volume', 'compute_attach_volume', async () => 'done'), 'done');
  await assert.rejects(recorder.during(request(alice, 'req-d'), vm, 'detach_volume', 'compute_detach_volume', async () => { throw new Error('busy'); }), /busy/);
  assert.equal((await actions.get(admin, vm, 'req-a', false)).events![0]!.result, 'Success');
  const failed = await actions.get(admin, vm, 'req-d', false);
  assert.deepEqual([failed.action.message, failed.events![0]!.result], ['Error', 'Error']);
});

test('events: all details for admins, no traceback for readers from 2.51, none before; other projects see no server', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512 });
  await recorder.start(request(alice, 'req-r'), vm, 'reboot');
  await recorder.taskStarted(vm, 'rebooting_hard');
  await recorder.taskFinished(vm, 'rebooting_hard', new Error('QMP went away'));
  assert.equal((await actions.get(alice, vm, 'req-r', false)).events, null);
  const reader = (await actions.get(alice, vm, 'req-r', true)).events![0]!;
  assert.equal(reader.event, 'compute_reboot_instance');
  assert.ok(!('traceback' in reader));
  assert.equal((await actions.get(admin, vm, 'req-r', false)).events![0]!.traceback, 'QMP went away');
  await assert.rejects(actions.get(alice, vm, 'req-nope', true), fails(404, /^Action req-nope not found$/));
  await assert.rejects(actions.list(eve, vm, {}), fails(404, /^Instance .* could not be found\.$/));
});

test('the list is newest first; 2.58 pages by request id and filters by changes-since', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512 });
  for (const id of ['req-1', 'req-2', 'req-3', 'req-4']) {
    await recorder.start(request(alice, id), vm, 'pause');
    await pause();
  }
  const ids = (list: { request_id: string }[]) => list.map((a) => a.request_id);
  assert.deepEqual(ids(await actions.list(alice, vm, {})), ['req-4', 'req-3', 'req-2', 'req-1']);
  assert.deepEqual(ids(await actions.list(alice, vm, { limit: 2 })), ['req-4', 'req-3']);
  assert.deepEqual(ids(await actions.list(alice, vm, { limit: 2, marker: 'req-3' })), ['req-2', 'req-1']);
  await assert.rejects(actions.list(alice, vm, { marker: 'req-9' }), fails(400, /^Marker req-9 could not be found\.$/));
  const since = (await actions.get(alice, vm, 'req-3', false)).action.updated_at!;
  assert.deepEqual(ids(await actions.list(alice, vm, { changesSince: since })), ['req-4', 'req-3']);
});

test('a deleted server\'s actions and events go with it', async () => {
  const vm = await addInstance(db, { vcpus: 1, ram: 512 });
  await recorder.during(request(alice, 'req-x'), vm, 'attach_interface', 'compute_attach_interface', async () => {});
  await recorder.forget(vm);
  assert.equal((await db.selectFrom('instance_actions').select('request_id').where('instance_id', '=', vm).execute()).length, 0);
  assert.equal((await db.selectFrom('instance_actions_events').select('event').where('instance_id', '=', vm).execute()).length, 0);
});
