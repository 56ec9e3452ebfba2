import type { DomainInput } from '../../services/identity/domains.ts';
import type { ProjectInput } from '../../services/identity/projects.ts';
import { flagParam, listParam, one, type Query } from '../query.ts';
import { noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };

export function projectRoutes({ app, identity, links, auth }: IdentityApi): void {
  const { domains, projects } = identity;
  const domain = <T extends Id>(d: T) => links.entity('domains', d);
  const project = <T extends Id>(p: T) => links.entity('projects', p);

  app.get<{ Querystring: Query }>('/v3/domains', async (req) => ({
    domains: (await domains.list(auth(req), { name: one(req.query, 'name'), enabled: flagParam(req.query, 'enabled') })).map(domain),
    links: links.collection(req),
  }));
  app.post<{ Body: { domain: DomainInput & { name: string } } }>('/v3/domains', { schema: { body: schemas.createDomain } }, async (req, reply) =>
    reply.code(201).send({ domain: domain(await domains.create(auth(req), req.body.domain)) }));
  app.get<{ Params: Id }>('/v3/domains/:id', async (req) => ({ domain: domain(await domains.get(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { domain: DomainInput } }>('/v3/domains/:id', { schema: { body: schemas.updateDomain } }, async (req) =>
    ({ domain: domain(await domains.update(auth(req), req.params.id, req.body.domain)) }));
  app.delete<{ Params: Id }>('/v3/domains/:id', async (req, reply) => {
    await domains.delete(auth(req), req.params.id);
    return noContent(reply);
  });

  app.get<{ Querystring: Query }>('/v3/projects', async (req) => {
    const q = req.query;
    const list = await projects.list(auth(req), {
      name: one(q, 'name'), domain_id: one(q, 'domain_id'), parent_id: one(q, 'parent_id'), enabled: flagParam(q, 'enabled'),
      tags: listParam(q, 'tags'), tagsAny: listParam(q, 'tags-any'), notTags: listParam(q, 'not-tags'), notTagsAny: listParam(q, 'not-tags-any'),
    });
    // Keystone lists only real projects; `is_domain=true` asks for domains acting as projects, which we keep apart.
    return { projects: flagParam(q, 'is_domain') ? [] : list.map(project), links: links.collection(req) };
  });
  app.post<{ Body: { project: ProjectInput & { name: string } } }>('/v3/projects', { schema: { body: schemas.createProject } }, async (req, reply) =>
    reply.code(201).send({ project: project(await projects.create(auth(req), req.body.project)) }));
  app.get<{ Params: Id }>('/v3/projects/:id', async (req) => ({ project: project(await projects.get(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { project: ProjectInput } }>('/v3/projects/:id', { schema: { body: schemas.updateProject } }, async (req) =>
    ({ project: project(await projects.update(auth(req), req.params.id, req.body.project)) }));
  app.delete<{ Params: Id }>('/v3/projects/:id', async (req, reply) => {
    await projects.delete(auth(req), req.params.id);
    return noContent(reply);
  });

  app.get<{ Params: Id }>('/v3/projects/:id/tags', async (req) => ({ tags: await projects.tags(auth(req), req.params.id) }));
  app.put<{ Params: Id; Body: { tags: string[] } }>('/v3/projects/:id/tags', { schema: { body: schemas.replaceTags } }, async (req) =>
    ({ tags: await projects.setTags(auth(req), req.params.id, () => req.body.tags) }));
  app.delete<{ Params: Id }>('/v3/projects/:id/tags', async (req, reply) => {
    await projects.setTags(auth(req), req.params.id, () => []);
    return noContent(reply);
  });
  app.get<{ Params: Id & { tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    const tags = await projects.tags(auth(req), req.params.id);
    if (!tags.includes(req.params.tag)) return reply.code(404).send({ error: { code: 404, message: `Tag ${req.params.tag} not found.`, title: 'Not Found' } });
    return noContent(reply);
  });
  app.put<{ Params: Id & { tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    await projects.setTags(auth(req), req.params.id, (tags) => [...tags, req.params.tag]);
    reply.header('Location', `${links.v3}/projects/${req.params.id}/tags/${encodeURIComponent(req.params.tag)}`);
    return reply.code(201).send();
  });
  app.delete<{ Params: Id & { tag: string } }>('/v3/projects/:id/tags/:tag', async (req, reply) => {
    let found = false;
    await projects.setTags(auth(req), req.params.id, (tags) => {
      found = tags.includes(req.params.tag);
      return tags.filter((t) => t !== req.params.tag);
    });
    if (!found) return reply.code(404).send({ error: { code: 404, message: `Tag ${req.params.tag} not found.`, title: 'Not Found' } });
    return noContent(reply);
  });
}
