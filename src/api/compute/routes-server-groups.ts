import { BadRequest } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import type { ServerGroup, ServerGroupPolicy } from '../../services/compute/server-groups.ts';
import { atLeast, type Version } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };

const createSchema = {
  type: 'object', required: ['server_group'], additionalProperties: false,
  properties: {
    server_group: {
      type: 'object', required: ['name', 'policies'], additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        policies: { type: 'array', minItems: 1, maxItems: 1, uniqueItems: true, items: { type: 'string' } },
      },
    },
  },
};

/** Until 2.64 a group shows its one policy as `policies: [..]`; owners from 2.13. */
function groupView(v: Version, g: ServerGroup): Record<string, unknown> {
  return {
    id: g.id, name: g.name, policies: [g.policy], members: g.members, metadata: {},
    ...(atLeast(v, '2.13') ? { project_id: g.project_id, user_id: g.user_id } : {}),
  };
}

/** Nova's `common.limited`: `offset` and `limit` query parameters. */
function offset(q: Query): number | undefined {
  const v = one(q, 'offset');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new BadRequest(/^-\d+$/.test(v) ? 'offset param must be positive' : 'offset param must be an integer');
  return Number(v);
}

export function serverGroupRoutes({ app, compute, auth, version }: ComputeApi): void {
  const { serverGroups } = compute;

  app.get<{ Querystring: Query }>('/v2.1/os-server-groups', async (req) => {
    const v = version(req);
    // Nova asks only whether `all_projects` is present, not its value.
    const list = await serverGroups.list(auth(req), { allProjects: 'all_projects' in req.query, limit: parseLimit(one(req.query, 'limit')), offset: offset(req.query) });
    return { server_groups: list.map((g) => groupView(v, g)) };
  });
  app.get<{ Params: Id }>('/v2.1/os-server-groups/:id', async (req) => ({ server_group: groupView(version(req), await serverGroups.show(auth(req), req.params.id)) }));
  app.post<{ Body: { server_group: { name: string; policies: string[] } } }>('/v2.1/os-server-groups', { schema: { body: createSchema } }, async (req) => {
    const v = version(req);
    const allowed = ['affinity', 'anti-affinity', ...(atLeast(v, '2.15') ? ['soft-affinity', 'soft-anti-affinity'] : [])];
    const [policy] = req.body.server_group.policies;
    if (!allowed.includes(policy!)) {
      throw new BadRequest(`Invalid input for field/attribute 0. Value: ${policy}. '${policy}' is not one of ${JSON.stringify(allowed).replaceAll('"', "'")}`);
    }
    return { server_group: groupView(v, await serverGroups.create(auth(req), { name: req.body.server_group.name, policy: policy as ServerGroupPolicy })) };
  });
  app.delete<{ Params: Id }>('/v2.1/os-server-groups/:id', async (req, reply) => {
    await serverGroups.delete(auth(req), req.params.id);
    return reply.code(204).send();
  });
}
