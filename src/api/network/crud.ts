import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest } from '../../platform/errors.ts';
import type { Collection, Tagged } from '../../services/network/index.ts';
import { noContent } from '../http.ts';
import type { Query } from '../query.ts';
import { listBody, project } from './list.ts';

type Id = { id: string };
type Body = Record<string, unknown>;

export interface NetworkApi {
  app: FastifyInstance;
  auth: (req: FastifyRequest) => AuthContext;
  /** The request's absolute URL, for paging links. */
  url: (req: FastifyRequest) => string;
}

const fields = (q: Query): string[] => {
  const v = q.fields;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** The resource object of a `{"<resource>": {...}}` body, as Neutron insists on. */
export function resourceBody(body: unknown, resource: string): Body {
  const b = body as Record<string, unknown> | undefined;
  if (typeof b !== 'object' || b === null) throw new BadRequest('Resource body required');
  const inner = b[resource];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new BadRequest(`Unable to find '${resource}' in request body`);
  return inner as Body;
}

/**
 * The five Neutron verbs for one collection, including bulk create (`{"networks": [...]}`),
 * plus `/tags` when the resource has standard-attr-tag.
 */
export function crud(api: NetworkApi, path: string, resource: string, svc: Collection, o: { tags?: Tagged } = {}): void {
  const { app, auth } = api;
  const base = `/v2.0/${path}`;
  // URLs say `security-groups`, bodies say `security_groups`.
  const collection = path.replaceAll('-', '_');
  app.get<{ Querystring: Query }>(base, async (req) => listBody(collection, await svc.list(auth(req)), req.query, api.url(req)));
  app.get<{ Params: Id; Querystring: Query }>(`${base}/:id`, async (req) => ({ [resource]: project(await svc.get(auth(req), req.params.id), fields(req.query)) }));
  app.post<{ Body: unknown }>(base, async (req, reply) => {
    const ctx = auth(req);
    const b = req.body as Record<string, unknown> | undefined;
    if (b && Array.isArray(b[collection])) {
      const created = [];
      for (const item of b[collection] as unknown[]) created.push(await svc.create(ctx, resourceBody({ [resource]: item }, resource)));
      return reply.code(201).send({ [collection]: created });
    }
    return reply.code(201).send({ [resource]: await svc.create(ctx, resourceBody(b, resource)) });
  });
  app.put<{ Params: Id; Body: unknown }>(`${base}/:id`, async (req) => ({ [resource]: await svc.update(auth(req), req.params.id, resourceBody(req.body, resource)) }));
  app.delete<{ Params: Id }>(`${base}/:id`, async (req, reply) => {
    await svc.delete(auth(req), req.params.id);
    return noContent(reply);
  });
  const tags = o.tags;
  if (!tags) return;
  type T = { id: string; tag: string };
  // Changing tags is an update of the resource (same policy, new revision_number).
  const owned = async (req: FastifyRequest<{ Params: Id }>) => svc.update(auth(req), req.params.id, {});
  app.get<{ Params: Id }>(`${base}/:id/tags`, async (req) => ({ tags: (await svc.get(auth(req), req.params.id)).tags }));
  app.get<{ Params: T }>(`${base}/:id/tags/:tag`, async (req, reply) => {
    const item = await svc.get(auth(req), req.params.id);
    if (!(item.tags as string[]).includes(req.params.tag)) return reply.code(404).send({ NeutronError: { type: 'TagNotFound', message: `Tag ${req.params.tag} could not be found for ${resource} ${req.params.id}.`, detail: '' } });
    return noContent(reply);
  });
  app.put<{ Params: Id; Body: unknown }>(`${base}/:id/tags`, async (req) => {
    await owned(req);
    return { tags: await tags.replace(req.params.id, (req.body as Body | undefined)?.tags) };
  });
  app.put<{ Params: T }>(`${base}/:id/tags/:tag`, async (req, reply) => {
    await owned(req);
    await tags.add(req.params.id, req.params.tag);
    return reply.code(201).send();
  });
  app.delete<{ Params: Id }>(`${base}/:id/tags`, async (req, reply) => {
    await owned(req);
    await tags.clear(req.params.id);
    return noContent(reply);
  });
  app.delete<{ Params: T }>(`${base}/:id/tags/:tag`, async (req, reply) => {
    await owned(req);
    if (!(await tags.remove(req.params.id, req.params.tag))) {
      return reply.code(404).send({ NeutronError: { type: 'TagNotFound', message: `Tag ${req.params.tag} could not be found for ${resource} ${req.params.id}.`, detail: '' } });
    }
    return noContent(reply);
  });
}
