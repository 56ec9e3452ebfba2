import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../platform/config.ts';
import type { Identity } from '../../services/identity/index.ts';
import type { NetworkService } from '../../services/network/index.ts';
import { toWireError } from '../errors.ts';
import { header } from '../http.ts';
import { crud, type NetworkApi } from './crud.ts';
import { extensionRoutes } from './routes-extensions.ts';
import { quotaRoutes } from './routes-quotas.ts';
import { routerActionRoutes } from './routes-routers.ts';

export interface NetworkPluginOptions {
  network: NetworkService;
  identity: Identity;
  config: Config;
}

/** webob's exception class names, which Neutron puts in `type` when no specific fault applies. */
const TYPES: Record<number, string> = {
  400: 'HTTPBadRequest', 401: 'HTTPUnauthorized', 403: 'HTTPForbidden', 404: 'HTTPNotFound', 405: 'HTTPMethodNotAllowed', 409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge', 415: 'HTTPUnsupportedMediaType',
};

export function sendNeutronError(reply: FastifyReply, status: number, message: string, type?: string): FastifyReply {
  return reply.code(status).send({ NeutronError: { type: type ?? TYPES[status] ?? 'HTTPInternalServerError', message, detail: '' } });
}

/** Neutron v2.0 at `/network`: version discovery, then every collection under `/v2.0`. */
export async function networkPlugin(app: FastifyInstance, { network, identity, config }: NetworkPluginOptions): Promise<void> {
  const root = `${config.publicUrl}/network`;
  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, 'network request failed');
    if (e.status === 401) {
      reply.header('WWW-Authenticate', `Keystone uri="${config.publicUrl}/identity"`);
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: e.message } });
    }
    return sendNeutronError(reply, e.status, e.message, (err as { neutronType?: string }).neutronType);
  });
  app.setNotFoundHandler((_req, reply) => sendNeutronError(reply, 404, 'The resource could not be found.'));

  const version = { id: 'v2.0', status: 'CURRENT', links: [{ href: `${root}/v2.0/`, rel: 'self' }] };
  app.get('/', async () => ({ versions: [version] }));
  const collections = ['networks', 'subnets', 'subnetpools', 'ports', 'routers', 'floatingips', 'security-groups', 'security-group-rules',
    'default-security-group-rules', 'quotas', 'availability_zones', 'extensions'];
  app.get('/v2.0', async () => ({
    resources: collections.map((c) => ({ name: c.replace(/s$/, '').replaceAll('-', '_'), collection: c, links: [{ href: `${root}/v2.0/${c}`, rel: 'self' }] })),
  }));

  const api: NetworkApi = {
    app,
    auth: (req) => identity.tokens.authenticate(header(req, 'x-auth-token')),
    url: (req) => `${root}${req.url}`,
  };
  crud(api, 'networks', 'network', network.networks, { tags: network.tags });
  crud(api, 'subnets', 'subnet', network.subnets, { tags: network.tags });
  crud(api, 'subnetpools', 'subnetpool', network.subnetPools, { tags: network.tags });
  crud(api, 'ports', 'port', network.ports, { tags: network.tags });
  crud(api, 'routers', 'router', network.routers, { tags: network.tags });
  crud(api, 'floatingips', 'floatingip', network.floatingIps, { tags: network.tags });
  crud(api, 'security-groups', 'security_group', network.securityGroups, { tags: network.tags });
  crud(api, 'security-group-rules', 'security_group_rule', network.securityGroupRules);
  crud(api, 'default-security-group-rules', 'default_security_group_rule', network.defaultSecurityGroupRules);
  routerActionRoutes(api, network.routers);
  quotaRoutes(api, network.quotas);
  extensionRoutes(api);
}
