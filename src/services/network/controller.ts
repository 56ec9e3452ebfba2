import type { Db } from '../../platform/db/index.ts';
import { WorkQueue } from '../../platform/reconcile.ts';
import type { Dataplane, Logger, NetworkSettings } from './deps.ts';
import { json } from './deps.ts';
import type { FirewallRule, FirewallSpec, Ipv6Mode, NetworkDriver, NetworkSpec, PortFirewall, RouterInterface, RouterSpec, VifDetails } from './driver.ts';
import { hostname } from './hostname.ts';
import { parseCidr } from './ip.ts';
import { normalizedCidr, protocolNumber } from './rule-validation.ts';

const FIREWALL = 'firewall';

/**
 * The network controller (Kubernetes style): API handlers enqueue keys (`network:<id>`,
 * `router:<id>`, `firewall`), and a worker reads the rows fresh, builds the complete spec and
 * hands it to the driver, retrying with backoff until the host matches. A key whose row is gone
 * removes the object from the host, so deletes are convergent too.
 */
export class Controller implements Dataplane {
  private readonly queue: WorkQueue;

  constructor(private readonly db: Db, private readonly driver: NetworkDriver, private readonly settings: NetworkSettings, log: Logger) {
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      concurrency: 2,
      onError: (key, err, attempt) => log.warn({ err, key, attempt }, 'network data plane not yet converged; retrying'),
    });
  }

  network(id: string): void {
    this.queue.add(`network:${id}`);
  }

  router(id: string): void {
    this.queue.add(`router:${id}`);
  }

  firewall(): void {
    this.queue.add(FIREWALL);
  }

  vifDetails(networkId: string): VifDetails {
    return this.driver.vifDetails(networkId);
  }

  /** Prepares the host, removes what the database no longer has, and converges everything else. */
  async start(): Promise<void> {
    await this.driver.start();
    const networks = (await this.db.selectFrom('networks').select('id').execute()).map((r) => r.id);
    const routers = (await this.db.selectFrom('routers').select('id').execute()).map((r) => r.id);
    const onHost = await this.driver.inventory();
    for (const id of new Set([...networks, ...onHost.networks])) this.network(id);
    for (const id of new Set([...routers, ...onHost.routers])) this.router(id);
    this.firewall();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<void> {
    if (key === FIREWALL) return this.driver.applyFirewall(await this.firewallSpec());
    const [kind, id] = key.split(':') as ['network' | 'router', string];
    if (kind === 'network') {
      const spec = await this.networkSpec(id);
      return spec ? this.driver.ensureNetwork(spec) : this.driver.removeNetwork(id);
    }
    const spec = await this.routerSpec(id);
    return spec ? this.driver.ensureRouter(spec) : this.driver.removeRouter(id);
  }

  private async networkSpec(id: string): Promise<NetworkSpec | null> {
    const net = await this.db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!net) return null;
    const subnets = await this.db.selectFrom('subnets').selectAll().where('network_id', '=', id).orderBy('created_at').execute();
    const ports = await this.db.selectFrom('ports').select(['id', 'mac_address', 'device_owner', 'dns_name']).where('network_id', '=', id).execute();
    const ips = await this.db.selectFrom('ip_allocations').selectAll().where('network_id', '=', id).execute();
    const dhcp = ports.find((p) => p.device_owner === 'network:dhcp');
    const served = new Set(subnets.filter((s) => s.enable_dhcp === 1).map((s) => s.id));
    const v4 = subnets.find((s) => s.ip_version === 4 && s.gateway_ip !== null);
    return {
      id, mtu: net.mtu, adminStateUp: net.admin_state_up === 1, dnsDomain: net.dns_domain || this.settings.dnsDomain,
      subnets: subnets.map((s) => ({
        id: s.id, ipVersion: s.ip_version as 4 | 6, cidr: s.cidr, gatewayIp: s.gateway_ip, enableDhcp: s.enable_dhcp === 1,
        dnsNameservers: json(s.dns_nameservers), hostRoutes: json(s.host_routes),
        ipv6RaMode: s.ipv6_ra_mode as Ipv6Mode | null, ipv6AddressMode: s.ipv6_address_mode as Ipv6Mode | null,
      })),
      dhcpPort: dhcp ? { id: dhcp.id, mac: dhcp.mac_address, addresses: ips.filter((a) => a.port_id === dhcp.id).map((a) => ({ subnetId: a.subnet_id, ip: a.ip_address })) } : null,
      hosts: ports.filter((p) => !p.device_owner.startsWith('network:')).flatMap((p) => ips.filter((a) => a.port_id === p.id && served.has(a.subnet_id))
        .map((a) => ({ mac: p.mac_address, ip: a.ip_address, hostname: hostname(p, a.ip_address) }))),
      // The default external network is the one the host itself reaches (as its upstream gateway).
      uplink: net.external === 1 && net.is_default === 1 && v4 ? { address: `${v4.gateway_ip}/${parseCidr(v4.cidr).prefix}` } : null,
    };
  }

  private async routerSpec(id: string): Promise<RouterSpec | null> {
    const router = await this.db.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!router) return null;
    const ports = await this.db.selectFrom('ports').select(['id', 'network_id', 'mac_address', 'device_owner']).where('device_id', '=', id)
      .where('device_owner', 'in', ['network:router_interface', 'network:router_gateway']).execute();
    const iface = async (p: (typeof ports)[number]): Promise<RouterInterface> => {
      const rows = await this.db.selectFrom('ip_allocations').innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
        .select(['ip_allocations.ip_address', 'subnets.cidr', 'subnets.ipv6_ra_mode', 'subnets.ipv6_address_mode']).where('ip_allocations.port_id', '=', p.id).execute();
      return {
        portId: p.id, networkId: p.network_id, mac: p.mac_address,
        addresses: rows.map((r) => ({ ip: r.ip_address, cidr: `${r.ip_address}/${parseCidr(r.cidr).prefix}`, ipv6RaMode: r.ipv6_ra_mode as Ipv6Mode | null, ipv6AddressMode: r.ipv6_address_mode as Ipv6Mode | null })),
      };
    };
    const gw = ports.find((p) => p.id === router.gw_port_id);
    let gateway: RouterSpec['gateway'] = null;
    if (gw) {
      const gatewayIps = (await this.db.selectFrom('subnets').select('gateway_ip').where('network_id', '=', gw.network_id).execute())
        .flatMap((s) => (s.gateway_ip ? [s.gateway_ip] : []));
      gateway = { ...(await iface(gw)), gatewayIps, enableSnat: router.enable_snat === 1 };
    }
    const interfaces = await Promise.all(ports.filter((p) => p.device_owner === 'network:router_interface').map(iface));
    const fips = await this.db.selectFrom('floating_ips').select(['floating_ip_address', 'fixed_ip_address']).where('router_id', '=', id).execute();
    return {
      id, adminStateUp: router.admin_state_up === 1, gateway, interfaces, routes: json(router.routes),
      floatingIps: fips.flatMap((f) => (f.fixed_ip_address ? [{ floatingIp: f.floating_ip_address, fixedIp: f.fixed_ip_address }] : [])),
    };
  }

  /** Every guest port (not the network service's own) with the union of its groups' rules. */
  private async firewallSpec(): Promise<FirewallSpec> {
    const ports = (await this.db.selectFrom('ports').selectAll().execute()).filter((p) => !p.device_owner.startsWith('network:'));
    const ips = new Map<string, string[]>();
    for (const a of await this.db.selectFrom('ip_allocations').select(['port_id', 'ip_address']).execute()) ips.set(a.port_id, [...(ips.get(a.port_id) ?? []), a.ip_address]);
    const rules = new Map<string, FirewallRule[]>();
    for (const r of await this.db.selectFrom('security_group_rules').selectAll().execute()) {
      rules.set(r.security_group_id, [...(rules.get(r.security_group_id) ?? []), {
        // Protocol 0 (`ip`, `hopopt`) means any, as in Neutron's iptables driver.
        direction: r.direction as 'ingress' | 'egress', ethertype: r.ethertype as 'IPv4' | 'IPv6', protocol: protocolNumber(r.protocol) || null,
        portRangeMin: r.port_range_min, portRangeMax: r.port_range_max, remoteIpPrefix: normalizedCidr(r.remote_ip_prefix),
        remoteGroupId: r.remote_group_id,
      }]);
    }
    const members = new Map<string, string[]>();
    const out: PortFirewall[] = ports.map((p) => {
      const groups = json<string[]>(p.security_groups);
      for (const g of groups) members.set(g, [...(members.get(g) ?? []), ...(ips.get(p.id) ?? [])]);
      return {
        portId: p.id, networkId: p.network_id, mac: p.mac_address, ips: ips.get(p.id) ?? [], portSecurityEnabled: p.port_security_enabled === 1,
        allowedAddressPairs: json<{ ip_address: string; mac_address?: string }[]>(p.allowed_address_pairs).map((a) => ({ ipAddress: a.ip_address, macAddress: a.mac_address ?? p.mac_address })),
        rules: groups.flatMap((g) => rules.get(g) ?? []),
      };
    });
    const named = new Set(out.flatMap((p) => p.rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : []))));
    return { ports: out, groups: [...named].map((id) => ({ id, ips: members.get(id) ?? [] })) };
  }
}
