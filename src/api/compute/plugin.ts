import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import type { ComputeService } from '../../services/compute/index.ts';
import type { Identity } from '../../services/identity/index.ts';
import { toWireError } from '../errors.ts';
import { header } from '../http.ts';
import { formatVersion, Microversions, type Version } from '../microversion.ts';
import { computeRoutes } from './routes.ts';

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
  auth: (req: FastifyRequest) => AuthContext;
  version: (req: FastifyRequest) => Version;
  /** `http://host:port/compute/v2.1`, for links. */
  base: string;
}

export interface ComputePluginOptions {
  compute: ComputeService;
  identity: Identity;
  config: Config;
}

/** Nova names the fault body after the status. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable', 409: 'conflictingRequest',
  413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
};

export function sendFault(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } });
}

/** Nova v2.1 at `/compute`: version discovery, then everything under `/v2.1`. */
export async function computePlugin(app: FastifyInstance, { compute, identity, config }: ComputePluginOptions): Promise<void> {
  const root = `${config.publicUrl}/compute`;
  const chosen = new WeakMap<FastifyRequest, Version>();

  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, 'compute request failed');
    if (e.status === 401) {
      reply.header('WWW-Authenticate', `Keystone uri="${config.publicUrl}/identity"`);
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: e.message } });
    }
    return sendFault(reply, e.status, e.message);
  });
  app.setNotFoundHandler((_req, reply) => sendFault(reply, 404, 'The resource could not be found.'));

  app.addHook('onRequest', async (req, reply) => {
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

  computeRoutes({
    app,
    compute,
    auth: (req) => identity.tokens.authenticate(header(req, 'x-auth-token')),
    version: (req) => chosen.get(req) ?? versions.requested(req),
    base: `${root}/v2.1`,
  });
}
