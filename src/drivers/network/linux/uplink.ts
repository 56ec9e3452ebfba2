import { writeFile } from 'node:fs/promises';
import type { NetworkSpec } from '../../../services/network/driver.ts';
import { contains, ipVersion, networkAddress, networkCidr } from './addr.ts';
import { NetworkBackendError } from './errors.ts';
import { ip, ipBatch, ipJson, type Link } from './exec.ts';
import { addressChanges, isUp } from './links.ts';
import type { Names } from './names.ts';

/**
 * The host's own way into an external network: a veth from the host namespace to the network's
 * bridge. The host may talk through it; a host nft table makes sure it never forwards anything
 * from or to it, whatever the host's own forwarding settings are, and that what arrives there
 * reaches only the addresses of that link: Linux would otherwise deliver packets for any of the
 * host's addresses (its real interfaces' included) that came in on any interface.
 */
export function renderUplinkTable(names: Names): string {
  const t = `table inet ${names.uplinkTable}`;
  const link = `"${names.uplinkHostPrefix}*"`;
  return [
    `${t} {}`,
    `delete ${t}`,
    `${t} {`,
    '  chain forward {',
    '    type filter hook forward priority -10; policy accept;',
    `    iifname ${link} drop`,
    `    oifname ${link} drop`,
    '  }',
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    iifname ${link} fib daddr . iif type != { local, broadcast, multicast } drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Deletes the table: declaring it first makes the delete succeed whether or not it existed. */
export function renderUplinkTableRemoval(names: Names): string {
  return `table inet ${names.uplinkTable} {}\ndelete table inet ${names.uplinkTable}\n`;
}

/** The host's links that are uplinks of this cloud. */
export async function hostUplinks(names: Names): Promise<Link[]> {
  return (await ipJson<Link>(null, ['addr', 'show'])).filter((l) => l.ifname.startsWith(names.uplinkHostPrefix));
}

export async function syncUplink(names: Names, spec: NetworkSpec, intLinks: Link[]): Promise<void> {
  const hostName = names.uplinkHost(spec.id);
  const peerName = names.uplinkPeer(spec.id);
  const host = (await hostUplinks(names)).find((l) => l.ifname === hostName);
  // The host's name holds only a few characters of the id; the alias tells whose link it is.
  if (host?.ifalias && host.ifalias !== spec.id) {
    throw new NetworkBackendError(`Uplink ${hostName} of network ${host.ifalias} has the name network ${spec.id}'s would have; only one of them can have an uplink on this host.`);
  }
  if (spec.uplink === null) {
    if (host) await ip(null, ['link', 'del', hostName]);
    return;
  }
  const peer = intLinks.find((l) => l.ifname === peerName);
  const bridge = names.bridge(spec.id);
  if (!host || !peer) {
    await assertFreeOnHost(names, spec.uplink.address);
    if (host) await ip(null, ['link', 'del', hostName]);
    if (peer) await ip(names.intNs, ['link', 'del', peerName]);
    await ip(null, ['link', 'add', hostName, 'mtu', String(spec.mtu), 'type', 'veth', 'peer', 'name', peerName, 'mtu', String(spec.mtu), 'netns', names.intNs]);
    await keepRoutesOff(hostName);
    await ipBatch(null, [`link set ${hostName} alias ${spec.id} up`, ...addressChanges(hostName, [], [spec.uplink.address])]);
    await ip(names.intNs, ['link', 'set', peerName, 'master', bridge, 'up']);
    return;
  }
  const hostLines = addressChanges(hostName, host.addr_info ?? [], [spec.uplink.address]);
  if (host.mtu !== spec.mtu || !isUp(host)) hostLines.unshift(`link set ${hostName} mtu ${spec.mtu} up`);
  await ipBatch(null, hostLines);
  if (peer.master !== bridge || peer.mtu !== spec.mtu || !isUp(peer)) await ip(names.intNs, ['link', 'set', peerName, 'master', bridge, 'mtu', String(spec.mtu), 'up']);
}

interface Route {
  dst: string;
  dev?: string;
}

/**
 * Refuses an uplink whose range the host already routes through another interface (another
 * cloud's uplink, or a real network): the connected route we would add could divert the host's
 * own traffic. The default route is no clash; names resolved through it are the operator's to
 * keep out of the range (`--public-cidr`).
 */
async function assertFreeOnHost(names: Names, address: string): Promise<void> {
  const net = networkCidr(address);
  const routes = [...await ipJson<Route>(null, ['-4', 'route', 'show']), ...await ipJson<Route>(null, ['-6', 'route', 'show'])];
  const overlaps = (a: string, b: string) => contains(a, networkAddress(b)) || contains(b, networkAddress(a));
  const clash = routes.find((r) => r.dst !== 'default' && !r.dev?.startsWith(names.uplinkHostPrefix) && ipVersion(r.dst) === ipVersion(net) && overlaps(net, r.dst));
  if (clash) {
    throw new NetworkBackendError(`The external network's range ${net} overlaps the host's route to ${clash.dst} via ${clash.dev ?? 'a gateway'}; start the cloud with another --public-cidr.`);
  }
}

/** Router advertisements from the cloud's network must never give the host routes. */
async function keepRoutesOff(hostName: string): Promise<void> {
  for (const key of ['accept_ra', 'autoconf']) {
    await writeFile(`/proc/sys/net/ipv6/conf/${hostName}/${key}`, '0').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // IPv6 is off on this host
    });
  }
}
