import type { FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import type { ComputeServiceRecord, Hypervisor } from '../../services/compute/hosts.ts';
import { atLeast, type Version } from '../microversion.ts';
import { flagParam, one, type Query } from '../query.ts';
import type { ComputeApi } from './plugin.ts';

type Id = { id: string };

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Hypervisors and services are numbered below 2.53 and named by UUID from it. */
const uuids = (v: Version) => atLeast(v, '2.53');

function hypervisorView(v: Version, h: Hypervisor, detail: boolean, withServers: boolean): Record<string, unknown> {
  return {
    id: uuids(v) ? h.uuid : h.id, hypervisor_hostname: h.hypervisor_hostname, state: h.state, status: h.status,
    ...(detail ? {
      hypervisor_type: h.hypervisor_type, hypervisor_version: h.hypervisor_version, host_ip: h.host_ip,
      service: { id: uuids(v) ? h.service.uuid : h.service.id, host: h.service.host, disabled_reason: h.service.disabled_reason },
      vcpus: h.vcpus, memory_mb: h.memory_mb, local_gb: h.local_gb, vcpus_used: h.vcpus_used, memory_mb_used: h.memory_mb_used,
      local_gb_used: h.local_gb_used, free_ram_mb: h.free_ram_mb, free_disk_gb: h.free_disk_gb, current_workload: h.current_workload,
      running_vms: h.running_vms, disk_available_least: h.disk_available_least,
      // A JSON object from 2.28, a string of it before.
      cpu_info: atLeast(v, '2.28') ? h.cpu_info : JSON.stringify(h.cpu_info),
    } : {}),
    ...(withServers && h.servers.length > 0 ? { servers: h.servers } : {}),
  };
}

function serviceView(v: Version, s: ComputeServiceRecord): Record<string, unknown> {
  return {
    id: uuids(v) ? s.uuid : s.id, binary: s.binary, disabled_reason: s.disabled_reason, host: s.host, state: s.state, status: s.status,
    updated_at: s.updated_at, ...(atLeast(v, '2.11') ? { forced_down: s.forced_down } : {}), zone: s.zone,
  };
}

/** Nova's `parameter_types.boolean` strings and JSON booleans. */
function boolValue(field: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['true', '1', 'on', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'off', 'no', 'n', 'f'].includes(s)) return false;
  throw new BadRequest(`Invalid input for field/attribute ${field}. Value: ${String(v)}. ${JSON.stringify(v)} is not a boolean`);
}

const serviceUpdateSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['enabled', 'disabled'] }, disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
    forced_down: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
  },
};

/**
 * The host as Nova shows it: `os-hypervisors` (this host; `cpu_info.accelerator` says whether
 * guests run on KVM or TCG), `os-services`, `os-availability-zone`, and `os-aggregates`, which has
 * no aggregates here but must list (clients read it to show a hypervisor).
 */
export function hostRoutes({ app, compute, auth, version }: ComputeApi): void {
  const { hosts } = compute;

  /** The one hypervisor, if `id` names it in the microversion's id form. */
  async function hypervisor(req: FastifyRequest, id: string, action: 'show' | 'uptime'): Promise<Hypervisor> {
    const v = version(req);
    if (uuids(v) && !UUID.test(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const [h] = await hosts.hypervisors(auth(req), action);
    if (!h || (uuids(v) ? h.uuid !== id.toLowerCase() : !/^\d+$/.test(id) || Number(id) !== h.id)) throw new NotFound(`Hypervisor with ID '${id}' could not be found.`);
    return h;
  }

  for (const detail of [false, true]) {
    app.get<{ Querystring: Query }>(detail ? '/v2.1/os-hypervisors/detail' : '/v2.1/os-hypervisors', async (req) => {
      const v = version(req);
      const pattern = uuids(v) ? one(req.query, 'hypervisor_hostname_pattern') : undefined;
      let list = await hosts.hypervisors(auth(req), detail ? 'list-detail' : 'list');
      if (pattern !== undefined) {
        list = list.filter((h) => h.hypervisor_hostname.includes(pattern));
        if (list.length === 0) throw new NotFound(`No hypervisor matching '${pattern}' could be found.`);
      }
      const marker = atLeast(v, '2.33') ? one(req.query, 'marker') : undefined;
      if (marker !== undefined) {
        if (!list.some((h) => String(uuids(v) ? h.uuid : h.id) === marker)) throw new BadRequest(`marker [${marker}] not found`);
        list = [];
      }
      const withServers = uuids(v) && (flagParam(req.query, 'with_servers') ?? false);
      return { hypervisors: list.map((h) => hypervisorView(v, h, detail, withServers)) };
    });
  }
  app.get('/v2.1/os-hypervisors/statistics', async (req) => {
    const list = await hosts.hypervisors(auth(req), 'statistics');
    const sum = (k: keyof Hypervisor) => list.reduce((n, h) => n + (h[k] as number), 0);
    const keys = ['vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
      'running_vms', 'disk_available_least'] as const;
    return { hypervisor_statistics: { count: list.length, ...Object.fromEntries(keys.map((k) => [k, sum(k)])) } };
  });
  app.get<{ Params: Id; Querystring: Query }>('/v2.1/os-hypervisors/:id', async (req) => {
    const v = version(req);
    const h = await hypervisor(req, req.params.id, 'show');
    return { hypervisor: hypervisorView(v, h, true, uuids(v) && (flagParam(req.query, 'with_servers') ?? false)) };
  });
  app.get<{ Params: Id }>('/v2.1/os-hypervisors/:id/uptime', async (req) => {
    const v = version(req);
    await hypervisor(req, req.params.id, 'uptime');
    const { hypervisor: h, uptime } = await hosts.uptime(auth(req));
    return { hypervisor: { ...hypervisorView(v, h, false, false), uptime } };
  });
  // Below 2.53, hostname searches have their own paths (later `hypervisor_hostname_pattern`).
  for (const servers of [false, true]) {
    app.get<{ Params: { pattern: string } }>(servers ? '/v2.1/os-hypervisors/:pattern/servers' : '/v2.1/os-hypervisors/:pattern/search', async (req) => {
      const v = version(req);
      if (uuids(v)) throw new NotFound('The resource could not be found.');
      const list = (await hosts.hypervisors(auth(req), 'list')).filter((h) => h.hypervisor_hostname.includes(req.params.pattern));
      if (list.length === 0) throw new NotFound(`No hypervisor matching '${req.params.pattern}' could be found.`);
      return { hypervisors: list.map((h) => ({ ...hypervisorView(v, h, false, false), ...(servers ? { servers: h.servers } : {}) })) };
    });
  }

  app.get<{ Querystring: Query }>('/v2.1/os-services', async (req) => {
    const v = version(req);
    const host = one(req.query, 'host');
    const binary = one(req.query, 'binary');
    const list = await hosts.services(auth(req), { ...(host === undefined ? {} : { host }), ...(binary === undefined ? {} : { binary }) });
    return { services: list.map((s) => serviceView(v, s)) };
  });
  app.put<{ Params: Id; Body: { status?: 'enabled' | 'disabled'; disabled_reason?: string; forced_down?: boolean | string } }>('/v2.1/os-services/:id',
    { schema: { body: serviceUpdateSchema } }, async (req) => {
      const v = version(req);
      // The older `PUT /os-services/{enable,disable,...}` actions are not offered.
      if (!uuids(v)) throw new NotFound('The resource could not be found.');
      if (!UUID.test(req.params.id)) throw new BadRequest(`Invalid uuid ${req.params.id}`);
      const { status, disabled_reason: reason, forced_down: down } = req.body;
      const s = await hosts.updateService(auth(req), req.params.id, {
        ...(status === undefined ? {} : { status }), ...(reason === undefined ? {} : { disabled_reason: reason }),
        ...(down === undefined ? {} : { forced_down: boolValue('forced_down', down) }),
      });
      return { service: serviceView(v, s) };
    });

  for (const detail of [false, true]) {
    app.get(detail ? '/v2.1/os-availability-zone/detail' : '/v2.1/os-availability-zone', async (req) =>
      ({ availabilityZoneInfo: await hosts.availabilityZones(auth(req), detail) }));
  }

  app.get('/v2.1/os-aggregates', async (req) => ({ aggregates: hosts.aggregates(auth(req)) }));
}
