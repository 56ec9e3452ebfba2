import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Unauthorized } from '../../platform/errors.ts';
import type { Identity } from '../../services/identity/index.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { Caller, ObjectBackend } from '../../services/object-storage/types.ts';
import { accountRoutes } from './account.ts';
import { containerRoutes } from './container.ts';
import type { SwiftCall, SwiftRoutes } from './context.ts';
import { SwiftError, toSwiftError } from './errors.ts';
import { capabilities } from './info.ts';
import { objectRoutes } from './object.ts';
import { accountProject, invalidUtf8, parsePath } from './path.ts';
import { authorizeTempUrl, isTempUrl } from './temp-url.ts';
import { header, quote, transId } from './wire.ts';

export interface SwiftPluginOptions {
  objects: ObjectBackend;
  identity: Identity;
}

const ROUTES: SwiftRoutes = { ...accountRoutes, ...containerRoutes, ...objectRoutes };
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS'];

/** swob's `www_authenticate`: the realm is the account the path names. */
function realm(url: string): string {
  const account = /\/v1(?:\.0)?\/([^/?]+)/.exec(url)?.[1];
  try {
    return account ? quote(decodeURIComponent(account)) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Swift's `catch_errors`: every answer, whatever middleware gives it, names its transaction. */
export function stampIds(reply: FastifyReply): void {
  const id = transId();
  reply.header('X-Trans-Id', id).header('X-Openstack-Request-Id', id);
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, anonymous: boolean): FastifyReply {
  const e = toSwiftError(err, anonymous);
  if (e.status >= 500) req.log.error({ err }, 'swift request failed');
  reply.code(e.status).headers(e.headers);
  if (e.status === 401) reply.header('WWW-Authenticate', `Swift realm="${realm(req.url)}"`);
  if (e.body === undefined || req.method === 'HEAD' || e.status === 304) return reply.send();
  return reply.type(e.contentType).send(e.body);
}

/**
 * For the listener's `frameworkErrors`, on `/swift` URLs: a path that does not decode fails
 * before routing, and Swift answers it with its 412.
 */
export function swiftFrameworkError(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  stampIds(reply);
  return sendError(req, reply, (err as { code?: string }).code === 'FST_ERR_BAD_URL' ? invalidUtf8() : err, true);
}

/** Swift's `Allow` for a level: the methods its controller has. */
function allowed(level: string): string {
  return [...METHODS.filter((m) => ROUTES[`${m} ${level}`]), 'OPTIONS'].join(', ');
}

/**
 * OpenStack Swift (object-store v1) on the object layer, at `/swift`: `/info` and
 * `/v1/AUTH_<project>[/<container>[/<object>]]`. Keystone tokens authenticate (an invalid or
 * missing one makes the request anonymous, as keystoneauth's delayed decision does); temp URLs
 * act for their account's project. Paths are parsed here, not by the router, because Swift
 * unquotes the whole path before splitting it and objects keep every slash.
 */
export async function swiftPlugin(app: FastifyInstance, { objects, identity }: SwiftPluginOptions): Promise<void> {
  const mount = app.prefix;
  // Bodies are object data: they stream to the backend unparsed, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.addHook('onRequest', async (_req, reply) => stampIds(reply));
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, true));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new SwiftError(404), true));

  app.get('/info', async (_req, reply) => sendCapabilities(reply));
  // Swift's healthcheck middleware answers its path whatever the method.
  app.route({ method: METHODS, url: '/healthcheck', handler: async (_req, reply) => sendHealthcheck(reply) });

  app.route({
    method: METHODS,
    url: '/*',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      let caller: Caller = null;
      try {
        const target = req.url.slice(mount.length);
        const q = target.indexOf('?');
        const path = parsePath(q < 0 ? target : target.slice(0, q));
        let query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
        const level = path.object !== undefined ? 'object' : path.container !== undefined ? 'container' : 'account';
        // Swift answers what the resource allows; a CORS preflight (with Origin) fails as it does for
        // a container without CORS settings, which containers here never carry.
        if (req.method === 'OPTIONS') {
          if (req.headers.origin !== undefined) throw new SwiftError(401);
          return reply.code(200).header('Allow', allowed(level)).type('text/html; charset=UTF-8').send('');
        }
        const projectId = accountProject(path.account);
        let tempUrl: SwiftCall['tempUrl'];
        if (isTempUrl(query) && projectId) {
          ({ caller, grant: tempUrl } = await authorizeTempUrl({ objects, method: req.method, headers: req.headers, path, projectId, query, mount, now: Date.now() }));
          // Swift's tempurl hands on only its own parameters: no manifest or listing options.
          query = new URLSearchParams();
        } else {
          caller = authenticate(identity, header(req, 'x-auth-token') ?? header(req, 'x-storage-token'));
        }
        if (!projectId) throw new ObjectError('AccessDenied', 'Access Denied');
        const route = ROUTES[`${req.method} ${level}`];
        if (!route) throw new SwiftError(405);
        await route({ req, reply, objects, caller, projectId, path, query, tempUrl });
      } catch (err) {
        sendError(req, reply, err, caller === null);
      }
      // A streamed body is still being sent: returning the reply keeps Fastify from ending it early.
      return reply;
    },
  });
}

/** The token's context; none (anonymous) for a missing or invalid token. */
function authenticate(identity: Identity, token: string | undefined): Caller {
  if (!token) return null;
  try {
    return identity.tokens.authenticate(token);
  } catch (err) {
    if (err instanceof Unauthorized) return null;
    throw err;
  }
}

/** `GET /info`: Swift's discoverability document. */
function sendCapabilities(reply: FastifyReply): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(capabilities()));
}

/** `/healthcheck`: the proxy is up. */
function sendHealthcheck(reply: FastifyReply): FastifyReply {
  return reply.code(200).type('text/plain').send('OK');
}

/**
 * What a Swift proxy serves outside any account, by path. swiftclient and tempest look for these
 * at the root of the storage URL's host too, where the listener hands them over.
 */
export const SWIFT_ROOT = new Map<string, (reply: FastifyReply) => FastifyReply>([['/info', sendCapabilities], ['/healthcheck', sendHealthcheck]]);
