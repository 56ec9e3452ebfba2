import { Unauthorized } from '../../platform/errors.ts';
import type { GroupInput } from '../../services/identity/groups.ts';
import type { UserInput } from '../../services/identity/users.ts';
import { flagParam, one, type Query } from '../query.ts';
import { header, noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };

export function userRoutes({ app, identity, links, auth }: IdentityApi): void {
  const { users, groups, assignments, projects } = identity;
  const user = <T extends Id>(u: T) => links.entity('users', u);
  const group = <T extends Id>(g: T) => links.entity('groups', g);

  app.get<{ Querystring: Query }>('/v3/users', async (req) => ({
    users: (await users.list(auth(req), { name: one(req.query, 'name'), domain_id: one(req.query, 'domain_id'), enabled: flagParam(req.query, 'enabled') })).map(user),
    links: links.collection(req),
  }));
  app.post<{ Body: { user: UserInput & { name: string } } }>('/v3/users', { schema: { body: schemas.createUser } }, async (req, reply) =>
    reply.code(201).send({ user: user(await users.create(auth(req), req.body.user)) }));
  app.get<{ Params: Id }>('/v3/users/:id', async (req) => ({ user: user(await users.get(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { user: UserInput } }>('/v3/users/:id', { schema: { body: schemas.updateUser } }, async (req) =>
    ({ user: user(await users.update(auth(req), req.params.id, req.body.user)) }));
  app.delete<{ Params: Id }>('/v3/users/:id', async (req, reply) => {
    await users.delete(auth(req), req.params.id);
    return noContent(reply);
  });

  // Proven by the original password, so it works without (or with an expired) token.
  app.post<{ Params: Id; Body: { user: { password: string; original_password: string } } }>(
    '/v3/users/:id/password', { schema: { body: schemas.changePassword } }, async (req, reply) => {
      if (header(req, 'x-auth-token')) {
        const ctx = auth(req);
        if (ctx.user.id !== req.params.id) throw new Unauthorized('You can only change your own password.');
      }
      await users.changePassword(req.params.id, req.body.user.original_password, req.body.user.password);
      return noContent(reply);
    });

  app.get<{ Params: Id }>('/v3/users/:id/groups', async (req) => ({
    groups: (await groups.listForUser(auth(req), req.params.id)).map(group),
    links: links.collection(req),
  }));

  app.get<{ Params: Id }>('/v3/users/:id/projects', async (req) => {
    const rows = await assignments.listUserProjects(auth(req), req.params.id);
    return { projects: (await Promise.all(rows.map((r) => projects.render(r)))).map((p) => links.entity('projects', p)), links: links.collection(req) };
  });

  app.get<{ Querystring: Query }>('/v3/groups', async (req) => ({
    groups: (await groups.list(auth(req), { name: one(req.query, 'name'), domain_id: one(req.query, 'domain_id') })).map(group),
    links: links.collection(req),
  }));
  app.post<{ Body: { group: GroupInput & { name: string } } }>('/v3/groups', { schema: { body: schemas.createGroup } }, async (req, reply) =>
    reply.code(201).send({ group: group(await groups.create(auth(req), req.body.group)) }));
  app.get<{ Params: Id }>('/v3/groups/:id', async (req) => ({ group: group(await groups.get(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { group: GroupInput } }>('/v3/groups/:id', { schema: { body: schemas.updateGroup } }, async (req) =>
    ({ group: group(await groups.update(auth(req), req.params.id, req.body.group)) }));
  app.delete<{ Params: Id }>('/v3/groups/:id', async (req, reply) => {
    await groups.delete(auth(req), req.params.id);
    return noContent(reply);
  });
  app.get<{ Params: Id }>('/v3/groups/:id/users', async (req) => ({
    users: (await groups.listUsers(auth(req), req.params.id)).map(user),
    links: links.collection(req),
  }));
  type Membership = { Params: { gid: string; uid: string } };
  app.put<Membership>('/v3/groups/:gid/users/:uid', async (req, reply) => {
    await groups.addUser(auth(req), req.params.gid, req.params.uid);
    return noContent(reply);
  });
  app.get<Membership>('/v3/groups/:gid/users/:uid', async (req, reply) => {
    await groups.checkUser(auth(req), req.params.gid, req.params.uid);
    return noContent(reply);
  });
  app.delete<Membership>('/v3/groups/:gid/users/:uid', async (req, reply) => {
    await groups.removeUser(auth(req), req.params.gid, req.params.uid);
    return noContent(reply);
  });
}
