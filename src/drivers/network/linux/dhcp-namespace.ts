import { join } from 'node:path';
import type { NetworkSpec } from '../../../services/network/driver.ts';
import { parseCidr } from './addr.ts';
import { stopDaemon } from './daemon.ts';
import { METADATA_IP, renderDnsmasq, syncDnsmasq } from './dnsmasq.ts';
import { NetworkBackendError } from './errors.ts';
import { ipBatch, ipJson, type Link } from './exec.ts';
import { ensureDir, removeFiles } from './files.ts';
import { applyVethChanges, vethChanges } from './links.ts';
import { syncMetadataProxy } from './metadata-proxy.ts';
import type { Names } from './names.ts';
import { ensureNamespace, removeNamespace } from './namespace.ts';

/** The namespace answers on its own interface only: no router advertisements make it routes. */
const DHCP_SYSCTLS = { 'net.ipv6.conf.all.accept_ra': 0, 'net.ipv6.conf.default.accept_ra': 0 };

/**
 * Afterwards the network's DHCP namespace holds the DHCP port (plus the metadata address), its
 * dnsmasq and its metadata proxy, each as far as the spec asks for them; without a DHCP port the
 * namespace is gone. Returns what it (re)started, for the log.
 */
export async function syncDhcpNamespace(names: Names, dir: string, spec: NetworkSpec, intLinks: Link[], metadataSocket: string): Promise<string[]> {
  const ns = names.dhcpNs(spec.id);
  const port = spec.dhcpPort;
  if (port === null) {
    await removeDhcpNamespace(names, dir, spec.id);
    return [];
  }
  await ensureNamespace(ns, DHCP_SYSCTLS);
  await ensureDir(dir);
  const device = names.dhcpDevice(port.id);
  let nsLinks = await ipJson<Link>(ns, ['addr', 'show']);
  const stale = nsLinks.filter((l) => l.ifname.startsWith('ns-') && l.ifname !== device);
  if (stale.length > 0) {
    await ipBatch(ns, stale.map((l) => `link del ${l.ifname}`));
    nsLinks = nsLinks.filter((l) => !stale.includes(l));
  }
  const addresses = port.addresses.map((a) => {
    const subnet = spec.subnets.find((s) => s.id === a.subnetId);
    if (!subnet) throw new NetworkBackendError(`DHCP port ${port.id} has an address on subnet ${a.subnetId}, which network ${spec.id} does not have.`);
    return `${a.ip}/${parseCidr(subnet.cidr).prefixLen}`;
  });
  const veth = {
    ns, device, tap: names.tap(port.id), bridge: names.bridge(spec.id), mac: port.mac, mtu: spec.mtu, up: true,
    addresses: [...addresses, `${METADATA_IP}/32`],
  };
  await applyVethChanges(names.intNs, ns, vethChanges([veth], intLinks, nsLinks));

  const events: string[] = [];
  const dhcp = await syncDnsmasq(ns, dir, renderDnsmasq(spec, dir, device));
  if (dhcp) events.push(`dnsmasq ${dhcp}`);
  if (await syncMetadataProxy(ns, dir, spec.id, metadataSocket)) events.push('metadata proxy started');
  return events;
}

export async function removeDhcpNamespace(names: Names, dir: string, networkId: string): Promise<void> {
  await Promise.all([stopDaemon(join(dir, 'dnsmasq.pid'), 'dnsmasq'), stopDaemon(join(dir, 'haproxy.pid'), 'haproxy')]);
  await removeNamespace(names.dhcpNs(networkId));
  await removeFiles(dir);
}
