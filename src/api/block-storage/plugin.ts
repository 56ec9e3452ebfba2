import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import { BadRequest } from '../../platform/errors.ts';
import type { BlockStorage } from '../../services/block-storage/index.ts';
import type { Identity } from '../../services/identity/index.ts';
import { useNovaFaults } from '../faults.ts';
import { header } from '../http.ts';
import { format, MAX_VERSION, MIN_VERSION, requestedVersion, type Version } from './microversion.ts';
import { backupRoutes } from './routes-backups.ts';
import { messageRoutes } from './routes-messages.ts';
import { miscRoutes } from './routes-misc.ts';
import { snapshotRoutes } from './routes-snapshots.ts';
import { typeRoutes } from './routes-types.ts';
import { volumeRoutes } from './routes-volumes.ts';
import { Links } from './views.ts';

export interface BlockStorageApi {
  app: FastifyInstance;
  storage: BlockStorage;
  links: Links;
  /** Authenticates and checks the URL's project is the token's, as Cinder does. */
  auth: (req: FastifyRequest<{ Params: { project_id: string } }>) => AuthContext;
  version: (req: FastifyRequest) => Version;
}

export interface BlockStoragePluginOptions {
  storage: BlockStorage;
  identity: Identity;
  config: Config;
}

/** Cinder v3 at `/volume`: version discovery, then everything under `/v3/{project_id}`. */
export async function blockStoragePlugin(app: FastifyInstance, { storage, identity, config }: BlockStoragePluginOptions): Promise<void> {
  const root = `${config.publicUrl}/volume`;
  const versions = new WeakMap<FastifyRequest, Version>();

  useNovaFaults(app, config, 'block storage');

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Vary', 'OpenStack-API-Version');
    const v = requestedVersion(req);
    versions.set(req, v);
    reply.header('OpenStack-API-Version', `volume ${format(v)}`);
  });

  const version = {
    id: 'v3.0', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: '2023-08-31T00:00:00Z',
    links: [
      { href: `${root}/v3/`, rel: 'self' },
      { href: 'https://docs.openstack.org/', rel: 'describedby', type: 'text/html' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
  app.get('/', async (_req, reply) => reply.code(300).send({ versions: [version] }));
  app.get('/v3', async () => ({ versions: [version] }));

  const api: BlockStorageApi = {
    app,
    storage,
    links: new Links(root),
    auth: (req) => {
      const ctx = identity.tokens.authenticate(header(req, 'x-auth-token'));
      if (ctx.scope.kind !== 'project' || ctx.scope.project.id !== req.params.project_id) throw new BadRequest('Malformed request url');
      return ctx;
    },
    version: (req) => versions.get(req) ?? requestedVersion(req),
  };
  volumeRoutes(api);
  typeRoutes(api);
  snapshotRoutes(api);
  backupRoutes(api);
  miscRoutes(api);
  messageRoutes(api);
}

/** Cinder's `strutils.bool_from_string` for flags that arrive as booleans or strings. */
export function truthy(v: boolean | string | undefined): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'yes', 'on', 't', 'y'].includes(v.toLowerCase()));
}

