import { existsSync } from 'node:fs';
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
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', wildcard: false, index: ['index.html'] });
}
