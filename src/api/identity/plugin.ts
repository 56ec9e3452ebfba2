import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import type { Identity } from '../../services/identity/index.ts';
import { toWireError } from '../errors.ts';
import { header } from '../http.ts';
import { Links } from './render.ts';
import { authRoutes } from './routes-auth.ts';
import { catalogRoutes } from './routes-catalog.ts';
import { credentialRoutes } from './routes-credentials.ts';
import { projectRoutes } from './routes-projects.ts';
import { roleRoutes } from './routes-roles.ts';
import { userRoutes } from './routes-users.ts';

export interface IdentityApi {
  app: FastifyInstance;
  identity: Identity;
  links: Links;
  auth: (req: FastifyRequest) => AuthContext;
}

export interface IdentityPluginOptions {
  identity: Identity;
  config: Config;
}

const VERSION_ID = 'v3.14';

/** Keystone v3 at `/identity`: version discovery, then every `/v3` resource. */
export async function identityPlugin(app: FastifyInstance, { identity, config }: IdentityPluginOptions): Promise<void> {
  const root = `${config.publicUrl}/identity`;
  const links = new Links(config.publicUrl, `${root}/v3`);

  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, 'identity request failed');
    if (e.status === 401) reply.header('WWW-Authenticate', `Keystone uri="${root}"`);
    return reply.code(e.status).send({ error: { code: e.status, message: e.message, title: e.title } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: 404, message: 'The resource could not be found.', title: 'Not Found' } }));

  const version = {
    id: VERSION_ID,
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${root}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
  app.get('/', async (_req, reply) => reply.code(300).send({ versions: { values: [version] } }));
  app.get('/v3', async () => ({ version }));

  const api: IdentityApi = {
    app,
    identity,
    links,
    auth: (req) => identity.tokens.authenticate(header(req, 'x-auth-token')),
  };
  authRoutes(api);
  projectRoutes(api);
  userRoutes(api);
  roleRoutes(api);
  catalogRoutes(api);
  credentialRoutes(api);
}
