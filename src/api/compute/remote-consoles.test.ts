import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { projectContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import type { ComputeDriver } from '../../services/compute/driver.ts';
import type { ComputeService } from '../../services/compute/index.ts';
import { ActionRecorder } from '../../services/compute/instance-actions.ts';
import { Quotas } from '../../services/compute/quotas.ts';
import { RemoteConsoles } from '../../services/compute/remote-consoles.ts';
import { Servers } from '../../services/compute/servers.ts';
import { addInstance, computeDeps } from '../../services/compute/test-kit.ts';
import { useNovaFaults } from '../faults.ts';
import { versions } from './plugin.ts';
import { remoteConsoleRoutes } from './routes-remote-consoles.ts';
import { serverActionRoutes } from './routes-server-actions.ts';
import { serialConsoleProxy } from './serial-console-proxy.ts';

// The compute plugin's console routes and websocket proxy on a real listener, with the real
// service and a fake guest: a unix socket that answers every line typed into it.

let app: FastifyInstance;
let guest: Server;
let dir = '';
let url = '';
let active = '';
let stopped = '';
const guestEnded: Socket[] = [];

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sovcloud-console-'));
  const serialPath = join(dir, 'guest.serial');
  guest = createServer((socket) => {
    socket.on('data', (typed) => socket.write(`got ${typed.toString('utf8')}`));
    socket.on('end', () => guestEnded.push(socket));
  }).listen(serialPath);
  await once(guest, 'listening');

  const d = await computeDeps();
  const servers = new Servers(d, new Quotas(d), { enqueue: () => {} }, {} as ConstructorParameters<typeof Servers>[3], new ActionRecorder(d, 'h'));
  const driver = {
    async connectSerial() {
      const socket = connect(serialPath);
      await once(socket, 'connect');
      return socket;
    },
  } as unknown as ComputeDriver;
  const compute = { consoles: new RemoteConsoles(d, servers, driver) } as ComputeService;
  active = await addInstance(d.db, { vcpus: 1, ram: 128 });
  stopped = await addInstance(d.db, { vcpus: 1, ram: 128, vmState: 'stopped' });

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  app = Fastify();
  await app.register(async (child) => {
    useNovaFaults(child, { publicUrl: url } as Config, 'compute');
    serialConsoleProxy(child, child.prefix, compute.consoles);
    const api = { app: child, compute, auth: () => projectContext('p-1', ['member', 'reader']), version: (req: Parameters<typeof versions.requested>[0]) => versions.requested(req), base: `${url}/compute/v2.1` };
    remoteConsoleRoutes(api);
    serverActionRoutes(api);
  }, { prefix: '/compute' });
  await app.listen({ host: '127.0.0.1', port });
});

after(async () => {
  await app?.close();
  guest?.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(path: string, microversion: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/compute/v2.1${path}`, {
    method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', 'OpenStack-API-Version': `compute ${microversion}` },
  });
  return { status: res.status, body: await res.json() };
}

const serial = { remote_console: { protocol: 'serial', type: 'serial' } };

/** The HTTP status a websocket upgrade is answered with: 101 when it is accepted. */
async function refusal(wsUrl: string): Promise<number> {
  const ws = new WebSocket(wsUrl);
  // Dropping a refused handshake is reported as an error, which is the point here.
  ws.on('error', () => {});
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(101));
  });
  ws.terminate();
  return status;
}

test('remote-consoles (2.6) answers a one-time websocket URL that relays the serial console both ways', async () => {
  const r = await post(`/servers/${active}/remote-consoles`, '2.6', serial);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.body.remote_console), ['protocol', 'type', 'url']);
  assert.equal(r.body.remote_console.protocol, 'serial');
  assert.equal(r.body.remote_console.type, 'serial');
  const consoleUrl = r.body.remote_console.url as string;
  assert.match(consoleUrl, new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/compute/serial-console\\?token=[0-9a-f-]{36}$`));

  const ws = new WebSocket(consoleUrl, ['binary']);
  await once(ws, 'open');
  assert.equal(ws.protocol, 'binary');
  ws.send('uname\r');
  const [data, isBinary] = await once(ws, 'message') as [Buffer, boolean];
  assert.equal(isBinary, true);
  assert.equal(data.toString('utf8'), 'got uname\r');
  ws.close();
  await once(ws, 'close');
  await waitFor(() => guestEnded.length === 1);

  assert.equal(await refusal(consoleUrl), 401);
});

test('bad tokens and other paths are refused before the upgrade', async () => {
  assert.equal(await refusal(`${url.replace('http', 'ws')}/compute/serial-console?token=made-up`), 401);
  assert.equal(await refusal(`${url.replace('http', 'ws')}/compute/serial-console`), 401);
  assert.equal(await refusal(`${url.replace('http', 'ws')}/compute/elsewhere`), 404);
});

test('remote-consoles validates as Nova does: 2.6 and later, Nova\'s console names, serial only, an active server', async () => {
  assert.equal((await post(`/servers/${active}/remote-consoles`, '2.5', serial)).status, 404);
  const bad = await post(`/servers/${active}/remote-consoles`, '2.6', { remote_console: { protocol: 'telnet', type: 'serial' } });
  assert.deepEqual(bad, { status: 400, body: { badRequest: { code: 400, message: "Invalid input for field/attribute protocol. Value: telnet. \"telnet\" is not one of ['vnc', 'spice', 'rdp', 'serial']" } } });
  assert.match((await post(`/servers/${active}/remote-consoles`, '2.6', { remote_console: { protocol: 'serial' } })).body.badRequest.message, /'type' is a required property/);
  assert.match((await post(`/servers/${active}/remote-consoles`, '2.6', { remote_console: { ...serial.remote_console, port: 1 } })).body.badRequest.message, /^Additional properties are not allowed \('port' was unexpected\)$/);
  // MKS is a name from 2.8 on, and unavailable like every graphical console.
  assert.match((await post(`/servers/${active}/remote-consoles`, '2.6', { remote_console: { protocol: 'mks', type: 'webmks' } })).body.badRequest.message, /is not one of/);
  assert.deepEqual(await post(`/servers/${active}/remote-consoles`, '2.8', { remote_console: { protocol: 'mks', type: 'webmks' } }),
    { status: 400, body: { badRequest: { code: 400, message: 'Unavailable console type webmks.' } } });
  assert.deepEqual(await post(`/servers/${stopped}/remote-consoles`, '2.6', serial),
    { status: 409, body: { conflictingRequest: { code: 409, message: `Instance ${stopped} is not ready` } } });
});

test('the os-getSerialConsole action answers below 2.6 only', async () => {
  const r = await post(`/servers/${active}/action`, '2.1', { 'os-getSerialConsole': { type: 'serial' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.console.type, 'serial');
  assert.match(r.body.console.url, /^ws:\/\/127\.0\.0\.1:\d+\/compute\/serial-console\?token=/);
  assert.equal((await post(`/servers/${active}/action`, '2.6', { 'os-getSerialConsole': { type: 'serial' } })).status, 404);
  assert.equal((await post(`/servers/${active}/action`, '2.1', { 'os-getSerialConsole': { type: 'novnc' } })).status, 400);
  assert.equal((await post(`/servers/${active}/action`, '2.1', { 'os-getSerialConsole': {} })).status, 400);
});

async function waitFor(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !probe(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(probe());
}
