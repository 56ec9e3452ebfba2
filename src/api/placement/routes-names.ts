import { BadRequest } from '../../platform/errors.ts';
import type { TraitFilter } from '../../services/placement/index.ts';
import { noContent } from '../http.ts';
import { keys, object, str } from './body.ts';
import type { PlacementApi } from './plugin.ts';
import { allowOnly, one, type Query } from './query.ts';

type N = { Params: { name: string } };

/** Resource classes (1.2) and traits (1.6): the names inventories and providers use. */
export function nameRoutes(api: PlacementApi): void {
  const { app, placement: p, auth, version, need } = api;
  const classView = (name: string) => ({ name, links: [{ rel: 'self', href: api.href(`/resource_classes/${name}`) }] });

  app.get('/resource_classes', async (req) => {
    need(req, 2);
    return { resource_classes: (await p.resourceClasses.list(auth(req))).map((rc) => classView(rc.name)) };
  });
  app.post<{ Body: unknown }>('/resource_classes', async (req, reply) => {
    need(req, 2);
    const b = object(req.body);
    keys(b, ['name']);
    const name = str(b.name, 'name');
    await p.resourceClasses.create(auth(req), name);
    reply.header('location', api.url(`/resource_classes/${name}`));
    return reply.code(201).send();
  });
  app.get<N>('/resource_classes/:name', async (req) => {
    need(req, 2);
    return classView((await p.resourceClasses.get(auth(req), req.params.name)).name);
  });
  app.put<N & { Body: unknown }>('/resource_classes/:name', async (req, reply) => {
    need(req, 2);
    if (!version(req).atLeast(7)) {
      const b = object(req.body);
      keys(b, ['name']);
      return classView((await p.resourceClasses.rename(auth(req), req.params.name, str(b.name, 'name'))).name);
    }
    const created = await p.resourceClasses.ensure(auth(req), req.params.name);
    reply.header('location', api.url(`/resource_classes/${req.params.name}`));
    return reply.code(created ? 201 : 204).send();
  });
  app.delete<N>('/resource_classes/:name', async (req, reply) => {
    need(req, 2);
    await p.resourceClasses.delete(auth(req), req.params.name);
    return noContent(reply);
  });

  app.get<{ Querystring: Query }>('/traits', async (req) => {
    need(req, 6);
    allowOnly(req.query, (k) => k === 'name' || k === 'associated');
    const f: TraitFilter = {};
    const name = one(req.query, 'name');
    if (name !== undefined) {
      const [op, value] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
      if (name.indexOf(':') < 0 || (op !== 'in' && op !== 'startswith')) {
        throw new BadRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
      }
      if (op === 'in') f.names = value.split(',');
      else f.prefix = value;
    }
    const associated = one(req.query, 'associated');
    if (associated !== undefined) {
      if (!['true', 'false'].includes(associated.toLowerCase())) throw new BadRequest('The query parameter "associated" only accepts "true" or "false"');
      f.associated = associated.toLowerCase() === 'true';
    }
    return { traits: await p.traits.list(auth(req), f) };
  });
  app.get<N>('/traits/:name', async (req, reply) => {
    need(req, 6);
    await p.traits.show(auth(req), req.params.name);
    return noContent(reply);
  });
  app.put<N>('/traits/:name', async (req, reply) => {
    need(req, 6);
    const created = await p.traits.ensure(auth(req), req.params.name);
    reply.header('location', api.url(`/traits/${req.params.name}`));
    return reply.code(created ? 201 : 204).send();
  });
  app.delete<N>('/traits/:name', async (req, reply) => {
    need(req, 6);
    await p.traits.delete(auth(req), req.params.name);
    return noContent(reply);
  });
}
