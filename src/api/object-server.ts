import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.ts';
import type { Identity } from '../services/identity/index.ts';
import type { ObjectBackend } from '../services/object-storage/types.ts';
import { s3FrameworkError, s3Plugin } from './s3/plugin.ts';
import { stampIds, SWIFT_ROOT, swiftFrameworkError, swiftPlugin } from './swift/plugin.ts';

export interface ObjectApiOptions {
  objects: ObjectBackend;
  identity: Identity;
  config: Config;
}

/**
 * The object storage listener, as Ceph RGW serves it: S3 at the root (path-style and
 * virtual-host style) and Swift under `/swift/v1/AUTH_{project_id}`, both on one object layer.
 * Bodies are never parsed here: each plugin streams them to the backend.
 */
export async function buildObjectServer(options: ObjectApiOptions, log: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log,
    // Object keys are up to 1024 bytes, percent-encoded up to three times as long. Keys keep
    // their trailing slashes: `a/` and `a` are different objects.
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: false },
    bodyLimit: 5 * 1024 ** 3,
    // A URL that does not decode fails before routing; each API still answers in its own format.
    frameworkErrors: (err, req, reply) => (req.url.startsWith('/swift/') ? swiftFrameworkError : s3FrameworkError)(err, req, reply),
  });
  // Swift's COPY; the method set is the server's, not a plugin's.
  app.addHttpMethod('COPY', { hasBody: true });
  // swiftclient and tempest ask for capabilities and health at the root of the storage URL's
  // host, as a Swift proxy serves them; RGW answers there too. A request signed for S3
  // (ListObjects of a bucket `info`) still goes to S3.
  app.addHook('onRequest', async (req, reply) => {
    const [path, query = ''] = req.url.split('?', 2);
    const send = SWIFT_ROOT.get(path!);
    if (!send || (req.method !== 'GET' && req.method !== 'HEAD')) return;
    if (req.headers.authorization !== undefined || /(^|&)(X-Amz-Signature|Signature)=/.test(query!)) return;
    stampIds(reply);
    return send(reply);
  });
  await app.register(swiftPlugin, { prefix: '/swift', ...options });
  await app.register(s3Plugin, options);
  return app;
}
