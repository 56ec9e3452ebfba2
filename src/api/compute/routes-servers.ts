import { BadRequest } from '../../platform/errors.ts';
import { nextLink, parseLimit } from '../../platform/pagination.ts';
import type { NetworkRequest } from '../../services/compute/peers.ts';
import type { Server } from '../../services/compute/server-model.ts';
import type { BlockDevice, ServerCreate } from '../../services/compute/servers.ts';
import { noContent } from '../http.ts';
import { atLeast, type Version } from '../microversion.ts';
import { listParam, one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';
import { links, serverSummary, serverView } from './views-servers.ts';

type Id = { id: string };
type Body = Record<string, unknown>;

const CREATE_KEYS = ['name', 'imageRef', 'flavorRef', 'networks', 'security_groups', 'key_name', 'user_data', 'metadata', 'availability_zone',
  'min_count', 'max_count', 'return_reservation_id', 'config_drive', 'block_device_mapping_v2', 'block_device_mapping', 'description', 'tags',
  'accessIPv4', 'accessIPv6', 'adminPass', 'OS-DCF:diskConfig', 'personality'];

/** Nova's JSON-schema wording for a bad attribute. */
const invalid = (field: string, why: string) => new BadRequest(`Invalid input for field/attribute ${field}. Value: ${why}`);

function str(b: Body, key: string, max = 255): string | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw invalid(key, `${JSON.stringify(v)}. ${JSON.stringify(v)} is not a valid string of at most ${max} characters`);
  return v;
}

function count(b: Body, key: string): number {
  const v = b[key] ?? 1;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw invalid(key, `${String(v)}. ${String(v)} is less than the minimum of 1`);
  return n;
}

function bool(v: unknown, key: string): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n'].includes(v.toLowerCase())) return ['true', '1', 'yes', 'on', 't', 'y'].includes(v.toLowerCase());
  throw invalid(key, `${String(v)}. ${String(v)} is not a valid boolean`);
}

function stringMap(v: unknown, key: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(key, `${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'object'`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' || k.length === 0 || k.length > 255 || val.length > 255) throw invalid(`${key}/${k}`, `${JSON.stringify(val)}. metadata keys and values must be strings of 1 to 255 characters`);
  }
  return v as Record<string, string>;
}

function networks(v: unknown, version: Version): NetworkRequest[] | 'auto' | 'none' {
  if (v === undefined) {
    if (atLeast(version, '2.37')) throw invalid('networks', "None. 'networks' is a required property");
    return 'auto';
  }
  if (v === 'auto' || v === 'none') return v;
  if (!Array.isArray(v)) throw invalid('networks', `${JSON.stringify(v)}. ${JSON.stringify(v)} is not valid under any of the given schemas`);
  return v.map((n: Body) => {
    const out: NetworkRequest = {};
    if (typeof n.uuid === 'string') out.networkId = n.uuid;
    if (typeof n.port === 'string') out.portId = n.port;
    if (typeof n.fixed_ip === 'string') out.fixedIp = n.fixed_ip;
    if (typeof n.tag === 'string') out.tag = n.tag;
    if (!out.networkId && !out.portId) throw new BadRequest('Bad networks format: network uuid is not in proper format');
    return out;
  });
}

function blockDevices(v: unknown): BlockDevice[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid('block_device_mapping_v2', `${JSON.stringify(v)} is not of type 'array'`);
  return v.map((raw: Body) => {
    const source = raw.source_type ?? 'blank';
    const dest = raw.destination_type ?? (source === 'volume' ? 'volume' : 'local');
    if (source !== 'image' && source !== 'volume' && source !== 'blank') throw new BadRequest(`Block Device Mapping is Invalid: source_type ${String(source)} is not supported.`);
    if (dest !== 'volume' && !(source === 'image' && dest === 'local')) throw new BadRequest('Block Device Mapping is Invalid: only volumes and the image as local root disk are supported.');
    const bootIndex = raw.boot_index === undefined || raw.boot_index === null || raw.boot_index === 'none' ? null : Number(raw.boot_index);
    const size = raw.volume_size === undefined ? undefined : Number(raw.volume_size);
    if (source === 'image' && dest === 'volume' && !(size && size > 0)) throw new BadRequest('Block Device Mapping is Invalid: You specified more local devices than the limit allows');
    return { sourceType: dest === 'local' ? 'image' : source, uuid: typeof raw.uuid === 'string' ? raw.uuid : undefined, bootIndex, volumeSize: dest === 'local' ? undefined : size,
      deleteOnTermination: bool(raw.delete_on_termination, 'delete_on_termination'), tag: typeof raw.tag === 'string' ? raw.tag : undefined } satisfies BlockDevice;
  }).filter((b) => !(b.sourceType === 'image' && b.volumeSize === undefined));
}

function parseCreate(body: unknown, version: Version): ServerCreate & { returnReservationId: boolean } {
  const b = (body as Body | undefined)?.server as Body | undefined;
  if (typeof b !== 'object' || b === null) throw invalid('server', "None. 'server' is a required property");
  for (const k of Object.keys(b)) {
    if (!CREATE_KEYS.includes(k) || (k === 'personality' && atLeast(version, '2.57')) || (k === 'description' && !atLeast(version, '2.19')) || (k === 'tags' && !atLeast(version, '2.52'))) {
      throw new BadRequest(`Invalid input for field/attribute server. Value: ${JSON.stringify(b)}. Additional properties are not allowed ('${k}' was unexpected)`);
    }
  }
  const name = str(b, 'name');
  if (!name || name.trim() === '') throw invalid('name', `${JSON.stringify(b.name)}. name must be a non-empty string`);
  const flavorRef = b.flavorRef;
  if (typeof flavorRef !== 'string' && typeof flavorRef !== 'number') throw invalid('flavorRef', "None. 'flavorRef' is a required property");
  const userData = str(b, 'user_data', 65535);
  if (userData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(userData.replace(/\s/g, ''))) throw invalid('user_data', `${userData.slice(0, 40)}. 'user_data' is not a 'base64'`);
  const groups = b.security_groups === undefined ? [] : (b.security_groups as Body[]).map((g) => {
    if (typeof g?.name !== 'string') throw invalid('security_groups', `${JSON.stringify(g)}. security groups are objects with a name`);
    return g.name;
  });
  const tags = b.tags === undefined ? [] : (b.tags as unknown[]).map((t) => {
    if (typeof t !== 'string' || t.length > 60 || t.includes(',') || t.includes('/')) throw invalid('tags', `${JSON.stringify(t)}. invalid tag`);
    return t;
  });
  return {
    name, imageRef: typeof b.imageRef === 'string' ? b.imageRef.split('/').at(-1)! : '', flavorRef: String(flavorRef), networks: networks(b.networks, version),
    securityGroups: groups, keyName: str(b, 'key_name'), userData: userData?.replace(/\s/g, ''), metadata: stringMap(b.metadata, 'metadata'),
    availabilityZone: str(b, 'availability_zone'), minCount: count(b, 'min_count'), maxCount: b.max_count === undefined ? count(b, 'min_count') : count(b, 'max_count'),
    configDrive: bool(b.config_drive, 'config_drive'), description: b.description === undefined ? undefined : (b.description as string | null), tags,
    accessIPv4: str(b, 'accessIPv4'), accessIPv6: str(b, 'accessIPv6'), blockDevices: blockDevices(b.block_device_mapping_v2),
    returnReservationId: bool(b.return_reservation_id, 'return_reservation_id'),
  };
}

/** Nova sorts by `created_at` descending unless asked otherwise; marker paging follows that order. */
function page(servers: Server[], q: Query): { items: Server[]; next?: string } {
  const keys = listParam(q, 'sort_key') ?? ['created_at'];
  const dirs = listParam(q, 'sort_dir') ?? ['desc'];
  const sorted = [...servers].sort((a, b) => {
    for (const [i, k] of keys.entries()) {
      const x = String((a.row as unknown as Record<string, unknown>)[k] ?? '');
      const y = String((b.row as unknown as Record<string, unknown>)[k] ?? '');
      if (x !== y) return (x < y ? -1 : 1) * ((dirs[i] ?? dirs.at(-1)) === 'asc' ? 1 : -1);
    }
    return a.row.id < b.row.id ? -1 : 1;
  });
  const marker = one(q, 'marker');
  let start = 0;
  if (marker !== undefined) {
    start = sorted.findIndex((s) => s.row.id === marker) + 1;
    if (start === 0) throw new BadRequest(`marker [${marker}] not found`);
  }
  const limit = parseLimit(one(q, 'limit'));
  const items = limit === undefined ? sorted.slice(start) : sorted.slice(start, start + limit);
  return limit !== undefined && start + limit < sorted.length && items.length > 0 ? { items, next: items.at(-1)!.row.id } : { items };
}

export function serverRoutes({ app, compute, auth, version, base }: ComputeApi): void {
  const { servers } = compute;
  for (const detail of [false, true]) {
    app.get<{ Querystring: Query }>(detail ? '/v2.1/servers/detail' : '/v2.1/servers', async (req) => {
      const ctx = auth(req);
      const q = req.query;
      const status = one(q, 'status');
      const found = await servers.list(ctx, {
        name: one(q, 'name'), status, image: one(q, 'image'), flavor: one(q, 'flavor'), host: one(q, 'host'), ip: one(q, 'ip') ?? one(q, 'ip6'),
        changesSince: one(q, 'changes-since'), allTenants: q.all_tenants !== undefined && one(q, 'all_tenants') !== '0' && one(q, 'all_tenants')?.toLowerCase() !== 'false',
        projectId: one(q, 'project_id') ?? one(q, 'tenant_id'), tags: listParam(q, 'tags'), tagsAny: listParam(q, 'tags-any'),
        notTags: listParam(q, 'not-tags'), notTagsAny: listParam(q, 'not-tags-any'),
      }, detail);
      const p = page(found, q);
      const v = version(req);
      const admin = compute.isAdmin(ctx);
      const body: Record<string, unknown> = { servers: p.items.map((s) => (detail ? serverView(base, s, v, admin) : serverSummary(base, s))) };
      // `req.url` carries the plugin's prefix (`/compute/v2.1/...`); `base` ends where it does.
      if (p.next) body.servers_links = [{ rel: 'next', href: nextLink(`${base}${req.url.slice(req.url.indexOf('/v2.1/') + '/v2.1'.length)}`, p.next) }];
      return body;
    });
  }
  app.get<{ Params: Id }>('/v2.1/servers/:id', async (req) => {
    const ctx = auth(req);
    return { server: serverView(base, await servers.get(ctx, req.params.id), version(req), compute.isAdmin(ctx)) };
  });
  app.post<{ Body: unknown }>('/v2.1/servers', async (req, reply) => {
    const ctx = auth(req);
    const c = parseCreate(req.body, version(req));
    const hints = (req.body as Body)['os:scheduler_hints'] as Body | undefined;
    if (typeof hints?.group === 'string') c.serverGroupId = hints.group;
    const created = await servers.create(ctx, c);
    if (c.returnReservationId) return reply.code(202).send({ reservation_id: created[0]!.row.reservation_id });
    const s = created[0]!;
    return reply.code(202).send({
      server: { id: s.row.id, links: links(base, 'servers', s.row.id), 'OS-DCF:diskConfig': 'MANUAL', security_groups: s.securityGroups.map((name) => ({ name })), adminPass: '' },
    });
  });
  app.put<{ Params: Id; Body: unknown }>('/v2.1/servers/:id', async (req) => {
    const ctx = auth(req);
    const b = (req.body as Body | undefined)?.server as Body | undefined;
    if (typeof b !== 'object' || b === null) throw invalid('server', "None. 'server' is a required property");
    const s = await servers.update(ctx, req.params.id, {
      name: str(b, 'name'), description: b.description === undefined ? undefined : (b.description as string | null), accessIPv4: str(b, 'accessIPv4'), accessIPv6: str(b, 'accessIPv6'),
    });
    return { server: serverView(base, s, version(req), compute.isAdmin(ctx)) };
  });
  app.delete<{ Params: Id }>('/v2.1/servers/:id', async (req, reply) => {
    await servers.delete(auth(req), req.params.id);
    return noContent(reply);
  });
}
