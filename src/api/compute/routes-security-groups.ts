import type { FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import type { ComputeContext } from '../../services/compute/deps.ts';
import type { NovaSecurityGroup } from '../../services/compute/peers.ts';
import { atLeast } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };
type Body = Record<string, unknown>;

/** Nova's `api.max_limit`. */
const MAX_LIMIT = 1000;

/** Nova's `_from_body`: the body must name `key`. */
function fromBody(body: unknown, key: string): Body {
  if (typeof body !== 'object' || body === null || Object.keys(body).length === 0) throw new BadRequest("The request body can't be empty");
  const value = (body as Body)[key];
  if (value === undefined || value === null) throw new BadRequest(`Missing parameter ${key}`);
  return typeof value === 'object' && !Array.isArray(value) ? (value as Body) : {};
}

/** Nova's `common.limited`: `offset` and `limit` (0 or none means `max_limit`) over the whole list. */
function limited<T>(items: T[], q: Query): T[] {
  const param = (name: string): number => {
    const raw = one(q, name);
    if (raw === undefined) return 0;
    if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new BadRequest(`${name} param must be an integer`);
    const n = Number(raw);
    if (n < 0) throw new BadRequest(`${name} param must be positive`);
    return n;
  };
  const offset = param('offset');
  const limit = Math.min(MAX_LIMIT, param('limit') || MAX_LIMIT);
  return items.slice(offset, offset + limit);
}

/** Python's sort of the groups by `(tenant_id, name)`. */
function byProjectAndName(a: NovaSecurityGroup, b: NovaSecurityGroup): number {
  if (a.tenant_id !== b.tenant_id) return a.tenant_id < b.tenant_id ? -1 : 1;
  return a.name === b.name ? 0 : a.name < b.name ? -1 : 1;
}

/**
 * The deprecated `os-security-groups` and `os-security-group-rules` proxies to Neutron, gone at
 * 2.36 (Nova answers 404 from there on, as for any path it does not know).
 */
export function securityGroupRoutes({ app, compute, auth, version }: ComputeApi): void {
  const { securityGroups } = compute;
  const caller = (req: FastifyRequest): ComputeContext => {
    const ctx = auth(req);
    if (atLeast(version(req), '2.36')) throw new NotFound('The resource could not be found.');
    return ctx;
  };

  app.get<{ Querystring: Query }>('/v2.1/os-security-groups', async (req) => {
    const ctx = caller(req);
    const groups = await securityGroups.list(ctx, 'all_tenants' in req.query && compute.isAdmin(ctx));
    return { security_groups: limited(groups, req.query).sort(byProjectAndName) };
  });
  app.get<{ Params: Id }>('/v2.1/os-security-groups/:id', async (req) => ({ security_group: await securityGroups.get(caller(req), req.params.id) }));
  app.post<{ Body: unknown }>('/v2.1/os-security-groups', async (req) => {
    const ctx = caller(req);
    const b = fromBody(req.body, 'security_group');
    return { security_group: await securityGroups.create(ctx, b.name, b.description) };
  });
  app.put<{ Params: Id; Body: unknown }>('/v2.1/os-security-groups/:id', async (req) => {
    const ctx = caller(req);
    const b = fromBody(req.body, 'security_group');
    return { security_group: await securityGroups.update(ctx, req.params.id, b.name, b.description) };
  });
  app.delete<{ Params: Id }>('/v2.1/os-security-groups/:id', async (req, reply) => {
    await securityGroups.delete(caller(req), req.params.id);
    return reply.code(202).send();
  });

  app.post<{ Body: unknown }>('/v2.1/os-security-group-rules', async (req) => {
    const ctx = caller(req);
    const b = fromBody(req.body, 'security_group_rule');
    const rule = await securityGroups.createRule(ctx, {
      parentGroupId: b.parent_group_id, ipProtocol: b.ip_protocol, fromPort: b.from_port, toPort: b.to_port, cidr: b.cidr, groupId: b.group_id,
    });
    return { security_group_rule: rule };
  });
  app.delete<{ Params: Id }>('/v2.1/os-security-group-rules/:id', async (req, reply) => {
    await securityGroups.deleteRule(caller(req), req.params.id);
    return reply.code(202).send();
  });
}
