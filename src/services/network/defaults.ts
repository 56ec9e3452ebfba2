import { projectContext } from '../../platform/auth.ts';
import type { NetworkDeps } from './deps.ts';
import { fromBig, parseCidr } from './ip.ts';
import type { Networks } from './networks.ts';
import type { Routers } from './routers.ts';
import type { SecurityGroupRules } from './security-group-rules.ts';
import type { SecurityGroups } from './security-groups.ts';
import type { Subnets } from './subnets.ts';

export const PUBLIC_NETWORK = 'public';
export const SSH_ICMP_GROUP = 'ssh-icmp';

interface Parts {
  networks: Networks;
  subnets: Subnets;
  routers: Routers;
  securityGroups: SecurityGroups;
  securityGroupRules: SecurityGroupRules;
}

/** The network service acting for a project with admin rights, as Neutron's admin context does. */
const serviceContext = (projectId: string) => projectContext(projectId, ['admin', 'member', 'reader'], 'sovcloud-network');

/**
 * What a cloud user finds ready (the iX review praised this of pluscloud open): the shared
 * external network `public`, and in each new project a network, subnet, router with its gateway
 * on `public`, and a security group opening SSH and ICMP.
 */
export class ProjectDefaults {
  constructor(private readonly d: NetworkDeps, private readonly p: Parts) {}

  /**
   * Creates `public` once, owned by `owner` (the admin project), on a documentation range that
   * exists only on a bridge of this cloud; the host holds its gateway address.
   */
  async ensurePublic(owner: string): Promise<void> {
    const existing = await this.d.db.selectFrom('networks').select('id').where('external', '=', 1).where('name', '=', PUBLIC_NETWORK).executeTakeFirst();
    if (existing) return;
    const ctx = serviceContext(owner);
    const c = parseCidr(this.d.settings.publicCidr);
    const net = await this.p.networks.create(ctx, { name: PUBLIC_NETWORK, 'router:external': true, is_default: true, shared: false, description: 'External network of this cloud' });
    await this.p.subnets.create(ctx, {
      network_id: net.id, name: `${PUBLIC_NETWORK}-subnet`, ip_version: c.version, cidr: c.text, enable_dhcp: false,
      gateway_ip: fromBig(c.first + 1n, c.version),
      allocation_pools: [{ start: fromBig(c.first + 10n, c.version), end: fromBig(c.last - 1n, c.version) }],
    });
  }

  /**
   * Removes what `forProject` made, when the project is deleted: otherwise every deleted project
   * would keep an address on `public` for its router. Resources the project's users made
   * themselves stay, as in Neutron (an operator cleans them up).
   */
  async removeFor(projectId: string): Promise<void> {
    const ctx = serviceContext(projectId);
    const routers = await this.d.db.selectFrom('routers').select('id').where('project_id', '=', projectId).where('name', '=', 'default-router').execute();
    for (const r of routers) {
      const ifaces = await this.d.db.selectFrom('ports').select('id').where('device_id', '=', r.id).where('device_owner', '=', 'network:router_interface').execute();
      for (const i of ifaces) await this.p.routers.removeInterface(ctx, r.id, { port_id: i.id });
      await this.p.routers.delete(ctx, r.id);
    }
    const nets = await this.d.db.selectFrom('networks').select('id').where('project_id', '=', projectId).where('name', '=', 'default-network').execute();
    for (const n of nets) await this.p.networks.delete(ctx, n.id);
    const groups = await this.d.db.selectFrom('security_groups').select('id').where('project_id', '=', projectId).where('name', 'in', [SSH_ICMP_GROUP, 'default']).execute();
    for (const g of groups) await this.p.securityGroups.delete(ctx, g.id);
  }

  /** Idempotent: a project that already has a network is left alone. */
  async forProject(projectId: string): Promise<void> {
    if (!this.d.settings.projectDefaults) return;
    const has = await this.d.db.selectFrom('networks').select('id').where('project_id', '=', projectId).executeTakeFirst();
    if (has) return;
    const ctx = serviceContext(projectId);
    const net = await this.p.networks.create(ctx, { name: 'default-network', description: 'Created with the project' });
    const subnet = await this.p.subnets.create(ctx, { network_id: net.id, name: 'default-subnet', ip_version: 4, cidr: this.d.settings.projectCidr });
    const pub = await this.d.db.selectFrom('networks').select('id').where('external', '=', 1).where('is_default', '=', 1).executeTakeFirst();
    const router = await this.p.routers.create(ctx, { name: 'default-router', ...(pub ? { external_gateway_info: { network_id: pub.id } } : {}) });
    await this.p.routers.addInterface(ctx, router.id, { subnet_id: subnet.id });
    const group = await this.p.securityGroups.create(ctx, { name: SSH_ICMP_GROUP, description: 'Allows SSH and ICMP from anywhere' });
    for (const [ethertype, prefix, icmp] of [['IPv4', '0.0.0.0/0', 'icmp'], ['IPv6', '::/0', 'ipv6-icmp']] as const) {
      await this.p.securityGroupRules.create(ctx, { security_group_id: group.id, direction: 'ingress', ethertype, protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: prefix });
      await this.p.securityGroupRules.create(ctx, { security_group_id: group.id, direction: 'ingress', ethertype, protocol: icmp, remote_ip_prefix: prefix });
    }
  }
}
