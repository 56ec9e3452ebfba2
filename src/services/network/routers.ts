import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { AVAILABILITY_ZONE, badRequest, callerProject, conflict, enforce, flag, isAdmin, json, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import { fixedIpsOf } from './ipam.ts';
import { contains, overlaps, parseCidr } from './ip.ts';
import { networkNotFound, type Networks } from './networks.ts';
import { ROUTER_GATEWAY, ROUTER_INTERFACE, type Ports } from './ports.ts';
import type { Quotas } from './quotas.ts';
import type { Subnets } from './subnets.ts';
import type { RouterTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, cidr, invalid, ip, list, object, only, str, type Body } from './validate.ts';

export type Router = Record<string, unknown> & { id: string; project_id: string };
type Route = { destination: string; nexthop: string };

const CREATE = ['name', 'description', 'admin_state_up', 'external_gateway_info', 'distributed', 'ha', 'availability_zone_hints', 'project_id', 'tenant_id', 'flavor_id', 'tags'];
const UPDATE = ['name', 'description', 'admin_state_up', 'external_gateway_info', 'routes', 'distributed', 'ha'];

export const routerNotFound = (id: string) => notFound('RouterNotFound', `Router ${id} could not be found`);

export class Routers {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas,
    private readonly networks: Networks, private readonly subnets: Subnets, private readonly ports: Ports) {}

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<RouterTable>> {
    const row = await db.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.project_id !== callerProject(ctx) && !isAdmin(this.d, ctx))) throw routerNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<Router[]> {
    let q = this.d.db.selectFrom('routers').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where('project_id', '=', callerProject(ctx));
    return this.views(await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<Router> {
    return (await this.views([await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<Router> {
    only(b, CREATE);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_router', { project_id: project });
    if (bool(b, 'distributed')) enforce(this.d, ctx, 'create_router:distributed', { project_id: project });
    if (bool(b, 'ha')) enforce(this.d, ctx, 'create_router:ha', { project_id: project });
    const id = uuid();
    const t = now();
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'router');
      await tx.insertInto('routers').values({
        id, project_id: project, name: str(b, 'name') ?? '', description: str(b, 'description') ?? '', admin_state_up: flag(bool(b, 'admin_state_up') ?? true),
        status: 'ACTIVE', gw_port_id: null, enable_snat: 1, routes: '[]', availability_zone_hints: JSON.stringify(list(b, 'availability_zone_hints') ?? []),
        revision_number: 1, created_at: t, updated_at: t,
      }).execute();
      if (b.external_gateway_info !== undefined && b.external_gateway_info !== null) await this.setGateway(tx, ctx, id, project, b.external_gateway_info, 'create');
    });
    if (b.tags !== undefined) await this.tags.replace(id, b.tags);
    this.d.dataplane.router(id);
    return this.get(ctx, id);
  }

  async update(ctx: AuthContext, id: string, b: Body): Promise<Router> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_router', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const set: Partial<RouterTable> = { revision_number: row.revision_number + 1, updated_at: now() };
      if (b.name !== undefined) set.name = str(b, 'name')!;
      if (b.description !== undefined) set.description = str(b, 'description')!;
      if (b.admin_state_up !== undefined) set.admin_state_up = flag(bool(b, 'admin_state_up')!);
      if (b.routes !== undefined) set.routes = JSON.stringify(await this.checkRoutes(tx, id, b.routes === null ? [] : list(b, 'routes')!));
      await tx.updateTable('routers').set(set).where('id', '=', id).execute();
      if (b.external_gateway_info !== undefined) await this.setGateway(tx, ctx, id, row.project_id, b.external_gateway_info, 'update');
    });
    this.d.dataplane.router(id);
    return this.get(ctx, id);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_router', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      const inUse = await tx.selectFrom('ports').select('id').where('device_id', '=', id).where('device_owner', '=', ROUTER_INTERFACE).executeTakeFirst();
      const fip = await tx.selectFrom('floating_ips').select('id').where('router_id', '=', id).executeTakeFirst();
      if (inUse || fip) throw conflict('RouterInUse', `Router ${id} still has ports`);
      if (row.gw_port_id) await this.ports.remove(tx, row.gw_port_id);
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('routers').where('id', '=', id).execute();
    });
    this.d.dataplane.router(id);
  }

  /** `PUT /routers/{id}/add_router_interface` with `subnet_id` or `port_id`. */
  async addInterface(ctx: AuthContext, id: string, b: Body): Promise<Record<string, unknown>> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_router', { project_id: row.project_id });
    if ((b.subnet_id === undefined) === (b.port_id === undefined)) throw badRequest('Bad router request: Either subnet_id or port_id must be specified.');
    let portId: string;
    let networkId: string;
    await this.d.db.transaction().execute(async (tx) => {
      if (typeof b.port_id === 'string') {
        const port = await this.ports.row(ctx, b.port_id, tx);
        if (port.device_id !== '' && port.device_id !== id) throw conflict('PortInUse', `Unable to complete operation on port ${port.id} for network ${port.network_id}. Port already has an attached device ${port.device_id}.`);
        const ips = (await fixedIpsOf(tx, [port.id])).get(port.id)!;
        if (ips.length === 0) throw badRequest(`Bad router request: Router port must have at least one fixed IP.`);
        for (const f of ips) await this.checkNewSubnet(tx, ctx, id, f.subnet_id);
        await tx.updateTable('ports').set({ device_id: id, device_owner: ROUTER_INTERFACE, security_groups: '[]', port_security_enabled: 0, status: 'ACTIVE', updated_at: now(), revision_number: port.revision_number + 1 })
          .where('id', '=', port.id).execute();
        portId = port.id;
        networkId = port.network_id;
      } else {
        const subnet = await this.checkNewSubnet(tx, ctx, id, b.subnet_id);
        if (subnet.gateway_ip === null) throw badRequest('Bad router request: Subnet for router interface must have a gateway IP.');
        const port = await this.ports.insertOwned(tx, { projectId: row.project_id, networkId: subnet.network_id, deviceOwner: ROUTER_INTERFACE, deviceId: id, fixedIps: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }] });
        portId = port.id;
        networkId = subnet.network_id;
      }
    });
    this.ports.changed(networkId!);
    this.d.dataplane.router(id);
    return this.interfaceInfo(row, portId!, networkId!);
  }

  /** `PUT /routers/{id}/remove_router_interface` with `subnet_id` or `port_id`. */
  async removeInterface(ctx: AuthContext, id: string, b: Body): Promise<Record<string, unknown>> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_router', { project_id: row.project_id });
    if (b.subnet_id === undefined && b.port_id === undefined) throw badRequest('Bad router request: Either subnet_id or port_id must be specified.');
    const ports = await this.d.db.selectFrom('ports').selectAll().where('device_id', '=', id).where('device_owner', '=', ROUTER_INTERFACE).execute();
    const ips = await fixedIpsOf(this.d.db, ports.map((p) => p.id));
    const port = ports.find((p) => (b.port_id === undefined || p.id === b.port_id) && (b.subnet_id === undefined || ips.get(p.id)!.some((f) => f.subnet_id === b.subnet_id)));
    if (!port) {
      if (typeof b.port_id === 'string') throw notFound('RouterInterfaceNotFound', `Router ${id} does not have an interface with id ${b.port_id}`);
      throw notFound('RouterInterfaceNotFoundForSubnet', `Router ${id} has no interface on subnet ${String(b.subnet_id)}`);
    }
    const info = await this.interfaceInfo(row, port.id, port.network_id);
    await this.d.db.transaction().execute(async (tx) => {
      const subnets = ips.get(port.id)!.map((f) => f.subnet_id);
      const fixed = await tx.selectFrom('ip_allocations').innerJoin('floating_ips', 'floating_ips.port_id', 'ip_allocations.port_id')
        .select('floating_ips.id').where('floating_ips.router_id', '=', id).where('ip_allocations.subnet_id', 'in', subnets).executeTakeFirst();
      if (fixed) throw conflict('RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${subnets[0]} on router ${id} cannot be deleted, as it is required by one or more floating IPs.`);
      await this.ports.remove(tx, port.id);
    });
    this.ports.changed(port.network_id);
    this.d.dataplane.router(id);
    return info;
  }

  /** `extraroute-atomic`: adds routes to, or removes them from, the router's set. */
  async changeRoutes(ctx: AuthContext, id: string, b: Body, add: boolean): Promise<Router> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_router', { project_id: row.project_id });
    const given = await this.checkRoutes(this.d.db, id, add ? list(b, 'routes') ?? [] : []);
    const removing = add ? [] : (list(b, 'routes') ?? []).map((r) => { const o = object(r, 'routes'); return { destination: cidr(o.destination, 'routes'), nexthop: ip(o.nexthop, 'routes') }; });
    const same = (a: Route, c: Route) => a.destination === c.destination && a.nexthop === c.nexthop;
    const current = json<Route[]>(row.routes);
    const routes = add ? [...current, ...given.filter((g) => !current.some((c) => same(c, g)))] : current.filter((c) => !removing.some((r) => same(c, r)));
    await this.d.db.updateTable('routers').set({ routes: JSON.stringify(routes), revision_number: row.revision_number + 1, updated_at: now() }).where('id', '=', id).execute();
    this.d.dataplane.router(id);
    return this.get(ctx, id);
  }

  private async interfaceInfo(row: Selectable<RouterTable>, portId: string, networkId: string): Promise<Record<string, unknown>> {
    const subnetIds = ((await fixedIpsOf(this.d.db, [portId])).get(portId) ?? []).map((f) => f.subnet_id);
    return { id: row.id, tenant_id: row.project_id, project_id: row.project_id, port_id: portId, network_id: networkId, subnet_id: subnetIds[0], subnet_ids: subnetIds, tags: [] };
  }

  /** A subnet the router may get an interface on: visible, internal, not yet attached, not overlapping another. */
  private async checkNewSubnet(tx: Db, ctx: AuthContext, routerId: string, subnetId: unknown) {
    if (typeof subnetId !== 'string') throw invalid('subnet_id', `'${String(subnetId)}' is not a valid UUID`);
    const subnet = await this.subnets.row(ctx, subnetId, tx);
    const net = await tx.selectFrom('networks').select('external').where('id', '=', subnet.network_id).executeTakeFirstOrThrow();
    if (net.external === 1) throw badRequest(`Bad router request: Router interface on external network ${subnet.network_id} is not allowed.`);
    const attached = await tx.selectFrom('ports').innerJoin('ip_allocations', 'ip_allocations.port_id', 'ports.id').innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
      .select(['subnets.id', 'subnets.cidr']).where('ports.device_id', '=', routerId).where('ports.device_owner', 'in', [ROUTER_INTERFACE, ROUTER_GATEWAY]).execute();
    if (attached.some((a) => a.id === subnet.id)) throw badRequest(`Bad router request: Router already has a port on subnet ${subnet.id}.`);
    const c = parseCidr(subnet.cidr);
    const clash = attached.find((a) => overlaps(parseCidr(a.cidr), c));
    if (clash) throw badRequest(`Bad router request: Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${clash.cidr} of subnet ${clash.id}.`);
    return subnet;
  }

  /** Static routes whose next hop lies on one of the router's subnets (Neutron's `InvalidRoutes`). */
  private async checkRoutes(tx: Db, routerId: string, raw: unknown[]): Promise<Route[]> {
    const cidrs = (await tx.selectFrom('ports').innerJoin('ip_allocations', 'ip_allocations.port_id', 'ports.id').innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
      .select('subnets.cidr').where('ports.device_id', '=', routerId).where('ports.device_owner', 'in', [ROUTER_INTERFACE, ROUTER_GATEWAY]).execute()).map((r) => parseCidr(r.cidr));
    return raw.map((r) => {
      const o = object(r, 'routes');
      const route = { destination: cidr(o.destination, 'routes'), nexthop: ip(o.nexthop, 'routes') };
      if (!cidrs.some((c) => contains(c, route.nexthop))) {
        throw badRequest(`Invalid format for routes: ${JSON.stringify([route])}, the nexthop is not connected with router`, 'InvalidRoutes');
      }
      return route;
    });
  }

  private async setGateway(tx: Db, ctx: AuthContext, id: string, project: string, raw: unknown, verb: 'create' | 'update'): Promise<void> {
    const row = await tx.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const info = raw === null ? {} : object(raw, 'external_gateway_info');
    if (info.external_fixed_ips !== undefined) enforce(this.d, ctx, `${verb}_router:external_gateway_info:external_fixed_ips`, { project_id: project });
    const current = row.gw_port_id ? await tx.selectFrom('ports').select(['id', 'network_id']).where('id', '=', row.gw_port_id).executeTakeFirst() : undefined;
    const wanted = info.network_id;
    if (wanted === undefined) {
      if (current) {
        const fip = await tx.selectFrom('floating_ips').select('id').where('router_id', '=', id).executeTakeFirst();
        if (fip) throw conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${id}, since a gateway to external network ${current.network_id} is required by one or more floating IPs.`);
        await this.ports.remove(tx, current.id);
        await tx.updateTable('routers').set({ gw_port_id: null }).where('id', '=', id).execute();
      }
      return;
    }
    if (typeof wanted !== 'string') throw invalid('external_gateway_info', `'${String(wanted)}' is not a valid UUID`);
    const net = await tx.selectFrom('networks').selectAll().where('id', '=', wanted).executeTakeFirst();
    if (!net || !this.networks.canSee(ctx, net)) throw networkNotFound(wanted);
    if (net.external !== 1) throw badRequest(`Bad router request: Network ${wanted} is not a valid external network.`);
    const enableSnat = bool(info, 'enable_snat') ?? true;
    if (current && current.network_id === wanted && info.external_fixed_ips === undefined) {
      await tx.updateTable('routers').set({ enable_snat: flag(enableSnat) }).where('id', '=', id).execute();
      return;
    }
    if (current) await this.ports.remove(tx, current.id);
    const port = await this.ports.insertOwned(tx, { projectId: '', networkId: wanted, deviceOwner: ROUTER_GATEWAY, deviceId: id, fixedIps: info.external_fixed_ips === undefined ? undefined : list(info, 'external_fixed_ips') });
    await tx.updateTable('routers').set({ gw_port_id: port.id, enable_snat: flag(enableSnat) }).where('id', '=', id).execute();
  }

  private async views(rows: Selectable<RouterTable>[]): Promise<Router[]> {
    const tags = await this.tags.of(rows.map((r) => r.id));
    const gwIds = rows.flatMap((r) => (r.gw_port_id ? [r.gw_port_id] : []));
    const gwIps = await fixedIpsOf(this.d.db, gwIds);
    const gwNets = new Map<string, string>();
    if (gwIds.length > 0) for (const p of await this.d.db.selectFrom('ports').select(['id', 'network_id']).where('id', 'in', gwIds).execute()) gwNets.set(p.id, p.network_id);
    return rows.map((r) => ({
      id: r.id, name: r.name, description: r.description, tenant_id: r.project_id, project_id: r.project_id, admin_state_up: r.admin_state_up === 1,
      status: r.status, routes: json(r.routes), distributed: false, ha: false, flavor_id: null,
      external_gateway_info: r.gw_port_id ? { network_id: gwNets.get(r.gw_port_id), enable_snat: r.enable_snat === 1, external_fixed_ips: gwIps.get(r.gw_port_id) ?? [] } : null,
      availability_zone_hints: json(r.availability_zone_hints), availability_zones: [AVAILABILITY_ZONE],
      tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
    }));
  }
}

