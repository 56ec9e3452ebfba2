import type { FastifyRequest } from 'fastify';
import { BadRequest } from '../../platform/errors.ts';
import type { CandidateRequest, Candidates, ConsumerAllocations, RequestGroup } from '../../services/placement/index.ts';
import { normalUuid } from '../../services/placement/index.ts';
import { noContent } from '../http.ts';
import { array, generation, invalid, keys, object, resources, str, uuid, type Body } from './body.ts';
import type { Version } from './microversion.ts';
import type { PlacementApi } from './plugin.ts';
import { all, allowOnly, memberOfParam, one, resourcesParam, traitsParam, type Query } from './query.ts';

type C = { Params: { consumer_uuid: string } };

/** Before 1.8 allocations had no owner; upstream records this placeholder project and user. */
const INCOMPLETE_CONSUMER = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Allocations per consumer, usages per project and allocation candidates. */
export function allocationRoutes(api: PlacementApi): void {
  const { app, placement: p, auth, version, need } = api;

  const consumer = (req: FastifyRequest<C>) => {
    const c = req.params.consumer_uuid;
    if (!UUID.test(c)) throw new BadRequest(`Malformed consumer_uuid: ${c}`);
    return normalUuid(c);
  };

  app.get<C>('/allocations/:consumer_uuid', async (req) => {
    const v = version(req);
    const view = await p.allocations.forConsumer(auth(req), req.params.consumer_uuid);
    const out: Record<string, unknown> = { allocations: view.allocations };
    if (view.consumer && v.atLeast(12)) Object.assign(out, { project_id: view.consumer.projectId, user_id: view.consumer.userId });
    if (view.consumer && v.atLeast(28)) out.consumer_generation = view.consumer.generation;
    return out;
  });

  app.put<C & { Body: unknown }>('/allocations/:consumer_uuid', async (req, reply) => {
    const c = consumer(req);
    await p.allocations.set(auth(req), c, consumerBody(object(req.body), version(req), true));
    return noContent(reply);
  });

  app.post<{ Body: unknown }>('/allocations', async (req, reply) => {
    need(req, 13, 405);
    const b = object(req.body);
    if (Object.keys(b).length === 0) throw invalid('{} does not have enough properties');
    const byConsumer: Record<string, ConsumerAllocations> = {};
    for (const [c, entry] of Object.entries(b)) {
      if (!UUID.test(c)) throw invalid(`'${c}' does not match any of the regexes: '^[0-9a-fA-F-]{36}$'`);
      byConsumer[normalUuid(c)] = consumerBody(object(entry, c), version(req), false);
    }
    await p.allocations.setMany(auth(req), byConsumer);
    return noContent(reply);
  });

  app.delete<C>('/allocations/:consumer_uuid', async (req, reply) => {
    await p.allocations.delete(auth(req), req.params.consumer_uuid);
    return noContent(reply);
  });

  app.get<{ Querystring: Query }>('/usages', async (req) => {
    need(req, 9);
    allowOnly(req.query, (k) => k === 'project_id' || k === 'user_id');
    const project = one(req.query, 'project_id');
    if (project === undefined) throw new BadRequest('Invalid query string parameters: \'project_id\' is a required property');
    return { usages: await p.allocations.totalUsages(auth(req), project, one(req.query, 'user_id')) };
  });

  app.get<{ Querystring: Query }>('/allocation_candidates', async (req) => {
    need(req, 10);
    const v = version(req);
    const r = candidateRequest(req.query, v);
    return renderCandidates(await p.allocationCandidates.list(auth(req), r), r, v);
  });
}

/**
 * One consumer's allocations as each microversion writes them: a list of
 * `{resource_provider: {uuid}, resources}` before 1.12, a dict by provider after; owners from
 * 1.8; `consumer_generation` from 1.28, which also allows `{}` to remove everything.
 */
function consumerBody(b: Body, v: Version, single: boolean): ConsumerAllocations {
  const owners = single ? v.atLeast(8) : true;
  const generationKey = v.atLeast(28) ? ['consumer_generation'] : [];
  keys(b, ['allocations', ...(owners ? ['project_id', 'user_id'] : []), ...generationKey], single && !owners ? ['project_id', 'user_id'] : []);
  const allocations: Record<string, Record<string, number>> = {};
  if (single && !v.atLeast(12)) {
    const list = array(b.allocations, 'allocations');
    if (list.length === 0) throw invalid('[] is too short (allocations)');
    for (const item of list) {
      const e = object(item, 'allocations');
      keys(e, ['resource_provider', 'resources']);
      const rp = object(e.resource_provider, 'resource_provider');
      keys(rp, ['uuid']);
      allocations[normalUuid(uuid(rp.uuid, 'resource_provider.uuid'))] = resources(e.resources, 'resources');
    }
  } else {
    const dict = object(b.allocations, 'allocations');
    if (Object.keys(dict).length === 0 && !(v.atLeast(28) || !single)) throw invalid('{} does not have enough properties (allocations)');
    for (const [rp, e] of Object.entries(dict)) {
      const entry = object(e, `allocations.${rp}`);
      keys(entry, ['resources'], ['generation']);
      allocations[normalUuid(uuid(rp, 'allocations'))] = resources(entry.resources, `allocations.${rp}.resources`);
    }
  }
  const out: ConsumerAllocations = {
    allocations,
    projectId: b.project_id === undefined ? INCOMPLETE_CONSUMER : str(b.project_id, 'project_id'),
    userId: b.user_id === undefined ? INCOMPLETE_CONSUMER : str(b.user_id, 'user_id'),
  };
  if (v.atLeast(28)) out.consumerGeneration = generation(b.consumer_generation, 'consumer_generation', true);
  return out;
}

/** The query of `GET /allocation_candidates`, per microversion, as request groups. */
function candidateRequest(q: Query, v: Version): CandidateRequest {
  const granular = v.atLeast(25);
  const suffixed = /^(resources|required|member_of)(\d+)$/;
  allowOnly(q, (k) => k === 'resources' || (k === 'limit' && v.atLeast(16)) || (k === 'required' && v.atLeast(17)) || (k === 'member_of' && v.atLeast(21))
    || (granular && (k === 'group_policy' || (suffixed.test(k) && !/^\D+0/.test(k)))));
  const groups = new Map<string, RequestGroup>();
  const groupFor = (suffix: string) => {
    let g = groups.get(suffix);
    if (!g) groups.set(suffix, (g = { suffix, resources: {}, required: [], forbidden: [], memberOf: [] }));
    return g;
  };
  for (const key of Object.keys(q)) {
    const m = key === 'resources' || key === 'required' || key === 'member_of' ? [key, key, ''] : suffixed.exec(key);
    if (!m) continue;
    const [, kind, suffix] = m as [string, string, string];
    const g = groupFor(suffix);
    if (kind === 'resources') g.resources = resourcesParam(one(q, key)!);
    else if (kind === 'required') Object.assign(g, traitsParam(one(q, key)!, v.atLeast(22)));
    else g.memberOf = memberOfParam(all(q, key), v.atLeast(24));
  }
  const orphans = (what: 'required' | 'member_of', has: (g: RequestGroup) => boolean) => {
    const keys = [...groups.values()].filter((g) => has(g) && Object.keys(g.resources).length === 0).map((g) => `${what}${g.suffix}`);
    if (keys.length) {
      const label = what === 'required' ? 'traits' : 'member_of';
      throw new BadRequest(`All ${label} parameters must be associated with resources. Found the following orphaned ${label} keys: ${keys.join(', ')}`);
    }
  };
  orphans('required', (g) => g.required.length + g.forbidden.length > 0);
  orphans('member_of', (g) => g.memberOf.length > 0);
  const numbered = [...groups.values()].filter((g) => g.suffix !== '');
  if (!groups.has('') && numbered.length === 0) {
    throw new BadRequest(granular ? 'At least one request group (`resources` or `resources{N}`) is required.' : 'Invalid query string parameters: \'resources\' is a required property');
  }
  const policy = one(q, 'group_policy');
  if (policy !== undefined && policy !== 'none' && policy !== 'isolate') {
    throw new BadRequest(`Invalid query string parameters: '${policy}' is not one of ['none', 'isolate']`);
  }
  if (policy === undefined && numbered.length > 1) {
    throw new BadRequest('The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.');
  }
  const limit = one(q, 'limit');
  if (limit !== undefined && !/^[1-9]\d*$/.test(limit)) throw new BadRequest(`Invalid query string parameters: '${limit}' does not match '^[1-9][0-9]*$'`);
  return {
    groups: [...groups.values()].sort((a, b) => a.suffix.localeCompare(b.suffix, 'en', { numeric: true })),
    isolate: policy === 'isolate',
    ...(limit === undefined ? {} : { limit: Number(limit) }),
    nested: v.atLeast(29),
  };
}

function renderCandidates(c: Candidates, r: CandidateRequest, v: Version): Record<string, unknown> {
  const requested = new Set(r.groups.flatMap((g) => Object.keys(g.resources)));
  const allocation_requests = c.allocationRequests.map((ar) => v.atLeast(12)
    ? { allocations: Object.fromEntries(Object.entries(ar.allocations).map(([rp, res]) => [rp, { resources: res }])) }
    : { allocations: Object.entries(ar.allocations).map(([rp, res]) => ({ resource_provider: { uuid: rp }, resources: res })) });
  const provider_summaries: Record<string, unknown> = {};
  for (const [rp, s] of Object.entries(c.providerSummaries)) {
    const resources = Object.fromEntries(Object.entries(s.resources).filter(([rc]) => v.atLeast(27) || requested.has(rc)));
    const out: Record<string, unknown> = { resources };
    if (v.atLeast(17)) out.traits = s.traits;
    if (v.atLeast(29)) Object.assign(out, { parent_provider_uuid: s.parentProviderUuid, root_provider_uuid: s.rootProviderUuid });
    provider_summaries[rp] = out;
  }
  return { allocation_requests, provider_summaries };
}
