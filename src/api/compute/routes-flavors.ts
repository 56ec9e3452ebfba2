import { BadRequest, NotFound } from '../../platform/errors.ts';
import { parseLimit } from '../../platform/pagination.ts';
import type { FlavorCreate, FlavorQuery } from '../../services/compute/flavors.ts';
import { atLeast } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';
import { flavorDetail, flavorSummary, pageLinks } from './views-flavors.ts';

type Id = { flavor_id: string };
type Key = Id & { key: string };
type Raw = string | number | boolean | null | undefined;

const MAX_INT = 0x7fffffff;

/** Nova's extra spec keys; values are strings or numbers (stored as strings) of at most 255 characters. */
const SPEC_KEY = '^[a-zA-Z0-9_:. \\-]{1,255}$';
const specs = { type: 'object', patternProperties: { [SPEC_KEY]: { anyOf: [{ type: 'string', maxLength: 255 }, { type: 'number' }] } }, additionalProperties: false };
/** Nova's flavor numbers come as JSON numbers or strings of them; `integer` checks the value. */
const intOrString = { anyOf: [{ type: 'integer' }, { type: 'string' }] };

const createSchema = {
  type: 'object', required: ['flavor'], additionalProperties: false,
  properties: {
    flavor: {
      type: 'object', required: ['name', 'ram', 'vcpus', 'disk'], additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 }, id: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] },
        ram: intOrString, vcpus: intOrString, disk: intOrString, 'OS-FLV-EXT-DATA:ephemeral': intOrString, swap: intOrString,
        rxtx_factor: { anyOf: [{ type: 'number' }, { type: 'string' }] }, 'os-flavor-access:is_public': { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
        description: { type: ['string', 'null'], maxLength: 65535 },
      },
    },
  },
};
const updateSchema = {
  type: 'object', required: ['flavor'], additionalProperties: false,
  properties: { flavor: { type: 'object', required: ['description'], additionalProperties: false, properties: { description: { type: ['string', 'null'], maxLength: 65535 } } } },
};

/** Nova's jsonschema error text: `Invalid input for field/attribute <name>. Value: <v>. <why>`. */
const invalid = (field: string, value: Raw, why: string) => new BadRequest(`Invalid input for field/attribute ${field}. Value: ${String(value)}. ${why}`);

/** Nova's flavor integers: a JSON integer or a string of digits, within `[min, 2^31-1]`. */
function integer(field: string, v: Raw, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(n)) throw invalid(field, v, `'${String(v)}' does not match '^[0-9]*$'`);
  if (n < min) throw invalid(field, v, `${n} is less than the minimum of ${min}`);
  if (n > MAX_INT) throw invalid(field, v, `${n} is greater than the maximum of ${MAX_INT}`);
  return n;
}

/** Nova's `parameter_types.boolean`: JSON booleans and oslo's boolean strings. */
function boolean(field: string, v: Raw): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v as boolean | undefined;
  const s = String(v).toLowerCase();
  if (['true', '1', 'on', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'off', 'no', 'n', 'f'].includes(s)) return false;
  throw invalid(field, v, `'${String(v)}' is not a boolean`);
}

function createInput(b: Record<string, Raw>, descriptions: boolean): FlavorCreate {
  const name = b.name as string;
  if (!/^\S(.*\S)?$/s.test(name)) throw invalid('name', name, `'${name}' is not a 'name'`);
  const id = b.id === null || b.id === undefined ? undefined : String(b.id);
  if (id !== undefined && !(id.length <= 255 && /^(?! )[a-zA-Z0-9. _-]+(?<! )$/.test(id))) throw invalid('id', id, `'${id}' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'`);
  if (b.description !== undefined && !descriptions) throw invalid('flavor', JSON.stringify(b), "Additional properties are not allowed ('description' was unexpected)");
  const rxtx = b.rxtx_factor === undefined ? undefined : Number(b.rxtx_factor);
  if (rxtx !== undefined && !(rxtx > 0 && rxtx <= 3.40282e38)) throw invalid('rxtx_factor', b.rxtx_factor, "'rxtx_factor' argument must be a float between 0 and 3.40282e+38");
  return {
    name, ...(id === undefined ? {} : { id }),
    ram: integer('ram', b.ram, 1)!, vcpus: integer('vcpus', b.vcpus, 1)!, disk: integer('disk', b.disk, 0)!,
    ephemeral: integer('OS-FLV-EXT-DATA:ephemeral', b['OS-FLV-EXT-DATA:ephemeral'], 0) ?? 0, swap: integer('swap', b.swap, 0) ?? 0,
    rxtx_factor: rxtx ?? 1, is_public: boolean('os-flavor-access:is_public', b['os-flavor-access:is_public']) ?? true,
    description: (b.description as string | null | undefined) ?? null,
  };
}

/** Python's `int()` of a query value, as Nova reads `minRam`/`minDisk`. */
function intParam(q: Query, key: string): number | undefined {
  const v = one(q, key);
  if (v === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new BadRequest(`Invalid ${key} filter [${v}]`);
  return Number(v);
}

function flavorQuery(q: Query): FlavorQuery {
  const sortDir = one(q, 'sort_dir');
  if (sortDir !== undefined && sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequest(`Invalid input for query parameters sort_dir. Value: ${sortDir}.`);
  const out: FlavorQuery = { minRam: intParam(q, 'minRam'), minDisk: intParam(q, 'minDisk'), isPublic: one(q, 'is_public'), sortKey: one(q, 'sort_key'), limit: parseLimit(one(q, 'limit')), marker: one(q, 'marker') };
  if (sortDir !== undefined) out.sortDir = sortDir;
  return out;
}

/** Flavors (`os-flavor-manage`, `os-flavor-extra-specs`, `os-flavor-access` included). */
export function flavorRoutes({ app, compute, auth, version, base }: ComputeApi): void {
  const { flavors } = compute;

  for (const detail of [false, true]) {
    app.get<{ Querystring: Query }>(detail ? '/v2.1/flavors/detail' : '/v2.1/flavors', async (req) => {
      const v = version(req);
      const page = await flavors.list(auth(req), flavorQuery(req.query));
      const links = pageLinks(base, req.url, page.nextMarker);
      return { flavors: page.items.map((f) => (detail ? flavorDetail(base, v, f) : flavorSummary(base, v, f))), ...(links.length ? { flavors_links: links } : {}) };
    });
  }
  app.get<{ Params: Id }>('/v2.1/flavors/:flavor_id', async (req) => ({ flavor: flavorDetail(base, version(req), await flavors.get(auth(req), req.params.flavor_id)) }));
  app.post<{ Body: { flavor: Record<string, Raw> } }>('/v2.1/flavors', { schema: { body: createSchema } }, async (req) => {
    const v = version(req);
    return { flavor: flavorDetail(base, v, await flavors.create(auth(req), createInput(req.body.flavor, atLeast(v, '2.55')))) };
  });
  app.put<{ Params: Id; Body: { flavor: { description: string | null } } }>('/v2.1/flavors/:flavor_id', { schema: { body: updateSchema } }, async (req) => {
    const v = version(req);
    if (!atLeast(v, '2.55')) throw new NotFound('The resource could not be found.');
    return { flavor: flavorDetail(base, v, await flavors.updateDescription(auth(req), req.params.flavor_id, req.body.flavor.description)) };
  });
  app.delete<{ Params: Id }>('/v2.1/flavors/:flavor_id', async (req, reply) => {
    await flavors.delete(auth(req), req.params.flavor_id);
    return reply.code(202).send();
  });

  const strings = (s: Record<string, string | number>) => Object.fromEntries(Object.entries(s).map(([k, x]) => [k, String(x)]));
  app.get<{ Params: Id }>('/v2.1/flavors/:flavor_id/os-extra_specs', async (req) => ({ extra_specs: await flavors.extraSpecs(auth(req), req.params.flavor_id) }));
  app.post<{ Params: Id; Body: { extra_specs: Record<string, string | number> } }>('/v2.1/flavors/:flavor_id/os-extra_specs',
    { schema: { body: { type: 'object', required: ['extra_specs'], additionalProperties: false, properties: { extra_specs: specs } } } }, async (req) => {
      await flavors.setExtraSpecs(auth(req), req.params.flavor_id, strings(req.body.extra_specs), 'create');
      return req.body;
    });
  app.get<{ Params: Key }>('/v2.1/flavors/:flavor_id/os-extra_specs/:key', async (req) =>
    ({ [req.params.key]: await flavors.extraSpec(auth(req), req.params.flavor_id, req.params.key) }));
  app.put<{ Params: Key; Body: Record<string, string | number> }>('/v2.1/flavors/:flavor_id/os-extra_specs/:key',
    { schema: { body: { ...specs, minProperties: 1, maxProperties: 1 } } }, async (req) => {
      if (!Object.hasOwn(req.body, req.params.key)) throw new BadRequest('Request body and URI mismatch');
      await flavors.setExtraSpecs(auth(req), req.params.flavor_id, strings(req.body), 'update');
      return req.body;
    });
  app.delete<{ Params: Key }>('/v2.1/flavors/:flavor_id/os-extra_specs/:key', async (req, reply) => {
    await flavors.deleteExtraSpec(auth(req), req.params.flavor_id, req.params.key);
    return reply.code(200).send();
  });

  app.get<{ Params: Id }>('/v2.1/flavors/:flavor_id/os-flavor-access', async (req) => ({ flavor_access: await flavors.access(auth(req), req.params.flavor_id) }));
  app.post<{ Params: Id; Body: unknown }>('/v2.1/flavors/:flavor_id/action', async (req) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const [action, ...rest] = Object.keys(body);
    if (action === undefined || rest.length > 0) throw new BadRequest('Malformed request body');
    if (action !== 'addTenantAccess' && action !== 'removeTenantAccess') throw new BadRequest(`There is no such action: ${action}`);
    const tenant = (body[action] as { tenant?: unknown } | null)?.tenant;
    if (typeof tenant !== 'string' || tenant.length < 1 || tenant.length > 255) throw invalid(`${action}.tenant`, tenant as Raw, "'tenant' is a required string property");
    const ctx = auth(req);
    const list = action === 'addTenantAccess' ? await flavors.addAccess(ctx, req.params.flavor_id, tenant) : await flavors.removeAccess(ctx, req.params.flavor_id, tenant);
    return { flavor_access: list };
  });
}
