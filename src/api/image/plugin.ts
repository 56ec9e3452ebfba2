import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import type { Config } from '../../platform/config.ts';
import { RangeNotSatisfiable } from '../../platform/errors.ts';
import type { Identity } from '../../services/identity/index.ts';
import { PATCH_MEDIA_TYPES, type ImageService } from '../../services/image/index.ts';
import { toWireError } from '../errors.ts';
// The header helpers are Keystone's plugin's; they belong in a shared module once one exists.
import { header } from '../http.ts';
import { sendWebobError } from './render.ts';
import { dataRoutes } from './routes-data.ts';
import { imageRoutes } from './routes-images.ts';
import { memberRoutes } from './routes-members.ts';

export interface ImageApi {
  app: FastifyInstance;
  image: ImageService;
  /** `http://host:port/image`, for the absolute `Location` headers Glance sends. */
  root: string;
  auth: (req: FastifyRequest) => AuthContext;
}

export interface ImagePluginOptions {
  image: ImageService;
  identity: Identity;
  config: Config;
}

/** Versions this API implements: 2.7 adds hidden images and multihash on top of 2.6's import. */
const VERSIONS = ['2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

/** Glance v2 at `/image`: version discovery, then images, their data, members and schemas under `/v2`. */
export async function imagePlugin(app: FastifyInstance, { image, identity, config }: ImagePluginOptions): Promise<void> {
  const root = `${config.publicUrl}/image`;

  app.setErrorHandler((err, req, reply) => {
    const e = toWireError(err);
    if (e.status >= 500) req.log.error({ err }, 'image request failed');
    if (e.status === 401) {
      // Glance sits behind keystonemiddleware, which answers unauthenticated requests itself.
      reply.header('WWW-Authenticate', `Keystone uri="${config.publicUrl}/identity"`);
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: e.message } });
    }
    if (err instanceof RangeNotSatisfiable) reply.header('Content-Range', `bytes */${err.size}`);
    return sendWebobError(reply, req.headers.accept, e.status, e.title, e.message);
  });
  app.setNotFoundHandler((req, reply) =>
    sendWebobError(reply, req.headers.accept, 404, 'Not Found', 'The resource could not be found.'));

  // Image data is streamed to disk by the route, never buffered: the parser hands over the stream.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.addContentTypeParser(Object.keys(PATCH_MEDIA_TYPES), { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const versions = {
    versions: VERSIONS.map((v, i) => ({ id: `v${v}`, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `${root}/v2/` }] })),
  };
  // Glance answers discovery with 300 Multiple Choices, and 200 when `/versions` is asked for explicitly.
  app.get('/', async (_req, reply) => reply.code(300).send(versions));
  app.get('/v2', async (_req, reply) => reply.code(300).send(versions));
  app.get('/versions', async () => versions);

  const api: ImageApi = { app, image, root, auth: (req) => identity.tokens.authenticate(header(req, 'x-auth-token')) };
  imageRoutes(api);
  dataRoutes(api);
  memberRoutes(api);
}

/** The request's media type without parameters, lower-cased; '' when none is given. */
export function mediaType(req: FastifyRequest): string {
  return (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
