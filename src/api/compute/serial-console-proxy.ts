import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { SovError } from '../../platform/errors.ts';
import type { RemoteConsoles } from '../../services/compute/remote-consoles.ts';

/** Where the websocket proxy listens, below the compute API's prefix (nova-serialproxy's `base_url`). */
export const SERIAL_CONSOLE_PATH = '/serial-console';

/**
 * nova-serialproxy on the main listener: a websocket upgrade of `<prefix>/serial-console?token=`
 * trades the token for the instance's serial stream and relays bytes both ways (binary frames to
 * the client; text or binary from it). The token is checked before the upgrade, so a bad one is
 * an HTTP 401 and a console that cannot be reached a 409. Node hands upgrades to `upgrade`
 * listeners and never to Fastify's routes, hence the raw listener.
 */
export function serialConsoleProxy(app: FastifyInstance, prefix: string, consoles: RemoteConsoles): void {
  const path = `${prefix}${SERIAL_CONSOLE_PATH}`;
  // websockify (which nova-serialproxy runs on) speaks the `binary` subprotocol when offered.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false) });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      // Other upgrade listeners may serve other paths; alone, this one answers for all of them.
      if (app.server.listenerCount('upgrade') === 1) refuse(socket, 404, 'No websocket is served here.');
      return;
    }
    consoles.connect(url.searchParams.get('token') ?? '').then((serial) => {
      let bridged = false;
      // ws drops an upgrade it cannot complete (client gone, bad headers) without calling back.
      socket.once('close', () => { if (!bridged) serial.destroy(); });
      wss.handleUpgrade(req, socket, head, (ws) => {
        bridged = true;
        relay(ws, serial, app.log);
      });
    }, (err: unknown) => {
      const status = err instanceof SovError ? (err.status === 500 ? 409 : err.status) : 500;
      if (status === 500) app.log.error({ err }, 'opening a serial console failed');
      refuse(socket, status, err instanceof Error ? err.message : String(err));
    });
  };

  app.server.on('upgrade', onUpgrade);
  // Open consoles would keep the listener from closing.
  app.addHook('preClose', async () => {
    app.server.off('upgrade', onUpgrade);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
}

/**
 * The guest prints at 115200 baud at most, far below what a websocket carries, so output needs no
 * flow control; input is what a person types.
 */
function relay(ws: WebSocket, serial: Duplex, log: FastifyBaseLogger): void {
  serial.on('data', (chunk: Buffer) => ws.send(chunk, { binary: true }));
  ws.on('message', (data: Buffer) => serial.write(data));
  ws.on('close', () => serial.destroy());
  serial.on('close', () => ws.close(1000, 'The serial console closed.'));
  serial.on('error', (err) => log.warn({ err }, 'serial console stream failed'));
  ws.on('error', (err) => log.warn({ err }, 'serial console websocket failed'));
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
