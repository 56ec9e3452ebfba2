import { BadRequest, UnsupportedMediaType } from '../../platform/errors.ts';
import { IMPORT_METHODS, parsePatch, PATCH_MEDIA_TYPES, type Query } from '../../services/image/index.ts';
import { noContent } from '../http.ts';
import { mediaType, type ImageApi } from './plugin.ts';
import { renderImage } from './render.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };

export function imageRoutes({ app, image, root, auth }: ImageApi): void {
  const { images } = image;

  app.get<{ Querystring: Query }>('/v2/images', async (req) => {
    const page = await images.list(auth(req), req.query);
    const params = new URL(req.url, 'http://localhost').searchParams;
    params.delete('marker');
    const query = params.toString();
    const body: Record<string, unknown> = {
      images: page.items.map(renderImage),
      first: query ? `/v2/images?${query}` : '/v2/images',
      schema: '/v2/schemas/images',
    };
    if (page.nextMarker !== undefined) {
      params.set('marker', page.nextMarker);
      body.next = `/v2/images?${params.toString()}`;
    }
    return body;
  });

  app.post<{ Body: Record<string, unknown> }>('/v2/images', { schema: { body: schemas.createImage } }, async (req, reply) => {
    const created = await images.create(auth(req), req.body);
    reply.header('Location', `${root}/v2/images/${created.id}`);
    // Tells clients (openstacksdk's `use_import`) which import methods they may use.
    reply.header('OpenStack-image-import-methods', IMPORT_METHODS.join(','));
    return reply.code(201).send(renderImage(created));
  });

  app.get<{ Params: Id }>('/v2/images/:id', async (req) => renderImage(await images.get(auth(req), req.params.id)));

  app.patch<{ Params: Id; Body: unknown }>('/v2/images/:id', async (req, reply) => {
    const ctx = auth(req);
    const type = mediaType(req);
    const dialect = PATCH_MEDIA_TYPES[type];
    if (dialect === undefined) {
      reply.header('Accept-Patch', Object.keys(PATCH_MEDIA_TYPES).sort().join(', '));
      throw new UnsupportedMediaType(`The request media type ${type || '(none)'} is not supported by this server; use ${Object.keys(PATCH_MEDIA_TYPES).join(' or ')}.`);
    }
    if (req.body === undefined) throw new BadRequest('Body expected in request.');
    return renderImage(await images.update(ctx, req.params.id, parsePatch(req.body, dialect), dialect));
  });

  app.delete<{ Params: Id }>('/v2/images/:id', async (req, reply) => {
    await images.delete(auth(req), req.params.id);
    return noContent(reply);
  });

  app.post<{ Params: Id }>('/v2/images/:id/actions/deactivate', async (req, reply) => {
    await images.deactivate(auth(req), req.params.id);
    return noContent(reply);
  });
  app.post<{ Params: Id }>('/v2/images/:id/actions/reactivate', async (req, reply) => {
    await images.reactivate(auth(req), req.params.id);
    return noContent(reply);
  });

  app.put<{ Params: Id & { tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    await images.addTag(auth(req), req.params.id, req.params.tag);
    return noContent(reply);
  });
  app.delete<{ Params: Id & { tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    await images.removeTag(auth(req), req.params.id, req.params.tag);
    return noContent(reply);
  });
}
