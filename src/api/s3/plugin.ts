import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import type { Identity } from '../../services/identity/index.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { ObjectBackend } from '../../services/object-storage/types.ts';
import { AccessKeys } from './access-keys.ts';
import { anonymousPayload, authenticateS3, type SignedRequest } from './auth/authenticate.ts';
import { header } from './auth/request.ts';
import { readSmallBody } from './body.ts';
import type { S3Call } from './context.ts';
import { corsHeaders, matchRule, preflight } from './cors.ts';
import { errorXml, internalError, toS3Error, type ErrorTarget } from './errors.ts';
import { s3Routes } from './routes.ts';
import { levelOf, methodNotAllowed, operationFor, resolveTarget, subresourceOf, type S3Target } from './routing.ts';
import type { S3Error } from './s3-error.ts';

export interface S3PluginOptions {
  objects: ObjectBackend;
  identity: Identity;
  config: Config;
}

/** Every method S3 has a meaning for; anything else is MethodNotAllowed from the not-found handler. */
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'];

/** Request ids as S3 shapes them: 16 upper-case hex digits, and a longer opaque extended id. */
function stampIds(reply: FastifyReply): void {
  reply.header('x-amz-request-id', randomBytes(8).toString('hex').toUpperCase());
  reply.header('x-amz-id-2', randomBytes(32).toString('base64'));
  // AWS sends `AmazonS3` and RGW its own name: say honestly what answers.
  reply.header('server', 'sovcloud');
}

/**
 * An S3 error on the wire: XML with the request ids, no body for HEAD (nor for 304). Headers an
 * operation set for a success it did not finish would describe the wrong body, so they go.
 */
function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, target: ErrorTarget): FastifyReply {
  let s3: S3Error | undefined = toS3Error(err, { ...target, method: req.method });
  if (!s3) {
    req.log.error({ err }, 'S3 request failed');
    s3 = internalError();
  }
  if (reply.getHeader('x-amz-request-id') === undefined) stampIds(reply);
  for (const name of ['content-length', 'content-range', 'content-type', 'etag', 'last-modified', 'accept-ranges']) reply.removeHeader(name);
  if (err instanceof ObjectError && err.detail.deleteMarker) {
    reply.header('x-amz-delete-marker', 'true');
    if (err.detail.versionId !== undefined) reply.header('x-amz-version-id', err.detail.versionId);
  }
  if (err instanceof ObjectError && err.kind === 'NotModified') {
    reply.header('etag', `"${err.detail.etag}"`).header('last-modified', err.detail.lastModified!.toUTCString());
  }
  reply.code(s3.status);
  if (req.method === 'HEAD' || s3.status === 304) return reply.send();
  const requestId = String(reply.getHeader('x-amz-request-id'));
  const hostId = String(reply.getHeader('x-amz-id-2'));
  return reply.header('content-type', 'application/xml').send(errorXml(s3, requestId, hostId));
}

/**
 * For the server's `frameworkErrors`: what fails before routing (a URL that does not decode)
 * still answers as S3 does.
 */
export function s3FrameworkError(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(req, reply, err, {});
}

/**
 * S3 at the root of the object listener: resolves bucket and key (path-style or virtual-host
 * style), authenticates (SigV4, SigV2, presigned, anonymous), applies the bucket's CORS rules
 * and hands the request, body unread, to the operation its method and sub-resource name.
 */
export async function s3Plugin(app: FastifyInstance, { objects, identity, config }: S3PluginOptions): Promise<void> {
  const keys = new AccessKeys(identity);
  const targets = new WeakMap<FastifyRequest, S3Target>();

  // Bodies stream to the backend (objects up to 5 GiB) or are read by the operation that wants them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.addHook('onRequest', async (_req, reply) => stampIds(reply));
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, targets.get(req) ?? {}));
  // Reached only by methods no route takes (PROPFIND, ...): the handler never resolved the target.
  app.setNotFoundHandler((req, reply) => {
    let target: S3Target | undefined;
    try {
      target = resolveTarget(req.raw.url ?? '/', req.headers.host, config.objectListen.host);
    } catch (err) {
      return sendError(req, reply, err, {});
    }
    return sendError(req, reply, methodNotAllowed(req.method, levelOf(target)), target);
  });

  async function answerPreflight(req: FastifyRequest, reply: FastifyReply, target: S3Target): Promise<void> {
    const rules = target.bucket === undefined ? undefined : await objects.bucketCors(target.bucket);
    const headers = preflight(
      rules, header(req, 'origin'), header(req, 'access-control-request-method'), header(req, 'access-control-request-headers'),
      target.key === undefined ? 'BUCKET' : 'OBJECT',
    );
    reply.headers(headers).code(200).send();
  }

  /** An actual cross-origin request gets the headers of the first rule allowing its origin and method. */
  async function addCorsHeaders(req: FastifyRequest, reply: FastifyReply, bucket: string): Promise<void> {
    const origin = header(req, 'origin');
    if (!origin) return;
    const rule = matchRule((await objects.bucketCors(bucket)) ?? [], origin, req.method, []);
    if (rule) reply.headers(corsHeaders(rule, origin, []));
  }

  app.route({
    method: METHODS,
    url: '/*',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const target = resolveTarget(req.raw.url ?? '/', req.headers.host, config.objectListen.host);
      targets.set(req, target);
      if (req.method === 'OPTIONS') {
        await answerPreflight(req, reply, target);
        return reply;
      }
      if (target.bucket !== undefined) await addCorsHeaders(req, reply, target.bucket);
      const query = new URLSearchParams(target.rawQuery);
      const operation = operationFor(s3Routes, req.method, levelOf(target), subresourceOf(query));

      const signed: SignedRequest = {
        method: req.method, rawPath: target.rawPath, rawQuery: target.rawQuery, headers: req.headers, bucketFromHost: target.bucketFromHost,
      };
      const auth = await authenticateS3(signed, keys.secretOf);
      const caller = auth ? await keys.context(auth.accessKey) : null;
      const { decode, payload } = auth ?? anonymousPayload(signed);
      const body = decode(req.raw);
      const call: S3Call = {
        req, reply, objects, caller, bucket: target.bucket, key: target.key, query, body, payload,
        readBody: (limit) => readSmallBody(body, payload, limit),
        requestId: String(reply.getHeader('x-amz-request-id')),
      };
      await operation(call);
      return reply;
    },
  });
}
