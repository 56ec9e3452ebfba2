import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import { uuid } from '../../platform/ids.ts';
import type { ComputeContext } from '../../services/compute/deps.ts';
import type { ComputeService } from '../../services/compute/index.ts';
import type { Identity } from '../../services/identity/index.ts';
import { useNovaFaults } from '../faults.ts';
import { header } from '../http.ts';
import { formatVersion, Microversions, type Version } from '../microversion.ts';
import { computeRoutes } from './routes.ts';
import { serialConsoleProxy } from './serial-console-proxy.ts';

/**
 * 2.61: flavor extra specs in flavor lists. Every microversion up to it is honoured where it
 * changes a request or a response (2.3 extended attributes, 2.9 locked, 2.16 host status, 2.19
 * descriptions, 2.26/2.52 tags, 2.37 networks, 2.45 createImage body, 2.47 embedded flavor,
 * 2.55 flavor descriptions, 2.57 no personality).
 */
export const versions = new Microversions('compute', '2.1', '2.61', 'x-openstack-nova-api-version');

export interface ComputeApi {
  app: FastifyInstance;
  compute: ComputeService;
  /** The caller, with the request's id for the instance actions it records. */
  auth: (req: FastifyRequest) => ComputeContext;
  version: (req: FastifyRequest) => Version;
  /** `http://host:port/compute/v2.1`, for links. */
  base: string;
}

export interface ComputePluginOptions {
  compute: ComputeService;
  identity: Identity;
  config: Config;
}

/** Nova v2.1 at `/compute`: version discovery, then everything under `/v2.1`. */
export async function computePlugin(app: FastifyInstance, { compute, identity, config }: ComputePluginOptions): Promise<void> {
  const root = `${config.publicUrl}/compute`;
  const chosen = new WeakMap<FastifyRequest, Version>();
  const requestIds = new WeakMap<FastifyRequest, string>();

  useNovaFaults(app, config, 'compute');

  app.addHook('onRequest', async (req, reply) => {
    // Nova's request id middleware: every answer names its request, under both header names.
    const requestId = `req-${uuid()}`;
    requestIds.set(req, requestId);
    reply.header('x-openstack-request-id', requestId);
    reply.header('x-compute-request-id', requestId);
    reply.header('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    const v = versions.requested(req);
    chosen.set(req, v);
    reply.header('OpenStack-API-Version', `compute ${formatVersion(v)}`);
    reply.header('X-OpenStack-Nova-API-Version', formatVersion(v));
  });

  const v21 = {
    id: 'v2.1', status: 'CURRENT', version: versions.maxVersion, min_version: versions.minVersion, updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${root}/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
  app.get('/', async () => ({ versions: [{ id: v21.id, status: v21.status, version: v21.version, min_version: v21.min_version, updated: v21.updated, links: [{ rel: 'self', href: `${root}/v2.1/` }] }] }));
  app.get('/v2.1', async () => ({ version: v21 }));

  serialConsoleProxy(app, app.prefix, compute.consoles);
  computeRoutes({
    app,
    compute,
    auth: (req) => ({ ...identity.tokens.authenticate(header(req, 'x-auth-token')), requestId: requestIds.get(req) }),
    version: (req) => chosen.get(req) ?? versions.requested(req),
    base: `${root}/v2.1`,
  });
}
