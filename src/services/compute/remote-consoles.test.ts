import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { ActionRecorder } from './instance-actions.ts';
import type { ComputeDriver } from './driver.ts';
import { ComputeBackendError } from './driver.ts';
import { Quotas } from './quotas.ts';
import { RemoteConsoles } from './remote-consoles.ts';
import { Servers } from './servers.ts';
import { addInstance, computeDeps, fails } from './test-kit.ts';

const member = projectContext('p-1', ['member', 'reader']);
const reader = projectContext('p-1', ['reader']);
const stranger = projectContext('p-2', ['member', 'reader']);
const admin = projectContext('p-admin', ['admin', 'member', 'reader']);

let consoles: RemoteConsoles;
let active = '';
let stopped = '';
const connected: string[] = [];
/** Instances whose QEMU is gone although the database still says active. */
const down = new Set<string>();

before(async () => {
  const d = await computeDeps();
  const servers = new Servers(d, new Quotas(d), { enqueue: () => {} }, {} as ConstructorParameters<typeof Servers>[3], new ActionRecorder(d, 'h'));
  const driver = {
    async connectSerial(id: string) {
      if (down.has(id)) throw new ComputeBackendError(`Instance ${id} is not running.`);
      connected.push(id);
      return new PassThrough();
    },
  } as unknown as ComputeDriver;
  consoles = new RemoteConsoles(d, servers, driver);
  active = await addInstance(d.db, { vcpus: 1, ram: 128 });
  stopped = await addInstance(d.db, { vcpus: 1, ram: 128, vmState: 'stopped' });
});

test('the project\'s members and admins get a token for the serial console, which connects once', async () => {
  const token = await consoles.open(member, active, 'serial', 'serial');
  const stream = await consoles.connect(token);
  assert.ok(stream instanceof PassThrough);
  assert.deepEqual(connected, [active]);
  await assert.rejects(consoles.connect(token), fails(401));
  await consoles.connect(await consoles.open(admin, active, 'serial', 'serial'));
  assert.deepEqual(connected, [active, active]);
});

test('readers are refused and other projects do not see the server', async () => {
  await assert.rejects(consoles.open(reader, active, 'serial', 'serial'), fails(403));
  await assert.rejects(consoles.open(stranger, active, 'serial', 'serial'), fails(404));
});

test('graphical consoles are unavailable, serial has only the serial type, and the server must be active', async () => {
  await assert.rejects(consoles.open(member, active, 'vnc', 'novnc'), fails(400, /^Unavailable console type novnc\.$/));
  await assert.rejects(consoles.open(member, active, 'serial', 'novnc'), fails(400, /^Invalid console type novnc$/));
  await assert.rejects(consoles.open(member, stopped, 'serial', 'serial'), fails(409, new RegExp(`^Instance ${stopped} is not ready$`)));
});

test('a console the host cannot reach fails with the driver\'s reason and spends the token', async () => {
  const token = await consoles.open(member, active, 'serial', 'serial');
  down.add(active);
  try {
    await assert.rejects(consoles.connect(token), (e) => e instanceof ComputeBackendError && /is not running/.test(e.message));
  } finally {
    down.delete(active);
  }
  await assert.rejects(consoles.connect(token), fails(401));
});
