import { BadRequest } from '../../platform/errors.ts';
import { QUOTA_DEFAULTS } from '../../services/compute/quotas.ts';
import { atLeast, type Version } from '../microversion.ts';
import { one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };

/** Quotas that left the API: nova-network's at 2.36, personality files' at 2.57. */
const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED = ['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files'];

function hidden(v: Version): string[] {
  return [...(atLeast(v, '2.36') ? NETWORK : []), ...(atLeast(v, '2.57') ? INJECTED : [])];
}

/** The quota set as the microversion shows it, in Nova's (alphabetical) order. */
function visible<T>(v: Version, values: Record<string, T>): Record<string, T> {
  const drop = hidden(v);
  return Object.fromEntries(Object.keys(values).sort().filter((k) => !drop.includes(k)).map((k) => [k, values[k]!]));
}

/** `absolute` names of each quota in `GET /limits`; `maxImageMeta` went away at 2.39. */
const LIMIT_NAMES: Record<string, string[]> = {
  ram: ['maxTotalRAMSize'], instances: ['maxTotalInstances'], cores: ['maxTotalCores'], key_pairs: ['maxTotalKeypairs'],
  floating_ips: ['maxTotalFloatingIps'], metadata_items: ['maxServerMeta', 'maxImageMeta'], injected_files: ['maxPersonality'],
  injected_file_content_bytes: ['maxPersonalitySize'], security_groups: ['maxSecurityGroups'], security_group_rules: ['maxSecurityGroupRules'],
  server_groups: ['maxServerGroups'], server_group_members: ['maxServerGroupMembers'],
};
const USED_NAMES: Record<string, string> = {
  totalRAMUsed: 'ram', totalCoresUsed: 'cores', totalInstancesUsed: 'instances', totalFloatingIpsUsed: 'floating_ips',
  totalSecurityGroupsUsed: 'security_groups', totalServerGroupsUsed: 'server_groups',
};

const invalid = (field: string, value: unknown, why: string) => new BadRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`);

/** Nova's `quota_set` update body for the microversion: known keys, integers (or their strings) from -1, and `force`. */
function quotaUpdate(v: Version, body: unknown): { values: Record<string, number>; force: boolean } {
  const set = (body as { quota_set?: unknown } | null)?.quota_set;
  if (typeof set !== 'object' || set === null || Array.isArray(set)) throw invalid('quota_set', set, "'quota_set' is a required property");
  const allowed = Object.keys(visible(v, QUOTA_DEFAULTS));
  const values: Record<string, number> = {};
  let force = false;
  for (const [k, raw] of Object.entries(set)) {
    if (k === 'force') {
      const s = String(raw).toLowerCase();
      if (!['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n'].includes(s)) throw invalid('force', raw, `${JSON.stringify(raw)} is not a boolean`);
      force = ['true', '1', 'yes', 'on', 't', 'y'].includes(s);
      continue;
    }
    if (!allowed.includes(k)) throw invalid('quota_set', set, `Additional properties are not allowed ('${k}' was unexpected)`);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n)) throw invalid(k, raw, `${JSON.stringify(raw)} does not match '^-?[0-9]+$'`);
    if (n < -1) throw invalid(k, raw, `${n} is less than the minimum of -1`);
    if (n > 0x7fffffff) throw invalid(k, raw, `${n} is greater than the maximum of ${0x7fffffff}`);
    values[k] = n;
  }
  return { values, force };
}

/** `GET /limits` and `os-quota-sets`. */
export function limitRoutes({ app, compute, auth, version }: ComputeApi): void {
  const { quotas } = compute;

  app.get<{ Querystring: Query }>('/v2.1/limits', async (req) => {
    const v = version(req);
    const ctx = auth(req);
    const { limits, usage } = await quotas.absolute(ctx, one(req.query, 'tenant_id'));
    const shown = visible(v, limits);
    const absolute: Record<string, number> = {};
    for (const [resource, names] of Object.entries(LIMIT_NAMES)) {
      if (!(resource in shown)) continue;
      for (const name of names) if (name !== 'maxImageMeta' || !atLeast(v, '2.39')) absolute[name] = shown[resource]!;
    }
    const used = usage as unknown as Record<string, number>;
    for (const [name, resource] of Object.entries(USED_NAMES)) if (resource in shown) absolute[name] = used[resource] ?? 0;
    return { limits: { rate: [], absolute } };
  });

  app.get<{ Params: Id }>('/v2.1/os-quota-sets/:id', async (req) =>
    ({ quota_set: { id: req.params.id, ...visible(version(req), await quotas.show(auth(req), req.params.id)) } }));
  app.get<{ Params: Id }>('/v2.1/os-quota-sets/:id/detail', async (req) =>
    ({ quota_set: { id: req.params.id, ...visible(version(req), await quotas.detail(auth(req), req.params.id)) } }));
  app.get<{ Params: Id }>('/v2.1/os-quota-sets/:id/defaults', async (req) =>
    ({ quota_set: { id: req.params.id, ...visible(version(req), quotas.defaults(auth(req), req.params.id)) } }));
  app.put<{ Params: Id; Body: unknown }>('/v2.1/os-quota-sets/:id', async (req) => {
    const v = version(req);
    const ctx = auth(req);
    const { values, force } = quotaUpdate(v, req.body);
    // Nova leaves `id` out of the update's answer.
    return { quota_set: visible(v, await quotas.update(ctx, req.params.id, values, force)) };
  });
  app.delete<{ Params: Id }>('/v2.1/os-quota-sets/:id', async (req, reply) => {
    await quotas.reset(auth(req), req.params.id);
    return reply.code(202).send();
  });
}
