import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { UnsupportedMediaType } from '../../platform/errors.ts';
import { IMPORT_METHODS, type ImportRequest } from '../../services/image/index.ts';
import { header, noContent } from '../http.ts';
import { mediaType, type ImageApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };

/**
 * The request body as the octet-stream parser left it: the unread stream. Other media types
 * (which other parsers would have read as text) are refused, as Glance refuses them.
 */
function bodyStream(req: FastifyRequest): Readable {
  const type = mediaType(req);
  if (type !== 'application/octet-stream') throw new UnsupportedMediaType(`Invalid content type ${type || '(none)'}`);
  return (req.body as Readable | undefined) ?? req.raw;
}

export function dataRoutes({ app, image, auth }: ImageApi): void {
  const { data } = image;

  app.put<{ Params: Id }>('/v2/images/:id/file', async (req, reply) => {
    await data.upload(auth(req), req.params.id, bodyStream(req));
    return noContent(reply);
  });

  // A HEAD would open the file only to drop the stream.
  // Glance sends no `Accept-Ranges`, yet serves `Range` (and, for old clients, `Content-Range`).
  app.get<{ Params: Id }>('/v2/images/:id/file', { exposeHeadRoute: false }, async (req, reply) => {
    const requested = { range: header(req, 'range'), contentRange: header(req, 'content-range') };
    const { image: img, data: stream, range } = await data.download(auth(req), req.params.id, requested);
    if (!stream) return noContent(reply);
    reply.header('Content-Type', 'application/octet-stream');
    // Glance sends the md5 hex digest of the whole image here, on partial answers too, and
    // openstacksdk compares it with one.
    if (img.checksum) reply.header('Content-MD5', img.checksum);
    if (range) {
      reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${img.size}`);
      reply.header('Content-Length', String(range.end - range.start + 1));
    } else if (img.size !== null) {
      reply.header('Content-Length', String(img.size));
    }
    return reply.send(stream);
  });

  app.put<{ Params: Id }>('/v2/images/:id/stage', async (req, reply) => {
    await data.stage(auth(req), req.params.id, bodyStream(req));
    return noContent(reply);
  });

  app.post<{ Params: Id; Body: ImportRequest }>('/v2/images/:id/import', { schema: { body: schemas.importImage } }, async (req, reply) => {
    await data.import(auth(req), req.params.id, req.body);
    return reply.code(202).send();
  });

  app.get('/v2/info/import', async (req) => {
    auth(req);
    return { 'import-methods': { description: 'Import methods available.', type: 'array', value: [...IMPORT_METHODS] } };
  });
}
