import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { badRequest, callerProject, conflict, enforce, isAdmin, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import { fixedIpsOf } from './ipam.ts';
import { contains, parseCidr } from './ip.ts';
import type { Networks } from './networks.ts';
import { FLOATING_IP, ROUTER_INTERFACE, type Ports } from './ports.ts';
import type { Quotas } from './quotas.ts';
import type { FloatingIpTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { invalid, ip, only, str, type Body } from './validate.ts';

export type FloatingIp = Record<string, unknown> & { id: string; project_id: string };

const CREATE = ['floating_network_id', 'floating_ip_address', 'subnet_id', 'port_id', 'fixed_ip_address', 'description', 'dns_name', 'dns_domain',
  'project_id', 'tenant_id', 'qos_policy_id', 'tags'];
const UPDATE = ['port_id', 'fixed_ip_address', 'description', 'qos_policy_id'];

export const floatingIpNotFound = (id: string) => notFound('FloatingIPNotFound', `Floating IP ${id} could not be found`);

type Association = { port_id: string | null; fixed_ip_address: string | null; router_id: string | null; status: string };

export class FloatingIps {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas,
    private readonly networks: Networks, private readonly ports: Ports) {}

  async row(ctx: AuthContext, id: string): Promise<Selectable<FloatingIpTable>> {
    const row = await this.d.db.selectFrom('floating_ips').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.project_id !== callerProject(ctx) && !isAdmin(this.d, ctx))) throw floatingIpNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<FloatingIp[]> {
    let q = this.d.db.selectFrom('floating_ips').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where('project_id', '=', callerProject(ctx));
    return this.views(await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<FloatingIp> {
    return (await this.views([await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<FloatingIp> {
    only(b, CREATE);
    if (typeof b.floating_network_id !== 'string') throw invalid('floating_network_id', `'${String(b.floating_network_id)}' is not a valid UUID`);
    const net = await this.networks.row(ctx, b.floating_network_id);
    if (net.external !== 1) throw badRequest(`Bad floatingip request: Network ${net.id} is not a valid external network.`);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_floatingip', { project_id: project });
    if (b.floating_ip_address !== undefined) enforce(this.d, ctx, 'create_floatingip:floating_ip_address', { project_id: project });
    const id = uuid();
    const t = now();
    let routerId: string | null = null;
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'floatingip');
      const want = b.floating_ip_address !== undefined ? [{ ip_address: ip(b.floating_ip_address, 'floating_ip_address'), ...(typeof b.subnet_id === 'string' ? { subnet_id: b.subnet_id } : {}) }]
        : typeof b.subnet_id === 'string' ? [{ subnet_id: b.subnet_id }] : await this.v4Subnets(tx, net.id);
      const port = await this.ports.insertOwned(tx, { projectId: '', networkId: net.id, deviceOwner: FLOATING_IP, deviceId: id, fixedIps: want });
      const address = port.fixedIps[0]!.ip_address;
      const assoc = b.port_id === undefined || b.port_id === null ? none() : await this.associate(tx, ctx, project, net.id, address, b.port_id, b.fixed_ip_address);
      routerId = assoc.router_id;
      await tx.insertInto('floating_ips').values({
        id, project_id: project, name: '', description: str(b, 'description') ?? '', floating_network_id: net.id, floating_ip_address: address,
        floating_port_id: port.id, ...assoc, dns_name: str(b, 'dns_name') ?? '', dns_domain: str(b, 'dns_domain') ?? '', revision_number: 1, created_at: t, updated_at: t,
      }).execute();
    });
    if (b.tags !== undefined) await this.tags.replace(id, b.tags);
    if (routerId) this.d.dataplane.router(routerId);
    return this.get(ctx, id);
  }

  async update(ctx: AuthContext, id: string, b: Body): Promise<FloatingIp> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_floatingip', { project_id: row.project_id });
    let assoc: Association | undefined;
    await this.d.db.transaction().execute(async (tx) => {
      const set: Partial<FloatingIpTable> = { revision_number: row.revision_number + 1, updated_at: now() };
      if (b.description !== undefined) set.description = str(b, 'description')!;
      if (b.port_id !== undefined) {
        assoc = b.port_id === null ? none() : await this.associate(tx, ctx, row.project_id, row.floating_network_id, row.floating_ip_address, b.port_id, b.fixed_ip_address, id);
        Object.assign(set, assoc);
      }
      await tx.updateTable('floating_ips').set(set).where('id', '=', id).execute();
    });
    for (const r of new Set([row.router_id, assoc?.router_id])) if (r) this.d.dataplane.router(r);
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_floatingip', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      await this.ports.remove(tx, row.floating_port_id);
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('floating_ips').where('id', '=', id).execute();
    });
    if (row.router_id) this.d.dataplane.router(row.router_id);
  }

  /** The first IPv4 subnet of the external network: floating IPs are IPv4 in Neutron. */
  private async v4Subnets(tx: Db, networkId: string): Promise<{ subnet_id: string }[]> {
    const s = await tx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('ip_version', '=', 4).orderBy('created_at').executeTakeFirst();
    if (!s) throw badRequest(`Bad floatingip request: Network ${networkId} has no IPv4 subnet.`);
    return [{ subnet_id: s.id }];
  }

  /**
   * Finds the router that connects the port's fixed address to the floating IP's network (its
   * gateway there and an interface on the address's subnet), as Neutron requires.
   */
  private async associate(tx: Db, ctx: AuthContext, project: string, floatingNet: string, floatingIp: string, portId: unknown, fixed: unknown, self?: string): Promise<Association> {
    if (typeof portId !== 'string') throw invalid('port_id', `'${String(portId)}' is not a valid UUID`);
    const port = await this.ports.row(ctx, portId, tx);
    if (port.project_id !== project && !isAdmin(this.d, ctx)) throw notFound('PortNotFound', `Port ${portId} could not be found.`);
    const ips = ((await fixedIpsOf(tx, [port.id])).get(port.id) ?? []).filter((f) => !f.ip_address.includes(':'));
    const wanted = fixed === undefined || fixed === null ? undefined : ip(fixed, 'fixed_ip_address');
    const chosen = wanted === undefined ? ips[0] : ips.find((f) => f.ip_address === wanted);
    if (!chosen) {
      if (wanted !== undefined) throw badRequest(`Bad floatingip request: Port ${portId} does not have fixed ip ${wanted}.`);
      throw badRequest(`Bad floatingip request: Port ${portId} does not have any IPv4 address to associate with.`);
    }
    if (wanted === undefined && ips.length > 1) throw badRequest(`Bad floatingip request: Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP.`);
    const taken = await tx.selectFrom('floating_ips').select('id').where('port_id', '=', port.id).where('fixed_ip_address', '=', chosen.ip_address)
      .where('floating_network_id', '=', floatingNet).executeTakeFirst();
    if (taken && taken.id !== self) {
      throw conflict('FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${floatingIp} (${self ?? 'new'}) with port ${port.id} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${floatingNet}.`);
    }
    const subnet = await tx.selectFrom('subnets').select(['id', 'cidr']).where('id', '=', chosen.subnet_id).executeTakeFirstOrThrow();
    const candidates = await tx.selectFrom('routers').innerJoin('ports as gw', 'gw.id', 'routers.gw_port_id').select('routers.id').where('gw.network_id', '=', floatingNet).execute();
    for (const r of candidates) {
      const ifaces = await tx.selectFrom('ports').innerJoin('ip_allocations', 'ip_allocations.port_id', 'ports.id').select('ip_allocations.subnet_id')
        .where('ports.device_id', '=', r.id).where('ports.device_owner', '=', ROUTER_INTERFACE).execute();
      if (ifaces.some((i) => i.subnet_id === subnet.id) || (await this.routesTo(tx, r.id, chosen.ip_address))) {
        return { port_id: port.id, fixed_ip_address: chosen.ip_address, router_id: r.id, status: 'ACTIVE' };
      }
    }
    throw notFound('ExternalGatewayForFloatingIPNotFound', `External network ${floatingNet} is not reachable from subnet ${subnet.id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`);
  }

  /** Whether a static route of the router reaches the address (Neutron accepts those too). */
  private async routesTo(tx: Db, routerId: string, address: string): Promise<boolean> {
    const r = await tx.selectFrom('routers').select('routes').where('id', '=', routerId).executeTakeFirstOrThrow();
    return (JSON.parse(r.routes) as { destination: string }[]).some((x) => contains(parseCidr(x.destination), address));
  }

  private async views(rows: Selectable<FloatingIpTable>[]): Promise<FloatingIp[]> {
    const tags = await this.tags.of(rows.map((r) => r.id));
    const portIds = rows.flatMap((r) => (r.port_id ? [r.port_id] : []));
    const ports = new Map((portIds.length ? await this.d.db.selectFrom('ports').selectAll().where('id', 'in', portIds).execute() : []).map((p) => [p.id, p]));
    return rows.map((r) => {
      const p = r.port_id ? ports.get(r.port_id) : undefined;
      return {
        id: r.id, tenant_id: r.project_id, project_id: r.project_id, floating_network_id: r.floating_network_id, floating_ip_address: r.floating_ip_address,
        fixed_ip_address: r.fixed_ip_address, port_id: r.port_id, router_id: r.router_id, status: r.status, description: r.description,
        dns_name: r.dns_name, dns_domain: r.dns_domain, qos_policy_id: null, port_forwardings: [],
        port_details: p ? { name: p.name, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: p.admin_state_up === 1, status: p.binding_host_id !== '' ? 'ACTIVE' : 'DOWN', device_id: p.device_id, device_owner: p.device_owner } : null,
        tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
      };
    });
  }
}

function none(): Association {
  return { port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' };
}
