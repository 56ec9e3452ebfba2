import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import type { Logger } from '../../platform/log.ts';
import type { MetadataService } from '../../services/compute/metadata-service.ts';

/**
 * The metadata API on a unix socket, reached only through the network's metadata proxies (one
 * per network namespace), which set `X-Sovcloud-Network-Id` and `X-Forwarded-For` themselves:
 * so a guest can only ever ask as itself. Nothing else can reach the socket (mode 0600).
 */
export async function serveMetadata(socketPath: string, metadata: MetadataService, log: Logger): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer((req, res) => {
    const network = req.headers['x-sovcloud-network-id'];
    const forwarded = req.headers['x-forwarded-for'];
    const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (typeof network !== 'string' || !ip || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad request\n');
      return;
    }
    metadata.answer(network, ip, req.url ?? '/').then((body) => {
      if (body === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
        return;
      }
      const json = typeof body === 'string' && req.url?.endsWith('.json');
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'text/plain; charset=UTF-8' }).end(body);
    }, (err: unknown) => {
      log.error({ err, network, ip, path: req.url }, 'metadata request failed');
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  await chmod(socketPath, 0o600);
  return server;
}
