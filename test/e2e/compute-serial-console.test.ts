import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startCloud, type Cloud } from './harness.ts';
import { eventually } from './vm.ts';

// The serial console end to end: a real VM of the tiny image, its console URL from Debian's
// `openstack` CLI, and a websocket client typing into the getty on the guest's ttyS0 while the
// console log keeps recording.

let cloud: Cloud;
let server = '';
const BOOT_TIMEOUT_MS = 240_000;
const demo = 'sovcloud-demo';

before(async () => {
  cloud = await startCloud();
});

after(async () => {
  await cloud?.stop();
});

const consoleLog = async () => (await cloud.os(demo, ['console', 'log', 'show', server])).stdout;

/** Everything the console sends until `until` matches it (or the time is up). */
async function readUntil(ws: WebSocket, until: RegExp, timeoutMs: number): Promise<string> {
  let seen = '';
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${until} from the console within ${timeoutMs} ms; got ${JSON.stringify(seen)}`)), timeoutMs);
    ws.on('message', (data: Buffer) => {
      seen += data.toString('utf8');
      if (until.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await done;
  return seen;
}

test('a booted server\'s serial console: the CLI\'s URL opens a websocket to the getty; the console log keeps growing', async () => {
  const vm = await cloud.osJson(demo, ['server', 'create', '--image', 'sovcloud-tiny', '--flavor', 'SCS-1L-1', '--network', 'default-network', 'console-vm']);
  server = vm.id;
  await eventually('the server to be ACTIVE', async () => {
    const s = await cloud.osJson(demo, ['server', 'show', server]);
    assert.notEqual(s.status, 'ERROR', JSON.stringify(s.fault));
    return s.status === 'ACTIVE';
  }, BOOT_TIMEOUT_MS);
  // The tiny image starts its getty after the ready line.
  await eventually('the guest to be ready', async () => /sovcloud-guest: ready/.test(await consoleLog()), BOOT_TIMEOUT_MS);
  const logged = (await consoleLog()).length;

  const shown = await cloud.osJson(demo, ['console', 'url', 'show', '--serial', server]);
  assert.equal(shown.type, 'serial');
  const url = new URL(shown.url as string);
  assert.equal(url.protocol, 'ws:');
  assert.equal(url.host, new URL(cloud.url).host);
  assert.equal(url.pathname, '/compute/serial-console');
  assert.ok(url.searchParams.get('token'));

  const ws = new WebSocket(url, ['binary']);
  await once(ws, 'open');
  const answer = readUntil(ws, /login: $/, 30_000);
  ws.send('\r');
  assert.match(await answer, /console-vm login: $/);
  const typed = readUntil(ws, /root/, 10_000);
  ws.send('root');
  await typed;
  ws.close();
  await once(ws, 'close');

  // The log still records the guest's output, the prompt answered to the websocket included.
  await eventually('the console log to show the new prompt', async () => {
    const log = await consoleLog();
    return log.length > logged && /login: root/.test(log.slice(logged));
  }, 10_000);

  // The token was spent by the first connection.
  const again = new WebSocket(url);
  again.on('error', () => {});
  const status = await new Promise<number>((resolve) => {
    again.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    again.once('open', () => resolve(101));
  });
  again.terminate();
  assert.equal(status, 401);
});

test('only the serial console exists, and only while the server runs', async () => {
  assert.ok(server, 'needs the server of the first case');
  assert.match(await cloud.osFail(demo, ['console', 'url', 'show', '--novnc', server]), /Unavailable console type novnc/);
  assert.equal((await cloud.os(demo, ['server', 'stop', server])).code, 0);
  await eventually('the server to be SHUTOFF', async () => (await cloud.osJson(demo, ['server', 'show', server])).status === 'SHUTOFF', BOOT_TIMEOUT_MS);
  assert.match(await cloud.osFail(demo, ['console', 'url', 'show', '--serial', server]), new RegExp(`Instance ${server} is not ready`));
  assert.equal((await cloud.os(demo, ['server', 'delete', '--wait', server])).code, 0);
});
