import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import { NotFound, SovError } from '../../platform/errors.ts';
import { uuid } from '../../platform/ids.ts';
import type { Identity } from '../../services/identity/index.ts';
import type { Placement } from '../../services/placement/index.ts';
import { toWireError } from '../errors.ts';
import { header } from '../http.ts';
import { MAX_VERSION, MIN, MIN_VERSION, requestedVersion, type Version } from './microversion.ts';
import { allocationRoutes } from './routes-allocations.ts';
import { nameRoutes } from './routes-names.ts';
import { providerRoutes } from './routes-providers.ts';

export interface PlacementPluginOptions {
  placement: Placement;
  identity: Identity;
  config: Config;
}

export interface PlacementApi {
  app: FastifyInstance;
  placement: Placement;
  auth: (req: FastifyRequest) => AuthContext;
  version: (req: FastifyRequest) => Version;
  /** 404 (or `status`) when the request's microversion predates the route, as upstream's version_handler. */
  need: (req: FastifyRequest, minor: number, status?: 404 | 405) => void;
  /** A link's href: the URL path under the placement root, as upstream writes links. */
  href: (path: string) => string;
  /** An absolute URL, for `Location` (webob makes upstream's absolute; clients GET it as is). */
  url: (path: string) => string;
}

class MethodNotAllowed extends SovError {
  override readonly status = 405;
  override readonly title = 'Method Not Allowed';
}

/** webob's explanations, which upstream puts before the message in `detail`. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your user agent.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

/** Placement at `/placement`: version discovery at the root, every resource below it. */
export async function placementPlugin(app: FastifyInstance, { placement, identity, config }: PlacementPluginOptions): Promise<void> {
  const root = `${config.publicUrl}/placement`;
  const base = new URL(root).pathname;
  const versions = new WeakMap<FastifyRequest, Version>();
  const requestIds = new WeakMap<FastifyRequest, string>();

  const send = (req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string, code?: string) => {
    const explanation = EXPLANATIONS[status] ?? '';
    const detail = message === explanation ? `${explanation}\n\n   ` : `${explanation}\n\n ${message}  `;
    const error: Record<string, unknown> = { status, title, detail, request_id: requestIds.get(req) ?? '' };
    if ((versions.get(req) ?? MIN).atLeast(23)) error.code = code ?? 'placement.undefined_code';
    if (status === 406) Object.assign(error, { max_version: MAX_VERSION, min_version: MIN_VERSION });
    return reply.code(status).send({ errors: [error] });
  };

  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, 'placement request failed');
    if (e.status === 401) {
      // keystonemiddleware answers unauthenticated requests before placement sees them.
      reply.header('WWW-Authenticate', `Keystone uri="${config.publicUrl}/identity"`);
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: e.message } });
    }
    return send(req, reply, e.status, e.title, e.message, (err as { placementCode?: string }).placementCode);
  });
  app.setNotFoundHandler((req, reply) => send(req, reply, 404, 'Not Found', EXPLANATIONS[404]!));

  app.addHook('onRequest', async (req, reply) => {
    const id = `req-${uuid()}`;
    requestIds.set(req, id);
    reply.header('openstack-request-id', id);
    reply.header('Vary', 'openstack-api-version');
    const v = requestedVersion(req);
    versions.set(req, v);
    reply.header('OpenStack-API-Version', `placement ${v}`);
  });
  // 1.15: representations carry Last-Modified and must not be cached.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode === 200 && (versions.get(req) ?? MIN).atLeast(15) && req.url !== base && req.url !== `${base}/`) {
      if (!reply.hasHeader('last-modified')) reply.header('last-modified', new Date().toUTCString());
      reply.header('cache-control', 'no-cache');
    }
    return payload;
  });

  app.get('/', async () => ({
    versions: [{ id: `v${MIN_VERSION}`, max_version: MAX_VERSION, min_version: MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: `${root}/` }] }],
  }));

  const api: PlacementApi = {
    app,
    placement,
    auth: (req) => identity.tokens.authenticate(header(req, 'x-auth-token')),
    version: (req) => versions.get(req) ?? requestedVersion(req),
    need: (req, minor, status = 404) => {
      if (api.version(req).atLeast(minor)) return;
      throw status === 405 ? new MethodNotAllowed(EXPLANATIONS[405]!) : new NotFound(EXPLANATIONS[404]!);
    },
    href: (path) => `${base}${path}`,
    url: (path) => `${root}${path}`,
  };
  providerRoutes(api);
  allocationRoutes(api);
  nameRoutes(api);
}

