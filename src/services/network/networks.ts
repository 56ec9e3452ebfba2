import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid } from '../../platform/ids.ts';
import { AVAILABILITY_ZONE, callerProject, conflict, enforce, flag, isAdmin, json, notFound, now, ownerFor, type NetworkDeps } from './deps.ts';
import type { Quotas } from './quotas.ts';
import type { NetworkTable } from './tables.ts';
import type { Tags } from './tags.ts';
import { bool, int, list, only, str, type Body } from './validate.ts';

export type Network = Record<string, unknown> & { id: string; project_id: string };

/** Linux bridges carry untagged Ethernet: no overlay header to subtract. */
export const DEFAULT_MTU = 1500;

const CREATE = ['name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled', 'dns_domain',
  'availability_zone_hints', 'is_default', 'project_id', 'tenant_id', 'provider:network_type', 'provider:physical_network',
  'provider:segmentation_id', 'qos_policy_id', 'tags'];
const UPDATE = ['name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled', 'dns_domain', 'is_default', 'qos_policy_id'];

export const networkNotFound = (id: string) => notFound('NetworkNotFound', `Network ${id} could not be found.`);

export class Networks {
  constructor(private readonly d: NetworkDeps, private readonly tags: Tags, private readonly quotas: Quotas) {}

  /** Whether `ctx` may see the network: its own, shared or external ones, or any for admins. */
  canSee(ctx: AuthContext, row: Pick<NetworkTable, 'project_id' | 'shared' | 'external'>): boolean {
    return row.project_id === callerProject(ctx) || row.shared === 1 || row.external === 1 || isAdmin(this.d, ctx);
  }

  async row(ctx: AuthContext, id: string, db: Db = this.d.db): Promise<Selectable<NetworkTable>> {
    const row = await db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !this.canSee(ctx, row)) throw networkNotFound(id);
    return row;
  }

  async list(ctx: AuthContext): Promise<Network[]> {
    let q = this.d.db.selectFrom('networks').selectAll();
    if (!isAdmin(this.d, ctx)) q = q.where((eb) => eb.or([eb('project_id', '=', callerProject(ctx)), eb('shared', '=', 1), eb('external', '=', 1)]));
    return this.views(ctx, await q.execute());
  }

  async get(ctx: AuthContext, id: string): Promise<Network> {
    return (await this.views(ctx, [await this.row(ctx, id)]))[0]!;
  }

  async create(ctx: AuthContext, b: Body): Promise<Network> {
    only(b, CREATE);
    const project = ownerFor(this.d, ctx, b);
    enforce(this.d, ctx, 'create_network', { project_id: project });
    const admin = (attr: string, policy = attr) => { if (b[attr] !== undefined) enforce(this.d, ctx, `create_network:${policy}`, { project_id: project }); };
    admin('shared');
    admin('router:external');
    admin('is_default');
    for (const p of ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id']) admin(p, 'provider');
    const t = now();
    const row: Selectable<NetworkTable> = {
      id: uuid(), project_id: project, name: str(b, 'name') ?? '', description: str(b, 'description') ?? '',
      admin_state_up: flag(bool(b, 'admin_state_up') ?? true), shared: flag(bool(b, 'shared') ?? false),
      external: flag(bool(b, 'router:external') ?? false), is_default: flag(bool(b, 'is_default') ?? false),
      mtu: int(b, 'mtu', 68, DEFAULT_MTU) ?? DEFAULT_MTU, port_security_enabled: flag(bool(b, 'port_security_enabled') ?? true),
      dns_domain: str(b, 'dns_domain') ?? '', availability_zone_hints: JSON.stringify(list(b, 'availability_zone_hints') ?? []),
      revision_number: 1, created_at: t, updated_at: t,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.check(tx, project, 'network');
      await tx.insertInto('networks').values(row).execute();
    });
    if (b.tags !== undefined) await this.tags.replace(row.id, b.tags);
    this.d.dataplane.network(row.id);
    return this.get(ctx, row.id);
  }

  async update(ctx: AuthContext, id: string, b: Body): Promise<Network> {
    only(b, UPDATE);
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'update_network', { project_id: row.project_id });
    for (const a of ['shared', 'router:external', 'is_default']) if (b[a] !== undefined) enforce(this.d, ctx, `update_network:${a}`, { project_id: row.project_id });
    const set: Partial<NetworkTable> = { revision_number: row.revision_number + 1, updated_at: now() };
    if (b.name !== undefined) set.name = str(b, 'name')!;
    if (b.description !== undefined) set.description = str(b, 'description')!;
    if (b.admin_state_up !== undefined) set.admin_state_up = flag(bool(b, 'admin_state_up')!);
    if (b.shared !== undefined) set.shared = flag(bool(b, 'shared')!);
    if (b['router:external'] !== undefined) set.external = flag(bool(b, 'router:external')!);
    if (b.is_default !== undefined) set.is_default = flag(bool(b, 'is_default')!);
    if (b.mtu !== undefined) set.mtu = int(b, 'mtu', 68, DEFAULT_MTU)!;
    if (b.port_security_enabled !== undefined) set.port_security_enabled = flag(bool(b, 'port_security_enabled')!);
    if (b.dns_domain !== undefined) set.dns_domain = str(b, 'dns_domain')!;
    await this.d.db.updateTable('networks').set(set).where('id', '=', id).execute();
    this.d.dataplane.network(id);
    return this.get(ctx, id);
  }

  /**
   * Removes the network with its subnets and the ports the network service itself made (DHCP);
   * any other port still on it makes this Neutron's `NetworkInUse`.
   */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.row(ctx, id);
    enforce(this.d, ctx, 'delete_network', { project_id: row.project_id });
    await this.d.db.transaction().execute(async (tx) => {
      // Neutron releases floating IPs nobody uses along with their external network; associated ones keep it busy.
      const idle = await tx.selectFrom('floating_ips').select(['id', 'floating_port_id']).where('floating_network_id', '=', id).where('port_id', 'is', null).execute();
      for (const f of idle) {
        await tx.deleteFrom('network_tags').where('resource_id', 'in', [f.id, f.floating_port_id]).execute();
        await tx.deleteFrom('floating_ips').where('id', '=', f.id).execute();
        await tx.deleteFrom('ip_allocations').where('port_id', '=', f.floating_port_id).execute();
        await tx.deleteFrom('ports').where('id', '=', f.floating_port_id).execute();
      }
      const busy = await tx.selectFrom('ports').select('id').where('network_id', '=', id).where('device_owner', '!=', 'network:dhcp').executeTakeFirst();
      if (busy) throw conflict('NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
      const ports = tx.selectFrom('ports').select('id').where('network_id', '=', id);
      await tx.deleteFrom('ip_allocations').where('network_id', '=', id).execute();
      await tx.deleteFrom('network_tags').where('resource_id', 'in', ports).execute();
      await tx.deleteFrom('ports').where('network_id', '=', id).execute();
      const subnets = tx.selectFrom('subnets').select('id').where('network_id', '=', id);
      await tx.deleteFrom('network_tags').where('resource_id', 'in', subnets).execute();
      await tx.deleteFrom('subnets').where('network_id', '=', id).execute();
      await tx.deleteFrom('network_tags').where('resource_id', '=', id).execute();
      await tx.deleteFrom('networks').where('id', '=', id).execute();
    });
    this.d.dataplane.network(id);
  }

  private async views(ctx: AuthContext, rows: Selectable<NetworkTable>[]): Promise<Network[]> {
    const ids = rows.map((r) => r.id);
    const tags = await this.tags.of(ids);
    const subnets = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length > 0) {
      const s = await this.d.db.selectFrom('subnets').select(['id', 'network_id']).where('network_id', 'in', ids).orderBy('created_at').execute();
      for (const r of s) subnets.get(r.network_id)?.push(r.id);
    }
    const admin = isAdmin(this.d, ctx);
    return rows.map((r) => {
      const v: Network = {
        id: r.id, name: r.name, tenant_id: r.project_id, project_id: r.project_id, description: r.description,
        admin_state_up: r.admin_state_up === 1, status: 'ACTIVE', subnets: subnets.get(r.id) ?? [], shared: r.shared === 1,
        'router:external': r.external === 1, is_default: r.is_default === 1, mtu: r.mtu, port_security_enabled: r.port_security_enabled === 1,
        availability_zone_hints: json(r.availability_zone_hints), availability_zones: [AVAILABILITY_ZONE],
        ipv4_address_scope: null, ipv6_address_scope: null, l2_adjacency: true, qos_policy_id: null, dns_domain: r.dns_domain,
        tags: tags.get(r.id) ?? [], created_at: r.created_at, updated_at: r.updated_at, revision_number: r.revision_number,
      };
      if (admin) Object.assign(v, { 'provider:network_type': r.external === 1 ? 'flat' : 'local', 'provider:physical_network': r.external === 1 ? 'public' : null, 'provider:segmentation_id': null });
      return v;
    });
  }
}
