import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `./sovcloud` builds the dashboard (src/dashboard, Vite). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

/**
 * The web console at `/`: static files only. The app talks to the same public APIs any client
 * uses, with the user's token, so it can do nothing the user could not.
 */
export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  if (!existsSync(DASHBOARD_DIR)) {
    app.get('/', async (_req, reply) => reply.code(503).type('text/plain').send('The dashboard is not built: run ./sovcloud up, which builds it.\n'));
    return;
  }
  // Only `/assets/` is a wildcard: a root wildcard would take every unknown path from the APIs'
  // own not-found answers. Both read the files per request, so a rebuild shows without a restart.
  await app.register(fastifyStatic, { root: join(DASHBOARD_DIR, 'assets'), prefix: '/assets/', wildcard: true, index: false });
  app.get('/', async (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html', DASHBOARD_DIR));
}
