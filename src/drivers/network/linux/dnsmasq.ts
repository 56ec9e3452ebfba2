import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkSpec, SubnetSpec } from '../../../services/network/driver.ts';
import { canonicalIp, contains, ipVersion, netmask, networkAddress, networkCidr, parseCidr } from './addr.ts';
import { findDaemon, startDaemon, stopDaemon } from './daemon.ts';
import { signalIfAlive } from '../../../platform/processes.ts';
import { removeFiles, writeIfChanged } from './files.ts';
import { checkId } from './names.ts';

export const METADATA_IP = '169.254.169.254';
const LEASE = '86400s';
/**
 * Static ranges hand out addresses to listed hosts only, so the lease cap just has to stay above
 * any network's size; a fixed value keeps it off the list of things that force a restart.
 */
const LEASE_MAX = 1 << 24;

export interface DnsmasqConfig {
  argv: string[];
  /** Contents by path; dnsmasq re-reads these on SIGHUP. */
  files: Map<string, string>;
}

/**
 * dnsmasq as Neutron's DHCP agent runs it: static ranges only, so it answers exactly the listed
 * hosts; DNS for them under the network's domain; DHCPv6 for subnets whose addresses do not come
 * from SLAAC alone (the router sends the advertisements). Null when no subnet needs a server.
 */
export function renderDnsmasq(spec: NetworkSpec, dir: string, device: string): DnsmasqConfig | null {
  const port = spec.dhcpPort;
  if (port === null) return null;
  const portIp = (s: SubnetSpec): string | undefined => port.addresses.find((a) => a.subnetId === s.id)?.ip;
  // dnsmasq serves a range only through an address of its own in it.
  const served = spec.subnets.filter((s) => s.enableDhcp && portIp(s) !== undefined && (s.ipVersion === 4 || s.ipv6AddressMode !== 'slaac'));
  if (served.length === 0) return null;
  const domain = spec.dnsDomain.replace(/\.$/, '');
  const paths = { pid: join(dir, 'dnsmasq.pid'), hosts: join(dir, 'host'), opts: join(dir, 'opts'), addn: join(dir, 'addn_hosts') };

  const argv = [
    'dnsmasq', '--no-hosts', '--no-resolv', '--conf-file=/dev/null', '--leasefile-ro', '--dhcp-authoritative',
    `--pid-file=${paths.pid}`, `--dhcp-hostsfile=${paths.hosts}`, `--dhcp-optsfile=${paths.opts}`, `--addn-hosts=${paths.addn}`,
    // bind-dynamic follows address changes on the interface without a restart.
    `--interface=${device}`, '--except-interface=lo', '--bind-dynamic',
    ...(domain ? [`--domain=${domain}`, `--local=/${domain}/`] : []),
    ...served.map((s) => {
      const c = parseCidr(s.cidr);
      const mask = c.version === 4 ? netmask(c.prefixLen) : String(c.prefixLen);
      return `--dhcp-range=set:${tag(s)},${networkAddress(s.cidr)},static,${mask},${LEASE}`;
    }),
    `--dhcp-lease-max=${LEASE_MAX}`,
  ];

  const hosts = spec.hosts.flatMap((h) => {
    const subnet = served.find((s) => contains(s.cidr, h.ip));
    if (subnet === undefined || subnet.ipv6AddressMode === 'dhcpv6-stateless') return [];
    return [`${h.mac.toLowerCase()},${h.hostname},${subnet.ipVersion === 4 ? h.ip : `[${canonicalIp(h.ip)}]`}`];
  });
  const addn = spec.hosts.map((h) => `${h.ip}\t${domain ? `${h.hostname}.${domain} ` : ''}${h.hostname}`);
  const opts = served.flatMap((s) => (s.ipVersion === 4 ? optionsV4(s, portIp(s)!, spec.mtu) : optionsV6(s, domain)));

  return {
    argv,
    files: new Map([[paths.hosts, lines(hosts)], [paths.opts, lines(opts)], [paths.addn, lines(addn)]]),
  };
}

function optionsV4(s: SubnetSpec, portIp: string, mtu: number): string[] {
  const t = `tag:${tag(s)}`;
  const hasDefault = s.hostRoutes.some((r) => networkCidr(r.destination) === '0.0.0.0/0');
  // Clients that take classless routes ignore the router option (RFC 3442), so the default
  // route goes in there too; the metadata route points at this server, which proxies it.
  const routes = [
    `${METADATA_IP}/32,${portIp}`,
    ...s.hostRoutes.filter((r) => ipVersion(r.destination) === 4).map((r) => `${networkCidr(r.destination)},${r.nexthop}`),
    ...(s.gatewayIp !== null && !hasDefault ? [`0.0.0.0/0,${s.gatewayIp}`] : []),
  ].join(',');
  const dns = s.dnsNameservers.filter((d) => ipVersion(d) === 4);
  return [
    // 0.0.0.0 is dnsmasq's word for its own address.
    `${t},option:dns-server,${dns.length ? dns.join(',') : '0.0.0.0'}`,
    `${t},option:classless-static-route,${routes}`,
    `${t},249,${routes}`,
    // Without a value dnsmasq would offer itself as the router.
    `${t},option:router${s.gatewayIp === null ? '' : `,${s.gatewayIp}`}`,
    `${t},option:mtu,${mtu}`,
  ];
}

function optionsV6(s: SubnetSpec, domain: string): string[] {
  const t = `tag:${tag(s)}`;
  const dns = s.dnsNameservers.filter((d) => ipVersion(d) === 6).map((d) => `[${canonicalIp(d)}]`);
  return [
    `${t},option6:dns-server,${dns.length ? dns.join(',') : '[::]'}`,
    ...(domain ? [`${t},option6:domain-search,${domain}`] : []),
  ];
}

function tag(s: SubnetSpec): string {
  return `subnet-${checkId(s.id)}`;
}

function lines(items: string[]): string {
  return items.map((l) => `${l}\n`).join('');
}

/**
 * Afterwards dnsmasq runs in `ns` with exactly `config`, or not at all when it is null. File
 * changes reach a running server by SIGHUP; command-line changes (ranges, domain) need a restart.
 */
export async function syncDnsmasq(ns: string, dir: string, config: DnsmasqConfig | null): Promise<'started' | 'reloaded' | null> {
  const pidFile = join(dir, 'dnsmasq.pid');
  if (config === null) {
    await stopDaemon(pidFile, 'dnsmasq');
    await removeFiles(join(dir, 'host'), join(dir, 'opts'), join(dir, 'addn_hosts'));
    return null;
  }
  // dnsmasq keeps its leases in memory only (--leasefile-ro): an address whose port was deleted
  // would stay leased to the old MAC and a new port given that address would get no answer, so
  // removing a host restarts the server (Neutron's agent calls dhcp_release instead). Guests
  // renewing afterwards are answered from the static host entries.
  const hostsPath = join(dir, 'host');
  const before = (await readFile(hostsPath, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const after = new Set((config.files.get(hostsPath) ?? '').split('\n'));
  const released = before.some((line) => !after.has(line));
  const written = await Promise.all([...config.files].map(([path, content]) => writeIfChanged(path, content)));
  const running = await findDaemon(pidFile, 'dnsmasq');
  if (running && running.argv.join('\0') === config.argv.join('\0') && !released) {
    if (!written.some(Boolean)) return null;
    signalIfAlive(running.pid, 'SIGHUP');
    return 'reloaded';
  }
  if (running) await stopDaemon(pidFile, 'dnsmasq');
  await startDaemon(ns, config.argv, pidFile);
  return 'started';
}
