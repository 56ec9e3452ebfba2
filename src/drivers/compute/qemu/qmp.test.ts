import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Qmp, QmpError } from './qmp.ts';

/** A stand-in monitor speaking QMP's framing: greeting, then a reply per command line. */
function monitor(path: string, answer: (cmd: { execute: string; arguments?: Record<string, unknown>; id: string }, socket: Socket) => void, greet = true): Promise<Server> {
  const server = createServer((socket) => {
    if (greet) socket.write('{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        answer(JSON.parse(line) as { execute: string; id: string }, socket);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('QMP client', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'sovcloud-qmp-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('negotiates capabilities, matches replies by id across events, and types errors', async () => {
    const path = join(dir, 'a.sock');
    const seen: string[] = [];
    const server = await monitor(path, (cmd, socket) => {
      seen.push(cmd.execute);
      if (cmd.execute === 'qmp_capabilities') return socket.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
      if (cmd.execute === 'device_del') return socket.write(`{"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
      // An event arrives between a command and its reply, and replies may come in a split write.
      socket.write('{"event": "STOP", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}\r\n{"return": {"status": ');
      setTimeout(() => socket.write(`"paused", "running": false}, "id": ${JSON.stringify(cmd.id)}}\r\n`), 20);
    });
    const qmp = await Qmp.connect(path);
    try {
      assert.deepEqual(await qmp.execute('query-status'), { status: 'paused', running: false });
      const err = await qmp.execute('device_del', { id: 'x' }).catch((e: unknown) => e);
      assert.ok(err instanceof QmpError);
      assert.equal(err.errorClass, 'DeviceNotFound');
      assert.match(err.message, /device_del failed: Device 'x' not found/);
      assert.deepEqual(seen, ['qmp_capabilities', 'query-status', 'device_del']);
    } finally {
      qmp.close();
      server.close();
    }
  });

  it('gives up on a monitor that never greets (another client holds it)', async () => {
    const path = join(dir, 'b.sock');
    const server = await monitor(path, () => {}, false);
    try {
      await assert.rejects(Qmp.connect(path, 200), /QMP greeting .* no answer/);
    } finally {
      server.close();
    }
  });

  it('fails pending commands when QEMU goes away, and a missing socket clearly', async () => {
    const path = join(dir, 'c.sock');
    const server = await monitor(path, (cmd, socket) => {
      if (cmd.execute === 'qmp_capabilities') socket.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
      else socket.destroy();
    });
    const qmp = await Qmp.connect(path);
    await assert.rejects(qmp.execute('quit'), /closed/);
    server.close();
    await assert.rejects(Qmp.connect(join(dir, 'missing.sock')), /Cannot reach QMP .*ENOENT/);
  });
});
