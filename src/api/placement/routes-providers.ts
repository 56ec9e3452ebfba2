import type { FastifyRequest } from 'fastify';
import { noContent } from '../http.ts';
import { normalUuid, type InventoryInput, type InventoryNumbers, type Provider, type ProviderFilter } from '../../services/placement/index.ts';
import { array, generation, int, invalid, keys, name, object, str, uuid, type Body } from './body.ts';
import type { PlacementApi } from './plugin.ts';
import { all, allowOnly, memberOfParam, one, resourcesParam, traitsParam, uuidParam, type Query } from './query.ts';

type U = { Params: { uuid: string } };
type UC = { Params: { uuid: string; resource_class: string } };
const INVENTORY_FIELDS = ['total', 'reserved', 'min_unit', 'max_unit', 'step_size', 'allocation_ratio'] as const;

/** Resource providers and what hangs off them: inventories, traits, aggregates, usages, allocations. */
export function providerRoutes(api: PlacementApi): void {
  const { app, placement: p, auth, version, need } = api;
  const base = '/resource_providers';

  const render = (req: FastifyRequest, rp: Provider) => {
    const v = version(req);
    const self = api.href(`${base}/${rp.uuid}`);
    const rels = ['inventories', 'usages', ...(v.atLeast(1) ? ['aggregates'] : []), ...(v.atLeast(6) ? ['traits'] : []), ...(v.atLeast(11) ? ['allocations'] : [])];
    const out: Record<string, unknown> = {
      uuid: rp.uuid, name: rp.name, generation: rp.generation,
      links: [{ rel: 'self', href: self }, ...rels.map((rel) => ({ rel, href: `${self}/${rel}` }))],
    };
    if (v.atLeast(14)) Object.assign(out, { parent_provider_uuid: rp.parentProviderUuid, root_provider_uuid: rp.rootProviderUuid });
    return out;
  };

  app.get<{ Querystring: Query }>(base, async (req) => {
    const v = version(req);
    const q = req.query;
    const allowed = ['name', 'uuid', ...(v.atLeast(3) ? ['member_of'] : []), ...(v.atLeast(4) ? ['resources'] : []),
      ...(v.atLeast(14) ? ['in_tree'] : []), ...(v.atLeast(18) ? ['required'] : [])];
    allowOnly(q, (k) => allowed.includes(k));
    const f: ProviderFilter = {};
    if (one(q, 'name') !== undefined) f.name = one(q, 'name');
    if (one(q, 'uuid') !== undefined) f.uuid = uuidParam(one(q, 'uuid')!, 'uuid');
    if (one(q, 'in_tree') !== undefined) f.inTree = uuidParam(one(q, 'in_tree')!, 'in_tree');
    if (one(q, 'resources') !== undefined) f.resources = resourcesParam(one(q, 'resources')!);
    if (q.member_of !== undefined) f.memberOf = memberOfParam(all(q, 'member_of'), v.atLeast(24));
    if (one(q, 'required') !== undefined) Object.assign(f, traitsParam(one(q, 'required')!, v.atLeast(22)));
    const rps = await p.providers.list(auth(req), f);
    return { resource_providers: rps.map((rp) => render(req, rp)) };
  });

  app.post<{ Body: unknown }>(base, async (req, reply) => {
    const v = version(req);
    const b = object(req.body);
    keys(b, ['name'], ['uuid', ...(v.atLeast(14) ? ['parent_provider_uuid'] : [])]);
    const parent = b.parent_provider_uuid;
    const rp = await p.providers.create(auth(req), {
      name: str(b.name, 'name', 200),
      ...(b.uuid === undefined ? {} : { uuid: normalUuid(uuid(b.uuid, 'uuid')) }),
      ...(parent === undefined || parent === null ? {} : { parentProviderUuid: uuid(parent, 'parent_provider_uuid') }),
    });
    reply.header('location', api.url(`${base}/${rp.uuid}`));
    if (!v.atLeast(20)) return reply.code(201).send();
    reply.header('last-modified', new Date(rp.updatedAt).toUTCString());
    return render(req, rp);
  });

  app.get<U>(`${base}/:uuid`, async (req, reply) => {
    const rp = await p.providers.get(auth(req), req.params.uuid);
    if (version(req).atLeast(15)) reply.header('last-modified', new Date(rp.updatedAt).toUTCString());
    return render(req, rp);
  });

  app.put<U & { Body: unknown }>(`${base}/:uuid`, async (req) => {
    const v = version(req);
    const b = object(req.body);
    keys(b, ['name'], v.atLeast(14) ? ['parent_provider_uuid'] : []);
    const parent = b.parent_provider_uuid;
    const rp = await p.providers.update(auth(req), req.params.uuid, {
      name: str(b.name, 'name', 200),
      ...(parent === undefined ? {} : { parentProviderUuid: parent === null ? null : uuid(parent, 'parent_provider_uuid') }),
    });
    return render(req, rp);
  });

  app.delete<U>(`${base}/:uuid`, async (req, reply) => {
    await p.providers.delete(auth(req), req.params.uuid);
    return noContent(reply);
  });

  // Inventories.
  const inv = `${base}/:uuid/inventories`;
  const reservedMayEqualTotal = (req: FastifyRequest) => ({ reservedMayEqualTotal: version(req).atLeast(26) });
  app.get<U>(inv, async (req) => {
    const r = await p.inventories.list(auth(req), req.params.uuid);
    return { resource_provider_generation: r.generation, inventories: r.inventories };
  });
  app.put<U & { Body: unknown }>(inv, async (req) => {
    const b = object(req.body);
    keys(b, ['resource_provider_generation', 'inventories']);
    const inputs: Record<string, InventoryInput> = {};
    for (const [rc, i] of Object.entries(object(b.inventories, 'inventories'))) inputs[name(rc, 'inventories')] = inventoryInput(object(i, `inventories.${rc}`), rc);
    const r = await p.inventories.replace(auth(req), req.params.uuid, generation(b.resource_provider_generation, 'resource_provider_generation')!, inputs, reservedMayEqualTotal(req));
    return { resource_provider_generation: r.generation, inventories: r.inventories };
  });
  app.post<U & { Body: unknown }>(inv, async (req, reply) => {
    const b = object(req.body);
    keys(b, ['resource_class', 'resource_provider_generation', 'total'], INVENTORY_FIELDS.filter((f) => f !== 'total'));
    const rc = name(b.resource_class, 'resource_class');
    const { resource_class: _rc, resource_provider_generation: gen, ...rest } = b;
    const r = await p.inventories.create(auth(req), req.params.uuid, generation(gen, 'resource_provider_generation')!, rc, inventoryInput(rest, rc), reservedMayEqualTotal(req));
    reply.header('location', api.url(`${base}/${req.params.uuid}/inventories/${rc}`));
    return reply.code(201).send(one_(r.inventory, r.generation));
  });
  app.delete<U>(inv, async (req, reply) => {
    need(req, 5, 405);
    await p.inventories.clear(auth(req), req.params.uuid);
    return noContent(reply);
  });
  app.get<UC>(`${inv}/:resource_class`, async (req) => {
    const r = await p.inventories.get(auth(req), req.params.uuid, req.params.resource_class);
    return one_(r.inventory, r.generation);
  });
  app.put<UC & { Body: unknown }>(`${inv}/:resource_class`, async (req) => {
    const b = object(req.body);
    keys(b, ['resource_provider_generation', 'total'], INVENTORY_FIELDS.filter((f) => f !== 'total'));
    const { resource_provider_generation: gen, ...rest } = b;
    const rc = req.params.resource_class;
    const r = await p.inventories.update(auth(req), req.params.uuid, generation(gen, 'resource_provider_generation')!, rc, inventoryInput(rest, rc), reservedMayEqualTotal(req));
    return one_(r.inventory, r.generation);
  });
  app.delete<UC>(`${inv}/:resource_class`, async (req, reply) => {
    await p.inventories.delete(auth(req), req.params.uuid, req.params.resource_class);
    return noContent(reply);
  });

  // Traits (1.6) and aggregates (1.1; with generation from 1.19).
  app.get<U>(`${base}/:uuid/traits`, async (req) => {
    need(req, 6);
    const t = await p.providers.traits(auth(req), req.params.uuid);
    return { traits: t.values, resource_provider_generation: t.generation };
  });
  app.put<U & { Body: unknown }>(`${base}/:uuid/traits`, async (req) => {
    need(req, 6);
    const b = object(req.body);
    keys(b, ['traits', 'resource_provider_generation']);
    const traits = array(b.traits, 'traits').map((t) => name(t, 'traits'));
    const t = await p.providers.setTraits(auth(req), req.params.uuid, generation(b.resource_provider_generation, 'resource_provider_generation')!, traits);
    return { traits: t.values, resource_provider_generation: t.generation };
  });
  app.delete<U>(`${base}/:uuid/traits`, async (req, reply) => {
    need(req, 6);
    await p.providers.clearTraits(auth(req), req.params.uuid);
    return noContent(reply);
  });
  app.get<U>(`${base}/:uuid/aggregates`, async (req) => {
    need(req, 1);
    const a = await p.providers.aggregates(auth(req), req.params.uuid);
    return version(req).atLeast(19) ? { aggregates: a.values, resource_provider_generation: a.generation } : { aggregates: a.values };
  });
  app.put<U & { Body: unknown }>(`${base}/:uuid/aggregates`, async (req) => {
    need(req, 1);
    const withGeneration = version(req).atLeast(19);
    let list: unknown[];
    let gen: number | undefined;
    if (withGeneration) {
      const b = object(req.body);
      keys(b, ['aggregates', 'resource_provider_generation']);
      list = array(b.aggregates, 'aggregates');
      gen = generation(b.resource_provider_generation, 'resource_provider_generation')!;
    } else {
      list = array(req.body, 'aggregates');
    }
    const aggs = list.map((a) => normalUuid(uuid(a, 'aggregates')));
    if (new Set(aggs).size !== aggs.length) throw invalid(`${JSON.stringify(list)} has non-unique elements`);
    const a = await p.providers.setAggregates(auth(req), req.params.uuid, aggs, gen);
    return withGeneration ? { aggregates: a.values, resource_provider_generation: a.generation } : { aggregates: a.values };
  });

  app.get<U>(`${base}/:uuid/usages`, async (req) => {
    const u = await p.allocations.providerUsages(auth(req), req.params.uuid);
    return { resource_provider_generation: u.generation, usages: u.usages };
  });

  app.get<U>(`${base}/:uuid/allocations`, async (req) => {
    const withConsumerGeneration = version(req).atLeast(28);
    const a = await p.allocations.forProvider(auth(req), req.params.uuid);
    const allocations = Object.fromEntries(Object.entries(a.allocations).map(([c, e]) =>
      [c, withConsumerGeneration ? { resources: e.resources, consumer_generation: e.consumerGeneration } : { resources: e.resources }]));
    return { resource_provider_generation: a.generation, allocations };
  });
}

function one_(inventory: InventoryNumbers, generation: number): Record<string, unknown> {
  return { ...inventory, resource_provider_generation: generation };
}

/** One class's numbers: `total` required, the rest optional, nothing else. */
function inventoryInput(b: Body, rc: string): InventoryInput {
  keys(b, ['total'], INVENTORY_FIELDS.filter((f) => f !== 'total'));
  const out: InventoryInput = { total: int(b.total, `${rc}.total`, 1) };
  for (const f of ['reserved', 'min_unit', 'max_unit', 'step_size'] as const) if (b[f] !== undefined) out[f] = int(b[f], `${rc}.${f}`, f === 'reserved' ? 0 : 1);
  if (b.allocation_ratio !== undefined) {
    if (typeof b.allocation_ratio !== 'number') throw invalid(`${JSON.stringify(b.allocation_ratio)} is not of type 'number' (${rc}.allocation_ratio)`);
    out.allocation_ratio = b.allocation_ratio;
  }
  return out;
}
