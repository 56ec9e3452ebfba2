import { createHash } from 'node:crypto';
import { arch, loadavg, networkInterfaces, uptime } from 'node:os';
import type { Selectable, Updateable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { isoNaive } from '../../platform/time.ts';
import { AVAILABILITY_ZONE, badRequest, callerProject, enforce, flag, json, notFound, type ComputeDeps } from './deps.ts';
import type { ComputeDriver, HostInfo } from './driver.ts';
import type { ComputeServiceTable } from './tables.ts';

/** This host as Nova's compute node (the hypervisor); its UUID is also its resource provider's. */
export interface ComputeNode {
  uuid: string;
  hostname: string;
  /** Nova's `my_ip`: the host's first non-loopback IPv4 address. */
  hostIp: string;
  info: HostInfo;
}

export interface ComputeServiceRecord {
  /** Integer id (below 2.53) and UUID (from 2.53). */
  id: number;
  uuid: string;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabled_reason: string | null;
  forced_down: boolean;
  updated_at: string | null;
}

export interface Hypervisor {
  /** Integer id (below 2.53) and UUID (from 2.53). */
  id: number;
  uuid: string;
  hypervisor_hostname: string;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
  hypervisor_type: string;
  hypervisor_version: number;
  host_ip: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  free_ram_mb: number;
  free_disk_gb: number;
  current_workload: number;
  running_vms: number;
  disk_available_least: number;
  /** Libvirt's shape plus `accelerator`: whether guests run on KVM or TCG here. */
  cpu_info: Record<string, unknown>;
  service: ComputeServiceRecord;
  servers: { name: string; uuid: string }[];
}

export interface AvailabilityZone {
  zoneName: string;
  zoneState: { available: boolean };
  /** `detail` only: per host, per binary. */
  hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>> | null;
}

/** The services a Nova deployment shows; ours run in this one process. */
const BINARIES: [binary: string, zone: string][] = [['nova-conductor', 'internal'], ['nova-scheduler', 'internal'], ['nova-compute', AVAILABILITY_ZONE]];

/** A name-based (version 5) UUID, so a host keeps its hypervisor UUID across database resets. */
export function nameUuid(name: string): string {
  const namespace = Buffer.from('5f0c4b7e9d3a4e2b8c1f6a7d2e9b0c34', 'hex');
  const h = createHash('sha1').update(namespace).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function firstIpv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

/** `uptime`'s line, which Nova's libvirt driver passes through: ` 17:37:14 up 2 days,  2:33,  0 users,  load average: 0.33, 0.36, 0.34`. */
export function uptimeLine(at: Date, seconds: number, load: number[]): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const up = `${days > 0 ? `${days} day${days > 1 ? 's' : ''}, ` : ''}${hours > 0 ? `${String(hours).padStart(2)}:${pad(minutes)}` : `${minutes} min`}`;
  const avg = load.map((l) => l.toFixed(2)).join(', ');
  return ` ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} up ${up},  0 users,  load average: ${avg}`;
}

/** The host, as Nova's hypervisors, services and availability zones show it. */
export class Hosts {
  private probed: ComputeNode | undefined;

  constructor(private readonly d: ComputeDeps, private readonly driver: ComputeDriver) {}

  /** Probes the host once (what the driver reports is kept for the process's life) and records the services. */
  async start(): Promise<void> {
    const info = await this.driver.hostInfo();
    this.probed = { uuid: nameUuid(info.hostname), hostname: info.hostname, hostIp: firstIpv4(), info };
    for (const [binary] of BINARIES) {
      await this.d.db.insertInto('compute_services').values({
        uuid: uuid(), host: info.hostname, binary, disabled: 0, disabled_reason: null, forced_down: 0, created_at: isoNaive(new Date()), updated_at: null,
      }).onConflict((oc) => oc.columns(['host', 'binary']).doNothing()).execute();
    }
    this.d.log.info({ hostname: info.hostname, accelerator: info.accelerator, vcpus: info.vcpus, memoryMiB: info.memoryMiB }, 'compute host probed');
  }

  get node(): ComputeNode {
    if (!this.probed) throw new Error('Hosts.start() has not run');
    return this.probed;
  }

  /** Whether the scheduler may place new servers here (`nova-compute` enabled and not forced down). */
  async computeEnabled(): Promise<boolean> {
    const s = await this.computeService();
    return s.status === 'enabled' && s.state === 'up';
  }

  async services(ctx: AuthContext, f: { host?: string; binary?: string } = {}): Promise<ComputeServiceRecord[]> {
    enforce(this.d, ctx, 'os_compute_api:os-services:list');
    let q = this.d.db.selectFrom('compute_services').selectAll().orderBy('id');
    if (f.host !== undefined) q = q.where('host', '=', f.host);
    if (f.binary !== undefined) q = q.where('binary', '=', f.binary);
    return (await q.execute()).map((r) => this.toService(r));
  }

  /** 2.53: disable or enable `nova-compute`, or force it down; the only service that can change. */
  async updateService(ctx: AuthContext, id: string, patch: { status?: 'enabled' | 'disabled'; disabled_reason?: string; forced_down?: boolean }): Promise<ComputeServiceRecord> {
    enforce(this.d, ctx, 'os_compute_api:os-services:update');
    const row = await this.d.db.selectFrom('compute_services').selectAll().where('uuid', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Service ${id} could not be found.`);
    if (row.binary !== 'nova-compute') throw badRequest(`Updating a ${row.binary} service is not supported. Only nova-compute services can be updated.`);
    if (patch.status === 'enabled' && patch.disabled_reason) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    if (patch.status === undefined && patch.forced_down === undefined) throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    const set: Updateable<ComputeServiceTable> & { updated_at: string } = { updated_at: isoNaive(new Date()) };
    if (patch.status !== undefined) {
      set.disabled = flag(patch.status === 'disabled');
      set.disabled_reason = patch.status === 'disabled' ? patch.disabled_reason ?? null : null;
    }
    if (patch.forced_down !== undefined) set.forced_down = flag(patch.forced_down);
    await this.d.db.updateTable('compute_services').set(set).where('uuid', '=', id).execute();
    return this.toService({ ...row, ...set });
  }

  /** This host's hypervisor, with usage counted from the servers placed here. */
  async hypervisors(ctx: AuthContext, action: 'list' | 'list-detail' | 'show' | 'statistics' | 'uptime'): Promise<Hypervisor[]> {
    enforce(this.d, ctx, `os_compute_api:os-hypervisors:${action}`);
    const { uuid: id, hostname, hostIp, info } = this.node;
    const instances = await this.d.db.selectFrom('instances').select(['id', 'name', 'flavor', 'task_state']).where('host', '=', hostname)
      .where('vm_state', '!=', 'deleted').orderBy('created_at').execute();
    let vcpus = 0;
    let ram = 0;
    let disk = 0;
    for (const i of instances) {
      const f = json<{ vcpus?: number; ram?: number; disk?: number; ephemeral?: number; swap?: number }>(i.flavor);
      vcpus += f.vcpus ?? 0;
      ram += f.ram ?? 0;
      disk += (f.disk ?? 0) + (f.ephemeral ?? 0) + Math.ceil((f.swap ?? 0) / 1024);
    }
    const service = await this.computeService();
    return [{
      id: 1, uuid: id, hypervisor_hostname: hostname, state: service.state, status: service.status, hypervisor_type: info.hypervisorType,
      hypervisor_version: info.hypervisorVersion, host_ip: hostIp, vcpus: info.vcpus, memory_mb: info.memoryMiB, local_gb: info.diskGiB,
      vcpus_used: vcpus, memory_mb_used: ram, local_gb_used: disk, free_ram_mb: info.memoryMiB - ram, free_disk_gb: info.diskGiB - disk,
      current_workload: instances.filter((i) => i.task_state !== null).length, running_vms: instances.length, disk_available_least: info.diskGiB - disk,
      cpu_info: {
        arch: arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch(), model: info.cpuModel, vendor: /AMD/i.test(info.cpuModel) ? 'AMD' : /Intel/i.test(info.cpuModel) ? 'Intel' : 'unknown',
        topology: { cells: 1, sockets: 1, cores: info.vcpus, threads: 1 }, features: [], accelerator: info.accelerator,
      },
      service, servers: instances.map((i) => ({ name: i.name, uuid: i.id })),
    }];
  }

  /** The host's `uptime` line for `GET /os-hypervisors/{id}/uptime`. */
  async uptime(ctx: AuthContext): Promise<{ hypervisor: Hypervisor; uptime: string }> {
    const [hypervisor] = await this.hypervisors(ctx, 'uptime');
    return { hypervisor: hypervisor!, uptime: uptimeLine(new Date(), uptime(), loadavg()) };
  }

  /** `nova` is available while nova-compute is enabled; `detail` (admins) adds the internal zone and every service. */
  async availabilityZones(ctx: AuthContext, detail: boolean): Promise<AvailabilityZone[]> {
    enforce(this.d, ctx, detail ? 'os_compute_api:os-availability-zone:detail' : 'os_compute_api:os-availability-zone:list', { project_id: callerProject(ctx) });
    const rows = (await this.d.db.selectFrom('compute_services').selectAll().orderBy('id').execute()).map((r) => this.toService(r));
    const enabled = rows.filter((s) => s.status === 'enabled');
    const zones = [...new Set(enabled.map((s) => s.zone))].sort().filter((z) => detail || z !== 'internal');
    const unavailable = [...new Set(rows.map((s) => s.zone))].filter((z) => !zones.includes(z) && (detail || z !== 'internal')).sort();
    return [
      ...zones.map((zone) => {
        if (!detail) return { zoneName: zone, zoneState: { available: true }, hosts: null };
        const hosts: NonNullable<AvailabilityZone['hosts']> = {};
        for (const s of enabled.filter((x) => x.zone === zone)) {
          (hosts[s.host] ??= {})[s.binary] = { available: s.state === 'up', active: true, updated_at: s.updated_at };
        }
        return { zoneName: zone, zoneState: { available: true }, hosts };
      }),
      ...unavailable.map((zone) => ({ zoneName: zone, zoneState: { available: false }, hosts: null })),
    ];
  }

  /** Host aggregates: this one-host cloud defines none, but clients list them to show a hypervisor. */
  aggregates(ctx: AuthContext): never[] {
    enforce(this.d, ctx, 'os_compute_api:os-aggregates:index');
    return [];
  }

  private async computeService(): Promise<ComputeServiceRecord> {
    const row = await this.d.db.selectFrom('compute_services').selectAll().where('host', '=', this.node.hostname).where('binary', '=', 'nova-compute').executeTakeFirstOrThrow();
    return this.toService(row);
  }

  /** Services of this host report now (this process is their heartbeat); those of a former hostname are down. */
  private toService(r: Selectable<ComputeServiceTable>): ComputeServiceRecord {
    const here = r.host === this.probed?.hostname;
    return {
      id: r.id, uuid: r.uuid, binary: r.binary, host: r.host, zone: BINARIES.find(([b]) => b === r.binary)?.[1] ?? AVAILABILITY_ZONE,
      status: bool(r.disabled) ? 'disabled' : 'enabled', state: here && !bool(r.forced_down) ? 'up' : 'down', disabled_reason: r.disabled_reason,
      forced_down: bool(r.forced_down), updated_at: here ? isoNaive(new Date()) : r.updated_at,
    };
  }
}
