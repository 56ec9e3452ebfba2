import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, conflict, enforce, flag, invalidInput, isAdmin, json, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import { allocate, isAutoAddress } from './ipam.ts';
import { contains, defaultPools, eui64, fromBig, overlaps, parseCidr, toBig, type Cidr } from './ip.ts';
import type { Networks } from './networks.ts';
import { DHCP, ROUTER_INTERFACE, ROUTER_GATEWAY, type Ports } from './ports.ts';
import type { Quotas } from './quotas.ts';
import { allocateFromPool, nonNegative, type SubnetPools } from './subnet-pools.ts';
import type { SubnetTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, cidr as parseCidrAttr, int, invalid, ip, list, object, only, str, type Body } from './validate.ts';

export type Subnet = Record<string, unknown> & { id: string; project_id: string; network_id: string };

const CREATE = ['name', 'description', 'network_id', 'ip_version', 'cidr', 'gateway_ip', 'allocation_pools', 'dns_nameservers', 'host_routes',
  'enable_dhcp', 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'prefixlen', 'use_default_subnetpool', 'service_types', 'project_id',
  'tenant_id', 'dns_publish_fixed_ip', 'segment_id', 'tags'];
const UPDATE = ['name', 'description', 'gateway_ip', 'allocation_pools', 'dns_nameservers', 'host_routes', 'enable_dhcp', 'service_types', 'dns_publish_fixed_ip', 'segment_id'];
const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];

export const subnetNotFound = (id: string) => notFound('SubnetNotFound', `Subnet ${id} could not be found.`);

type Pool = { start: string; end: string };

export class Subnets {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas,
    private readonly networks: Networks, private readonly ports: Ports, private readonly subnetPools: SubnetPools) {}

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<SubnetTable>> {
    const row = await db.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw subnetNotFound(id);
    const net = await db.selectFrom('networks').select(['project_id', 'shared']).where('id', '=', row.network_id).executeTakeFirstOrThrow();
    // Neutron's `get_subnet`: the owner, the network's owner, shared networks, admins. An external
    // network is visible to all, its subnets are not.
    const p = callerProject(ctx);
    if (row.project_id !== p && net.project_id !== p && net.shared !== 1 && !isAdmin(this.d, ctx)) throw subnetNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<Subnet[]> {
    let q = this.d.db.selectFrom('subnets').innerJoin('networks', 'networks.id', 'subnets.network_id').selectAll('subnets');
    if (!isAdmin(this.d, ctx)) {
      const p = callerProject(ctx);
      q = q.where((eb) => eb.or([eb('subnets.project_id', '=', p), eb('networks.project_id', '=', p), eb('networks.shared', '=', 1)]));
    }
    return this.views(await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<Subnet> {
    return (await this.views([await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<Subnet> {
    only(b, CREATE);
    if (typeof b.network_id !== 'string') throw invalid('network_id', `'${String(b.network_id)}' is not a valid UUID`);
    const network = await this.networks.row(ctx, b.network_id);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_subnet', { project_id: project });
    if (network.project_id !== project && !isAdmin(this.d, ctx)) {
      throw badRequest(`Tenant ${project} not allowed to create subnet on this network`, 'AdminRequired');
    }
    const version = int(b, 'ip_version');
    if (version !== 4 && version !== 6) throw invalid('ip_version', `${String(b.ip_version)} is not in [4, 6]`);
    const asked = b.cidr === undefined || b.cidr === null ? null : parseCidr(parseCidrAttr(b.cidr, 'cidr'));
    if (asked && asked.version !== version) throw invalidInput(`Cidr ${asked.text} does not match IP version ${version}`);
    const prefixlen = nonNegative(b, 'prefixlen');
    if (asked && prefixlen != null) throw badRequest('Bad subnets request: cidr and prefixlen must not be supplied together.');
    const pool = await this.subnetPools.forSubnet(ctx, b, version);
    if (!pool && !asked) throw badRequest('Bad subnets request: a subnetpool must be specified in the absence of a cidr.');
    if (pool && !asked && b.allocation_pools !== undefined) throw badRequest('Bad subnets request: allocation_pools allowed only for specific subnet requests.');
    const askedGateway = b.gateway_ip === undefined || b.gateway_ip === null ? b.gateway_ip : ip(b.gateway_ip, 'gateway_ip');
    const modes = this.ipv6Modes(b, version);
    const id = uuid();
    const t = now();
    const enableDhcp = bool(b, 'enable_dhcp') ?? true;
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'subnet');
      const c = pool ? await allocateFromPool(tx, pool, project, { cidr: asked, prefixlen, gateway: askedGateway }) : asked!;
      const gateway = askedGateway === undefined ? fromBig(c.first + 1n, c.version) : askedGateway;
      const pools = b.allocation_pools === undefined ? defaultPools(c, gateway) : this.pools(c, list(b, 'allocation_pools')!);
      this.checkGateway(c, gateway, pools);
      const others = await tx.selectFrom('subnets').select(['cidr', 'ip_version', 'subnetpool_id']).where('network_id', '=', network.id).execute();
      for (const o of others) {
        if (overlaps(parseCidr(o.cidr), c)) throw invalidInput(`Requested subnet with cidr: ${c.text} for network: ${network.id} overlaps with another subnet`);
        if (pool ? o.ip_version === version && o.subnetpool_id !== pool.id : o.subnetpool_id !== null) {
          throw badRequest('Subnets hosted on the same network must be allocated from the same subnet pool.', 'NetworkSubnetPoolAffinityError');
        }
      }
      await tx.insertInto('subnets').values({
        id, project_id: project, network_id: network.id, name: str(b, 'name') ?? '', description: str(b, 'description') ?? '', ip_version: version,
        cidr: c.text, gateway_ip: gateway, enable_dhcp: flag(enableDhcp), allocation_pools: JSON.stringify(pools),
        dns_nameservers: JSON.stringify(this.nameservers(b)), host_routes: JSON.stringify(this.routes(b)), ipv6_ra_mode: modes.ra,
        ipv6_address_mode: modes.address, subnetpool_id: pool?.id ?? null, service_types: JSON.stringify(list(b, 'service_types') ?? []),
        dns_publish_fixed_ip: flag(bool(b, 'dns_publish_fixed_ip') ?? false), revision_number: 1, created_at: t, updated_at: t,
      }).execute();
      const subnet = (await tx.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      // Neutron gives every existing port on the network its SLAAC address on a new SLAAC subnet.
      if (isAutoAddress(subnet)) {
        const ports = await tx.selectFrom('ports').select(['id', 'mac_address']).where('network_id', '=', network.id)
          .where('device_owner', 'not in', [ROUTER_INTERFACE, ROUTER_GATEWAY]).execute();
        if (ports.length > 0) await tx.insertInto('ip_allocations').values(ports.map((p) => ({ subnet_id: id, ip_address: eui64(c, p.mac_address), port_id: p.id, network_id: network.id }))).execute();
      }
      await this.syncDhcpPort(tx, network.id);
    });
    if (b.tags !== undefined) await this.tags.replace(id, b.tags);
    this.ports.changed(network.id);
    return this.get(ctx, id);
  }

  async update(ctx: AuthContext, id: string, b: Body): Promise<Subnet> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_subnet', { project_id: row.project_id });
    const c = parseCidr(row.cidr);
    const set: Partial<SubnetTable> = { revision_number: row.revision_number + 1, updated_at: now() };
    if (b.name !== undefined) set.name = str(b, 'name')!;
    if (b.description !== undefined) set.description = str(b, 'description')!;
    const gateway = b.gateway_ip === undefined ? row.gateway_ip : b.gateway_ip === null ? null : ip(b.gateway_ip, 'gateway_ip');
    const pools = b.allocation_pools === undefined ? json<Pool[]>(row.allocation_pools) : this.pools(c, list(b, 'allocation_pools')!);
    if (b.gateway_ip !== undefined || b.allocation_pools !== undefined) {
      this.checkGateway(c, gateway, pools);
      set.gateway_ip = gateway;
      set.allocation_pools = JSON.stringify(pools);
    }
    if (b.dns_nameservers !== undefined) set.dns_nameservers = JSON.stringify(this.nameservers(b));
    if (b.host_routes !== undefined) set.host_routes = JSON.stringify(this.routes(b));
    if (b.enable_dhcp !== undefined) set.enable_dhcp = flag(bool(b, 'enable_dhcp')!);
    if (b.service_types !== undefined) set.service_types = JSON.stringify(list(b, 'service_types') ?? []);
    if (b.dns_publish_fixed_ip !== undefined) set.dns_publish_fixed_ip = flag(bool(b, 'dns_publish_fixed_ip')!);
    await this.d.db.transaction().execute(async (tx) => {
      if (set.gateway_ip !== undefined && set.gateway_ip !== row.gateway_ip) {
        const router = await tx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id').select('ports.id')
          .where('ip_allocations.subnet_id', '=', id).where('ports.device_owner', '=', ROUTER_INTERFACE).executeTakeFirst();
        if (router) throw conflict('GatewayIpInUse', `Gateway ip ${row.gateway_ip} is in use by a router interface; remove the interface first.`);
      }
      await tx.updateTable('subnets').set(set).where('id', '=', id).execute();
      await this.syncDhcpPort(tx, row.network_id);
    });
    this.ports.changed(row.network_id);
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_subnet', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const users = await tx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
        .select(['ports.id', 'ports.device_owner']).where('ip_allocations.subnet_id', '=', id).execute();
      // Auto (SLAAC) addresses and the DHCP port go with the subnet; anything else holds it.
      const busy = users.find((u) => u.device_owner !== DHCP && !(isAutoAddress(row) && u.device_owner !== ROUTER_INTERFACE));
      if (busy) throw conflict('SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
      await tx.deleteFrom('ip_allocations').where('subnet_id', '=', id).execute();
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('subnets').where('id', '=', id).execute();
      await this.syncDhcpPort(tx, row.network_id);
    });
    this.ports.changed(row.network_id);
  }

  /** One DHCP port per network with DHCP on some subnet, holding an address on each such subnet. */
  private async syncDhcpPort(tx: Db, networkId: string): Promise<void> {
    const subnets = await tx.selectFrom('subnets').selectAll().where('network_id', '=', networkId).orderBy('created_at').execute();
    const served = subnets.filter((s) => s.enable_dhcp === 1 && s.ipv6_address_mode !== 'slaac');
    const port = await tx.selectFrom('ports').select(['id', 'project_id']).where('network_id', '=', networkId).where('device_owner', '=', DHCP).executeTakeFirst();
    if (served.length === 0) {
      if (port) await this.ports.remove(tx, port.id);
      return;
    }
    const network = await tx.selectFrom('networks').select('project_id').where('id', '=', networkId).executeTakeFirstOrThrow();
    const id = port?.id ?? (await this.ports.insertOwned(tx, { projectId: network.project_id, networkId, deviceOwner: DHCP, deviceId: `dhcp-${networkId}`, fixedIps: [] })).id;
    const have = await tx.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', id).execute();
    const keep = have.filter((h) => served.some((s) => s.id === h.subnet_id)).map((h) => ({ subnet_id: h.subnet_id, ip_address: h.ip_address }));
    const want = [...keep, ...served.filter((s) => !keep.some((k) => k.subnet_id === s.id)).map((s) => ({ subnet_id: s.id }))];
    const mac = (await tx.selectFrom('ports').select('mac_address').where('id', '=', id).executeTakeFirstOrThrow()).mac_address;
    await allocate(tx, id, networkId, mac, want, false);
  }

  private ipv6Modes(b: Body, version: number): { ra: string | null; address: string | null } {
    const ra = b.ipv6_ra_mode ?? null;
    const address = b.ipv6_address_mode ?? null;
    for (const [attr, v] of [['ipv6_ra_mode', ra], ['ipv6_address_mode', address]] as const) {
      if (v !== null && (typeof v !== 'string' || !IPV6_MODES.includes(v))) throw invalid(attr, `'${String(v)}' is not in ${JSON.stringify(IPV6_MODES)}`);
    }
    if (version === 4 && (ra !== null || address !== null)) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4');
    if (ra !== null && address !== null && ra !== address) {
      throw invalidInput(`ipv6_ra_mode set to '${String(ra)}' with ipv6_address_mode set to '${String(address)}' is not valid. If both attributes are set, they must be the same value`);
    }
    return { ra: ra as string | null, address: address as string | null };
  }

  private pools(c: Cidr, raw: unknown[]): Pool[] {
    const pools = raw.map((p) => {
      const o = object(p, 'allocation_pools');
      const start = ip(o.start, 'allocation_pools');
      const end = ip(o.end, 'allocation_pools');
      if (!contains(c, start) || !contains(c, end) || toBig(start) > toBig(end)) {
        throw badRequest(`The allocation pool ${start}-${end} spans beyond the subnet cidr ${c.text}.`, 'OutOfBoundsAllocationPool');
      }
      return { start, end };
    });
    const sorted = [...pools].sort((a, b) => (toBig(a.start) < toBig(b.start) ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (toBig(sorted[i]!.start) <= toBig(sorted[i - 1]!.end)) throw badRequest(`Found overlapping allocation pools: ${sorted[i - 1]!.start}-${sorted[i - 1]!.end} and ${sorted[i]!.start}-${sorted[i]!.end} for subnet ${c.text}.`, 'OverlappingAllocationPools');
    }
    return pools;
  }

  private checkGateway(c: Cidr, gateway: string | null, pools: Pool[]): void {
    if (gateway === null) return;
    const g = toBig(gateway);
    if (c.version === 4 && c.prefix < 31 && contains(c, gateway) && (g === c.first || g === c.last)) throw invalidInput(`Gateway is not valid on subnet`);
    const pool = pools.find((p) => g >= toBig(p.start) && g <= toBig(p.end));
    if (pool) throw conflict('GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${pool.start}-${pool.end}`);
  }

  private nameservers(b: Body): string[] {
    const out = (list(b, 'dns_nameservers') ?? []).map((n) => ip(n, 'dns_nameservers'));
    if (new Set(out).size !== out.length) throw invalid('dns_nameservers', `Duplicate nameserver in ${JSON.stringify(out)}`);
    return out;
  }

  private routes(b: Body): { destination: string; nexthop: string }[] {
    return (list(b, 'host_routes') ?? []).map((r) => {
      const o = object(r, 'host_routes');
      return { destination: parseCidrAttr(o.destination, 'host_routes'), nexthop: ip(o.nexthop, 'host_routes') };
    });
  }

  private async views(rows: Selectable<SubnetTable>[]): Promise<Subnet[]> {
    const tags = await this.tags.of(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id, name: r.name, description: r.description, network_id: r.network_id, tenant_id: r.project_id, project_id: r.project_id,
      ip_version: r.ip_version, cidr: r.cidr, gateway_ip: r.gateway_ip, enable_dhcp: r.enable_dhcp === 1, allocation_pools: json(r.allocation_pools),
      dns_nameservers: json(r.dns_nameservers), host_routes: json(r.host_routes), ipv6_ra_mode: r.ipv6_ra_mode, ipv6_address_mode: r.ipv6_address_mode,
      subnetpool_id: r.subnetpool_id, service_types: json(r.service_types), dns_publish_fixed_ip: r.dns_publish_fixed_ip === 1, segment_id: null,
      tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
    }));
  }
}
