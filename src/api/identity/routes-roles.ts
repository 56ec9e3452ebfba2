import type { Actor, Grant, GrantTarget } from '../../services/identity/assignments.ts';
import type { RoleInput } from '../../services/identity/roles.ts';
import { flagParam, one, type Query } from '../query.ts';
import { noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type Id = { id: string };
type GrantParams = { tid: string; aid: string; rid: string };

export function roleRoutes({ app, identity, links, auth }: IdentityApi): void {
  const { roles, assignments } = identity;
  const role = <T extends Id>(r: T) => links.entity('roles', r);

  app.get<{ Querystring: Query }>('/v3/roles', async (req) => ({
    roles: (await roles.list(auth(req), { name: one(req.query, 'name'), domain_id: one(req.query, 'domain_id') })).map(role),
    links: links.collection(req),
  }));
  app.post<{ Body: { role: RoleInput & { name: string } } }>('/v3/roles', { schema: { body: schemas.createRole } }, async (req, reply) =>
    reply.code(201).send({ role: role(await roles.create(auth(req), req.body.role)) }));
  app.get<{ Params: Id }>('/v3/roles/:id', async (req) => ({ role: role(await roles.get(auth(req), req.params.id)) }));
  app.patch<{ Params: Id; Body: { role: RoleInput } }>('/v3/roles/:id', { schema: { body: schemas.updateRole } }, async (req) =>
    ({ role: role(await roles.update(auth(req), req.params.id, req.body.role)) }));
  app.delete<{ Params: Id }>('/v3/roles/:id', async (req, reply) => {
    await roles.delete(auth(req), req.params.id);
    return noContent(reply);
  });

  const ref = (r: { id: string; name: string }) => ({ ...r, links: { self: `${links.v3}/roles/${r.id}` } });
  app.get<{ Params: Id }>('/v3/roles/:id/implies', async (req) => {
    const [entry] = await roles.listImplied(auth(req), req.params.id);
    const prior = entry?.prior ?? (await roles.get(auth(req), req.params.id));
    return { role_inference: { prior_role: ref(prior), implies: (entry?.implied ?? []).map(ref) }, links: links.collection(req) };
  });
  app.get('/v3/role_inferences', async (req) => ({
    role_inferences: (await roles.listImplied(auth(req))).map((e) => ({ prior_role: ref(e.prior), implies: e.implied.map(ref) })),
    links: links.collection(req),
  }));
  type Implied = { Params: { prior: string; implied: string } };
  const inference = (e: { prior: { id: string; name: string }; implied: { id: string; name: string } }) =>
    ({ role_inference: { prior_role: ref(e.prior), implies: ref(e.implied) }, links: { self: `${links.v3}/roles/${e.prior.id}/implies/${e.implied.id}` } });
  app.put<Implied>('/v3/roles/:prior/implies/:implied', async (req, reply) =>
    reply.code(201).send(inference(await roles.createImplied(auth(req), req.params.prior, req.params.implied))));
  app.get<Implied>('/v3/roles/:prior/implies/:implied', async (req) => inference(await roles.getImplied(auth(req), req.params.prior, req.params.implied)));
  app.delete<Implied>('/v3/roles/:prior/implies/:implied', async (req, reply) => {
    await roles.deleteImplied(auth(req), req.params.prior, req.params.implied);
    return noContent(reply);
  });

  // Grants: /v3/{projects|domains}/{id}/{users|groups}/{id}/roles[/{role}], their OS-INHERIT twins, and system.
  const grantRoutes = (prefix: string, target: (p: GrantParams) => GrantTarget, actorKind: Actor['kind'], inherited: boolean, suffix = '') => {
    const grant = (p: GrantParams): Grant => ({ actor: { kind: actorKind, id: p.aid }, target: target(p), roleId: p.rid, inherited });
    const one = `${prefix}/${actorKind}s/:aid/roles/:rid${suffix}`;
    app.put<{ Params: GrantParams }>(one, async (req, reply) => {
      await assignments.grant(auth(req), grant(req.params));
      return noContent(reply);
    });
    app.get<{ Params: GrantParams }>(one, async (req, reply) => {
      await assignments.check(auth(req), grant(req.params));
      return noContent(reply);
    });
    app.delete<{ Params: GrantParams }>(one, async (req, reply) => {
      await assignments.revoke(auth(req), grant(req.params));
      return noContent(reply);
    });
    app.get<{ Params: GrantParams }>(`${prefix}/${actorKind}s/:aid/roles${suffix}`, async (req) => ({
      roles: (await assignments.listGrants(auth(req), { kind: actorKind, id: req.params.aid }, target(req.params), inherited)).map(role),
      links: links.collection(req),
    }));
  };
  for (const actor of ['user', 'group'] as const) {
    grantRoutes('/v3/projects/:tid', (p) => ({ kind: 'project', id: p.tid }), actor, false);
    grantRoutes('/v3/domains/:tid', (p) => ({ kind: 'domain', id: p.tid }), actor, false);
    grantRoutes('/v3/OS-INHERIT/projects/:tid', (p) => ({ kind: 'project', id: p.tid }), actor, true, '/inherited_to_projects');
    grantRoutes('/v3/OS-INHERIT/domains/:tid', (p) => ({ kind: 'domain', id: p.tid }), actor, true, '/inherited_to_projects');
    grantRoutes('/v3/system', () => ({ kind: 'system' }), actor, false);
  }

  app.get<{ Querystring: Query }>('/v3/role_assignments', async (req) => {
    const q = req.query;
    const inheritedTo = one(q, 'scope.OS-INHERIT:inherited_to');
    const list = await assignments.list(auth(req), {
      userId: one(q, 'user.id'),
      groupId: one(q, 'group.id'),
      roleId: one(q, 'role.id'),
      projectId: one(q, 'scope.project.id'),
      domainId: one(q, 'scope.domain.id'),
      system: one(q, 'scope.system') !== undefined,
      inherited: inheritedTo === undefined ? undefined : true,
      effective: flagParam(q, 'effective') ?? false,
      includeNames: flagParam(q, 'include_names') ?? false,
      includeSubtree: flagParam(q, 'include_subtree') ?? false,
    });
    const abs = (path: string) => `${links.v3}${path}`;
    return {
      role_assignments: list.map((a) => ({
        ...a,
        links: {
          assignment: abs(a.links.assignment),
          ...(a.links.membership ? { membership: abs(a.links.membership) } : {}),
          ...(a.links.prior_role ? { prior_role: abs(a.links.prior_role) } : {}),
        },
      })),
      links: links.collection(req),
    };
  });
}
