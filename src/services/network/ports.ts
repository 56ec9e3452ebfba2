import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { callerProject, conflict, enforce, flag, isAdmin, json, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import { allocate, fixedIpsOf, type FixedIp } from './ipam.ts';
import { randomMac } from './ip.ts';
import { hostname } from './hostname.ts';
import type { Networks } from './networks.ts';
import type { Quotas } from './quotas.ts';
import type { SecurityGroups } from './security-groups.ts';
import type { PortTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, invalid, ip, list, MAC, object, only, str, type Body } from './validate.ts';

export type Port = Record<string, unknown> & { id: string; project_id: string; network_id: string; fixed_ips: FixedIp[] };

const CREATE = ['name', 'description', 'network_id', 'admin_state_up', 'mac_address', 'fixed_ips', 'device_id', 'device_owner', 'security_groups',
  'port_security_enabled', 'allowed_address_pairs', 'binding:host_id', 'binding:profile', 'binding:vnic_type', 'dns_name', 'dns_domain',
  'extra_dhcp_opts', 'project_id', 'tenant_id', 'qos_policy_id', 'propagate_uplink_status', 'tags'];
const UPDATE = CREATE.filter((a) => !['network_id', 'project_id', 'tenant_id', 'tags'].includes(a));

/** Ports the network service makes for itself; users may not create or delete them through the ports API. */
export const ROUTER_INTERFACE = 'network:router_interface';
export const ROUTER_GATEWAY = 'network:router_gateway';
export const FLOATING_IP = 'network:floatingip';
export const DHCP = 'network:dhcp';

export const portNotFound = (id: string) => notFound('PortNotFound', `Port ${id} could not be found.`);

/** A port the network service makes for its own use inside a transaction (DHCP, routers, floating IPs). */
export interface OwnedPort {
  projectId: string;
  networkId: string;
  deviceOwner: string;
  deviceId: string;
  fixedIps?: unknown[];
}

export class Ports {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas,
    private readonly networks: Networks, private readonly groups: SecurityGroups) {}

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<PortTable>> {
    const row = await db.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.project_id !== callerProject(ctx) && !isAdmin(this.d, ctx))) throw portNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<Port[]> {
    let q = this.d.db.selectFrom('ports').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where('project_id', '=', callerProject(ctx));
    return this.views(ctx, await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<Port> {
    return (await this.views(ctx, [await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<Port> {
    only(b, CREATE);
    if (typeof b.network_id !== 'string') throw invalid('network_id', `'${String(b.network_id)}' is not a valid UUID`);
    const network = await this.networks.row(ctx, b.network_id);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_port', { project_id: project });
    if (b['binding:host_id'] !== undefined) enforce(this.d, ctx, 'create_port:binding:host_id', { project_id: project });
    if (b['binding:profile'] !== undefined) enforce(this.d, ctx, 'create_port:binding:profile', { project_id: project });
    // Only the network's owner (or an admin) may plug into someone else's shared network with chosen addresses.
    if (network.project_id !== project && !isAdmin(this.d, ctx) && network.shared !== 1) throw notFound('NetworkNotFound', `Network ${network.id} could not be found.`);
    const id = uuid();
    const security = bool(b, 'port_security_enabled') ?? network.port_security_enabled === 1;
    const t = now();
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'port');
      const groups = b.security_groups !== undefined ? await this.groups.resolve(tx, ctx, project, b.security_groups)
        : security && !String(b.device_owner ?? '').startsWith('network:') ? [await this.groups.ensureDefault(tx, project)] : [];
      if (!security && groups.length > 0) throw conflict('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
      const mac = await this.mac(tx, network.id, b.mac_address);
      await tx.insertInto('ports').values({
        id, project_id: project, network_id: network.id, name: str(b, 'name') ?? '', description: str(b, 'description') ?? '', mac_address: mac,
        admin_state_up: flag(bool(b, 'admin_state_up') ?? true), status: 'DOWN', device_id: str(b, 'device_id') ?? '',
        device_owner: str(b, 'device_owner') ?? '', binding_host_id: str(b, 'binding:host_id') ?? '',
        binding_profile: JSON.stringify(b['binding:profile'] === undefined ? {} : object(b['binding:profile'], 'binding:profile')),
        binding_vnic_type: str(b, 'binding:vnic_type') ?? 'normal', port_security_enabled: flag(security), security_groups: JSON.stringify(groups),
        allowed_address_pairs: JSON.stringify(pairs(list(b, 'allowed_address_pairs') ?? [], security)), dns_name: str(b, 'dns_name') ?? '',
        extra_dhcp_opts: JSON.stringify(list(b, 'extra_dhcp_opts') ?? []), revision_number: 1, created_at: t, updated_at: t,
      }).execute();
      await allocate(tx, id, network.id, mac, list(b, 'fixed_ips'), String(b.device_owner ?? '') === ROUTER_INTERFACE);
    });
    if (b.tags !== undefined) await this.tags.replace(id, b.tags);
    this.changed(network.id);
    return this.get(ctx, id);
  }

  async update(ctx: AuthContext, id: string, b: Body): Promise<Port> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_port', { project_id: row.project_id });
    if (b['binding:host_id'] !== undefined) enforce(this.d, ctx, 'update_port:binding:host_id', { project_id: row.project_id });
    if (b['binding:profile'] !== undefined) enforce(this.d, ctx, 'update_port:binding:profile', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const set: Partial<PortTable> = { revision_number: row.revision_number + 1, updated_at: now() };
      const security = bool(b, 'port_security_enabled') ?? row.port_security_enabled === 1;
      set.port_security_enabled = flag(security);
      for (const a of ['name', 'description', 'device_id', 'device_owner', 'dns_name'] as const) if (b[a] !== undefined) set[a] = str(b, a)!;
      if (b.admin_state_up !== undefined) set.admin_state_up = flag(bool(b, 'admin_state_up')!);
      if (b['binding:host_id'] !== undefined) set.binding_host_id = str(b, 'binding:host_id')!;
      if (b['binding:profile'] !== undefined) set.binding_profile = JSON.stringify(object(b['binding:profile'] ?? {}, 'binding:profile'));
      if (b['binding:vnic_type'] !== undefined) set.binding_vnic_type = str(b, 'binding:vnic_type')!;
      if (b.mac_address !== undefined) set.mac_address = await this.mac(tx, row.network_id, b.mac_address, id);
      if (b.security_groups !== undefined) set.security_groups = JSON.stringify(b.security_groups === null ? [] : await this.groups.resolve(tx, ctx, row.project_id, b.security_groups));
      const groups = set.security_groups === undefined ? json<string[]>(row.security_groups) : json<string[]>(set.security_groups);
      if (!security && groups.length > 0) throw conflict('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or ip address until security group is removed');
      if (b.allowed_address_pairs !== undefined) set.allowed_address_pairs = JSON.stringify(pairs(b.allowed_address_pairs === null ? [] : list(b, 'allowed_address_pairs')!, security));
      else if (!security && json<unknown[]>(row.allowed_address_pairs).length > 0) throw conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
      if (b.extra_dhcp_opts !== undefined) set.extra_dhcp_opts = JSON.stringify(list(b, 'extra_dhcp_opts') ?? []);
      await tx.updateTable('ports').set(set).where('id', '=', id).execute();
      if (b.fixed_ips !== undefined) await allocate(tx, id, row.network_id, set.mac_address ?? row.mac_address, list(b, 'fixed_ips') ?? [], (set.device_owner ?? row.device_owner) === ROUTER_INTERFACE);
    });
    this.changed(row.network_id);
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_port', { project_id: row.project_id });
    if (row.device_owner === ROUTER_INTERFACE || row.device_owner === ROUTER_GATEWAY || row.device_owner === FLOATING_IP) {
      throw conflict('ServicePortInUse', `Port ${id} cannot be deleted directly via the port API: has device owner ${row.device_owner}.`);
    }
    await this.d.db.transaction().execute(async (tx) => {
      await tx.updateTable('floating_ips').set({ port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }).where('port_id', '=', id).execute();
      await this.remove(tx, id);
    });
    this.changed(row.network_id);
  }

  /** Inserts a service-owned port (no security groups, port security off) with its addresses. */
  async insertOwned(tx: Db, o: OwnedPort): Promise<{ id: string; mac: string; fixedIps: FixedIp[] }> {
    const id = uuid();
    const mac = await this.mac(tx, o.networkId, undefined);
    const t = now();
    await tx.insertInto('ports').values({
      id, project_id: o.projectId, network_id: o.networkId, name: '', description: '', mac_address: mac, admin_state_up: 1, status: 'ACTIVE',
      device_id: o.deviceId, device_owner: o.deviceOwner, binding_host_id: '', binding_profile: '{}', binding_vnic_type: 'normal',
      port_security_enabled: 0, security_groups: '[]', allowed_address_pairs: '[]', dns_name: '', extra_dhcp_opts: '[]', revision_number: 1, created_at: t, updated_at: t,
    }).execute();
    const fixedIps = await allocate(tx, id, o.networkId, mac, o.fixedIps, o.deviceOwner === ROUTER_INTERFACE || o.deviceOwner === ROUTER_GATEWAY);
    return { id, mac, fixedIps };
  }

  /** Deletes a port row with its addresses and tags (inside the caller's transaction). */
  async remove(tx: Db, id: string): Promise<void> {
    await tx.deleteFrom('ip_allocations').where('port_id', '=', id).execute();
    await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
    await tx.deleteFrom('ports').where('id', '=', id).execute();
  }

  /** The data plane of the network, its routers and every port filter may differ now. */
  changed(networkId: string): void {
    this.d.dataplane.network(networkId);
    this.d.dataplane.firewall();
  }

  private async mac(tx: Db, networkId: string, wanted: unknown, self?: string): Promise<string> {
    if (wanted !== undefined) {
      if (typeof wanted !== 'string' || !MAC.test(wanted.toLowerCase())) throw invalid('mac_address', `'${String(wanted)}' is not a valid MAC address`);
      const mac = wanted.toLowerCase();
      const taken = await tx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst();
      if (taken && taken.id !== self) throw conflict('MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);
      return mac;
    }
    for (;;) {
      const mac = randomMac(randomBytes(3));
      const taken = await tx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('mac_address', '=', mac).executeTakeFirst();
      if (!taken) return mac;
    }
  }

  /** Neutron's linuxbridge details plus the namespace of the bridge, which a plugging host needs. */
  private vifDetails(r: Selectable<PortTable>): Record<string, unknown> {
    const v = this.d.dataplane.vifDetails(r.network_id);
    return { port_filter: true, connectivity: 'l2', bridge_name: v.bridgeName, namespace: v.namespace, device_name: v.deviceName(r.id) };
  }

  private async views(ctx: AuthContext, rows: Selectable<PortTable>[]): Promise<Port[]> {
    const ids = rows.map((r) => r.id);
    const [tags, ips] = [await this.tags.of(ids), await fixedIpsOf(this.d.db, ids)];
    const admin = isAdmin(this.d, ctx);
    return rows.map((r) => {
      const bound = r.binding_host_id !== '';
      const v: Port = {
        id: r.id, name: r.name, description: r.description, network_id: r.network_id, tenant_id: r.project_id, project_id: r.project_id,
        mac_address: r.mac_address, admin_state_up: r.admin_state_up === 1, status: portStatus(r), device_id: r.device_id, device_owner: r.device_owner,
        fixed_ips: ips.get(r.id) ?? [], allowed_address_pairs: json(r.allowed_address_pairs), extra_dhcp_opts: json(r.extra_dhcp_opts),
        security_groups: json(r.security_groups), port_security_enabled: r.port_security_enabled === 1, dns_name: r.dns_name,
        dns_assignment: (ips.get(r.id) ?? []).map((f) => ({ ip_address: f.ip_address, hostname: hostname(r, f.ip_address), fqdn: `${hostname(r, f.ip_address)}.${this.d.settings.dnsDomain}.` })),
        'binding:vnic_type': r.binding_vnic_type, ip_allocation: 'immediate', qos_policy_id: null, qos_network_policy_id: null,
        propagate_uplink_status: false, resource_request: null, tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at,
        revision_number: r.revision_number,
      };
      if (admin) {
        Object.assign(v, {
          'binding:host_id': r.binding_host_id, 'binding:profile': json(r.binding_profile),
          'binding:vif_type': bound ? 'tap' : 'unbound', 'binding:vif_details': bound ? this.vifDetails(r) : {},
        });
      }
      return v;
    });
  }
}

/** Router and DHCP ports are up once made; a guest's port once bound to a host. */
function portStatus(r: Selectable<PortTable>): string {
  if (r.admin_state_up !== 1) return 'DOWN';
  return r.device_owner.startsWith('network:') || r.binding_host_id !== '' ? 'ACTIVE' : 'DOWN';
}

function pairs(raw: unknown[], security: boolean): { ip_address: string; mac_address?: string }[] {
  if (raw.length > 0 && !security) throw conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
  return raw.map((p) => {
    const o = object(p, 'allowed_address_pairs');
    const addr = typeof o.ip_address === 'string' && o.ip_address.includes('/') ? o.ip_address : ip(o.ip_address, 'allowed_address_pairs');
    if (o.mac_address !== undefined && (typeof o.mac_address !== 'string' || !MAC.test(o.mac_address.toLowerCase()))) throw invalid('allowed_address_pairs', `'${String(o.mac_address)}' is not a valid MAC address`);
    return o.mac_address === undefined ? { ip_address: addr } : { ip_address: addr, mac_address: (o.mac_address as string).toLowerCase() };
  });
}
