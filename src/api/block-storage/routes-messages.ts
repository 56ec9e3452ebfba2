import { NotFound } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import { one, type Query } from '../query.ts';
import { atLeast } from './microversion.ts';
import type { BlockStorageApi } from './plugin.ts';
import { messageView } from './views.ts';

type P = { project_id: string };
type PI = P & { id: string };

/** Cinder's user messages (3.3+); paging and filters arrived with 3.5. */
export function messageRoutes({ app, storage, links, auth, version }: BlockStorageApi): void {
  const { messages } = storage;
  const needs33 = (req: Parameters<typeof version>[0]) => {
    if (!atLeast(version(req), '3.3')) throw new NotFound('The resource could not be found.');
  };

  app.get<{ Params: P; Querystring: Query }>('/v3/:project_id/messages', async (req) => {
    needs33(req);
    const q = req.query;
    const paged = atLeast(version(req), '3.5');
    const result = await messages.list(auth(req), paged ? {
      resource_uuid: one(q, 'resource_uuid'), resource_type: one(q, 'resource_type'), event_id: one(q, 'event_id'),
      request_id: one(q, 'request_id'), message_level: one(q, 'message_level'),
    } : {}, paged ? { limit: parseLimit(one(q, 'limit')), marker: one(q, 'marker') } : {});
    const body: Record<string, unknown> = { messages: result.items.map((m) => messageView(m, links)) };
    const next = links.next(links.url(req.params.project_id, req.url), result.nextMarker);
    if (next) body.messages_links = next;
    return body;
  });
  app.get<{ Params: PI }>('/v3/:project_id/messages/:id', async (req) => {
    needs33(req);
    return { message: messageView(await messages.get(auth(req), req.params.id), links) };
  });
  app.delete<{ Params: PI }>('/v3/:project_id/messages/:id', async (req, reply) => {
    needs33(req);
    await messages.delete(auth(req), req.params.id);
    return reply.code(204).send();
  });
}
