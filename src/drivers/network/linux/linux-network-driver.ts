import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../platform/log.ts';
import type { FirewallSpec, NetworkDriver, NetworkSpec, RouterSpec, VifDetails } from '../../../services/network/driver.ts';
import { removeDhcpNamespace, syncDhcpNamespace } from './dhcp-namespace.ts';
import { ip, ipBatch, ipJson, type Link, nft, run } from './exec.ts';
import { assertReachableByDaemons } from './files.ts';
import { renderFirewall } from './firewall.ts';
import { isUp } from './links.ts';
import { checkId, Names } from './names.ts';
import { ensureNamespace, listNamespaces } from './namespace.ts';
import { ensureRouter, removeRouter } from './router.ts';
import { hostUplinks, renderUplinkTable, renderUplinkTableRemoval, syncUplink } from './uplink.ts';

export interface LinuxNetworkDriverOptions {
  /** Starts every namespace and host link name of this cloud; at most 6 characters. */
  prefix: string;
  /** Pid files and daemon configurations. */
  runDir: string;
  /** The unix socket of the metadata server the proxies forward to. */
  metadataSocket: string;
  log: Logger;
}

/**
 * The bridges only carry guests' traffic and never speak IP themselves: without IPv6 they send no
 * solicitations, MLD reports or duplicate address probes into tenant networks.
 */
const INT_SYSCTLS = { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 };

/**
 * Neutron's Linux bridge data plane in namespaces: one integration namespace holds a bridge per
 * network (and the guests' taps), each network's DHCP server and metadata proxy get a namespace,
 * each router gets one. Nothing but the uplink links and one nft table is placed on the host itself.
 */
export class LinuxNetworkDriver implements NetworkDriver {
  private readonly names: Names;
  private readonly runDir: string;
  private readonly metadataSocket: string;
  private readonly log: Logger;
  /** Firewall replacements run in call order, so the last spec given is the one that stays. */
  private firewallQueue: Promise<void> = Promise.resolve();

  constructor(opts: LinuxNetworkDriverOptions) {
    this.names = new Names(opts.prefix);
    this.runDir = opts.runDir;
    this.metadataSocket = opts.metadataSocket;
    this.log = opts.log;
  }

  async start(): Promise<void> {
    await mkdir(this.runDir, { recursive: true });
    await chmod(this.runDir, 0o711);
    await assertReachableByDaemons(this.runDir);
    await ensureNamespace(this.names.intNs, INT_SYSCTLS);
    await nft(null, renderUplinkTable(this.names));
  }

  async ensureNetwork(spec: NetworkSpec): Promise<void> {
    const intLinks = await ipJson<Link>(this.names.intNs, ['link', 'show']);
    await this.syncBridge(spec, intLinks);
    const events = await syncDhcpNamespace(this.names, this.networkDir(spec.id), spec, intLinks, this.metadataSocket);
    await syncUplink(this.names, spec, intLinks);
    if (events.length > 0) this.log.info({ networkId: spec.id, events }, 'network services (re)started');
  }

  async removeNetwork(networkId: string): Promise<void> {
    await removeDhcpNamespace(this.names, this.networkDir(networkId), networkId);
    const uplink = (await hostUplinks(this.names)).find((l) => l.ifname === this.names.uplinkHost(networkId));
    if (uplink && (uplink.ifalias ?? networkId) === networkId) await ip(null, ['link', 'del', uplink.ifname]);
    const bridge = this.names.bridge(networkId);
    if (await this.hasIntNs() && (await ipJson<Link>(this.names.intNs, ['link', 'show'])).some((l) => l.ifname === bridge)) {
      await ip(this.names.intNs, ['link', 'del', bridge]);
    }
  }

  ensureRouter(spec: RouterSpec): Promise<void> {
    return ensureRouter(this.names, this.routerDir(spec.id), spec);
  }

  removeRouter(routerId: string): Promise<void> {
    return removeRouter(this.names, this.routerDir(routerId), routerId);
  }

  applyFirewall(spec: FirewallSpec): Promise<void> {
    const next = this.firewallQueue.then(() => this.replaceFirewall(spec));
    this.firewallQueue = next.catch(() => {});
    return next;
  }

  vifDetails(networkId: string): VifDetails {
    return {
      bridgeName: this.names.bridge(networkId),
      namespace: this.names.intNs,
      deviceName: (portId) => this.names.tap(portId),
    };
  }

  async inventory(): Promise<{ networks: string[]; routers: string[] }> {
    const networks = new Set<string>();
    const routers = new Set<string>();
    for (const ns of await listNamespaces()) {
      const network = this.names.networkOfDhcpNs(ns);
      const router = this.names.routerOfNs(ns);
      if (network) networks.add(network);
      if (router) routers.add(router);
    }
    for (const entry of await readdir(this.runDir).catch(() => [] as string[])) {
      if (entry.startsWith('network-')) networks.add(entry.slice('network-'.length));
      if (entry.startsWith('router-')) routers.add(entry.slice('router-'.length));
    }
    // Bridges and uplinks carry only part of the id in their names; the alias holds all of it.
    const bridges = (await this.hasIntNs()) ? await ipJson<Link>(this.names.intNs, ['link', 'show', 'type', 'bridge']) : [];
    for (const link of [...bridges, ...(await hostUplinks(this.names))]) {
      if (link.ifalias) networks.add(link.ifalias);
    }
    return { networks: [...networks].sort(), routers: [...routers].sort() };
  }

  async purge(): Promise<void> {
    const { networks, routers } = await this.inventory();
    await Promise.all(routers.map((id) => this.removeRouter(id)));
    await Promise.all(networks.map((id) => this.removeNetwork(id)));
    await ipBatch(null, (await hostUplinks(this.names)).map((l) => `link del ${l.ifname}`));
    if (await this.hasIntNs()) await run('ip', ['netns', 'del', this.names.intNs]);
    await nft(null, renderUplinkTableRemoval(this.names));
    await rm(this.runDir, { recursive: true, force: true });
  }

  private async syncBridge(spec: NetworkSpec, intLinks: Link[]): Promise<void> {
    const name = this.names.bridge(spec.id);
    const bridge = intLinks.find((l) => l.ifname === name);
    const state = spec.adminStateUp ? 'up' : 'down';
    if (!bridge) {
      // br_netfilter hands bridged IP traffic to the inet hooks (with conntrack) only when asked
      // per bridge; without MLD queriers on tenant networks, snooping would starve neighbour discovery.
      await ipBatch(this.names.intNs, [
        `link add name ${name} mtu ${spec.mtu} type bridge mcast_snooping 0 nf_call_iptables 1 nf_call_ip6tables 1`,
        `link set ${name} alias ${checkId(spec.id)} ${state}`,
      ]);
      this.log.info({ networkId: spec.id, bridge: name }, 'network bridge created');
    } else if (bridge.mtu !== spec.mtu || isUp(bridge) !== spec.adminStateUp || bridge.ifalias !== spec.id) {
      await ip(this.names.intNs, ['link', 'set', name, 'mtu', String(spec.mtu), 'alias', checkId(spec.id), state]);
    }
  }

  private async replaceFirewall(spec: FirewallSpec): Promise<void> {
    const bridges = await ipJson<Link>(this.names.intNs, ['link', 'show', 'type', 'bridge']);
    // A bridge's ifindex is unique in the namespace and fixed for its lifetime: a stable zone.
    const zones = bridges.map((b) => ({ bridge: b.ifname, zone: (b.ifindex % 0xffff) + 1 }));
    await nft(this.names.intNs, renderFirewall(spec, this.names, zones));
  }

  private hasIntNs(): Promise<boolean> {
    return listNamespaces().then((all) => all.includes(this.names.intNs));
  }

  private networkDir(networkId: string): string {
    return join(this.runDir, `network-${checkId(networkId)}`);
  }

  private routerDir(routerId: string): string {
    return join(this.runDir, `router-${checkId(routerId)}`);
  }
}
