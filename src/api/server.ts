import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.ts';
import type { BlockStorage } from '../services/block-storage/index.ts';
import type { ComputeService } from '../services/compute/index.ts';
import type { Identity } from '../services/identity/index.ts';
import type { ImageService } from '../services/image/index.ts';
import type { NetworkService } from '../services/network/index.ts';
import type { ObjectBackend } from '../services/object-storage/index.ts';
import type { Placement } from '../services/placement/index.ts';
import { blockStoragePlugin } from './block-storage/plugin.ts';
import { computePlugin } from './compute/plugin.ts';
import { dashboardPlugin } from './dashboard.ts';
import { identityPlugin } from './identity/plugin.ts';
import { imagePlugin } from './image/plugin.ts';
import { networkPlugin } from './network/plugin.ts';
import { placementPlugin } from './placement/plugin.ts';
import { swiftPlugin } from './swift/plugin.ts';

export interface Services {
  identity: Identity;
  image: ImageService;
  blockStorage: BlockStorage;
  network: NetworkService;
  compute: ComputeService;
  placement: Placement;
  objects: ObjectBackend;
}

/** Keystone's default `max_request_body_size`; streaming uploads register their own parsers. */
const BODY_LIMIT = 114_688;

/** One listener for every OpenStack API, each a Fastify plugin at its catalog prefix. */
export async function buildServer(config: Config, services: Services, log: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Neutron accepts a `.json` suffix on every path (tempest's quota client still sends one).
    rewriteUrl: (req) => (req.url?.startsWith('/network/') ? req.url.replace(/\.json(?=$|\?)/, '') : req.url ?? '/'),
    // Reject, never coerce: `"enabled": "yes"` is a 400 in OpenStack, not `true`.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  // OpenStack clients send `Content-Type: application/json` on bodiless PUTs and DELETEs (tempest
  // does on every one); the services read that as no body, never as a malformed one.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    json(req, body as string, done);
  });
  await app.register(identityPlugin, { prefix: '/identity', identity: services.identity, config });
  // The image plugin adds its own `application/octet-stream` parser, scoped to `/image`, that
  // hands the unread request stream to the upload routes.
  await app.register(imagePlugin, { prefix: '/image', image: services.image, identity: services.identity, config });
  app.addHook('onClose', async () => services.image.data.idle());
  await app.register(blockStoragePlugin, { prefix: '/volume', storage: services.blockStorage, identity: services.identity, config });
  app.addHook('onClose', async () => services.blockStorage.idle());
  await app.register(networkPlugin, { prefix: '/network', network: services.network, identity: services.identity, config });
  await app.register(computePlugin, { prefix: '/compute', compute: services.compute, identity: services.identity, config });
  await app.register(placementPlugin, { prefix: '/placement', placement: services.placement, identity: services.identity, config });
  // Swift once more at `/object-store`, on the dashboard's own origin (ARCHITECTURE's path):
  // the browser then needs no cross-origin requests to the object listener.
  app.addHttpMethod('COPY', { hasBody: true });
  await app.register(swiftPlugin, { prefix: '/object-store', objects: services.objects, identity: services.identity });
  await app.register(dashboardPlugin);
  return app;
}
