import { parseCidr } from './addr.ts';
import { type AddrInfo, ipBatch, type Link } from './exec.ts';

/**
 * A veth pair that plugs something into a network: `tap` on the network's bridge in the
 * integration namespace, `device` (holding `mac` and `addresses`) in namespace `ns`.
 */
export interface Veth {
  ns: string;
  device: string;
  tap: string;
  bridge: string;
  mac: string;
  mtu: number;
  up: boolean;
  /** CIDRs: the address with its subnet's prefix length. */
  addresses: string[];
}

/**
 * Commands that make `veths` exist as described, for the integration namespace and for each
 * veth's own namespace, given what the two currently hold. Nothing when all is as described.
 */
export function vethChanges(veths: Veth[], intLinks: Link[], nsLinks: Link[]): { int: string[]; ns: string[] } {
  const int: string[] = [];
  const ns: string[] = [];
  for (const v of veths) {
    const tap = intLinks.find((l) => l.ifname === v.tap);
    const dev = nsLinks.find((l) => l.ifname === v.device);
    const state = v.up ? 'up' : 'down';
    if (!tap || !dev) {
      // Deleting either end of a veth takes the other with it.
      if (tap) int.push(`link del ${v.tap}`);
      if (dev) ns.push(`link del ${v.device}`);
      int.push(`link add ${v.tap} mtu ${v.mtu} type veth peer name ${v.device} mtu ${v.mtu} netns ${v.ns}`);
      int.push(`link set ${v.tap} master ${v.bridge} up`);
      ns.push(`link set ${v.device} address ${v.mac} ${state}`);
      ns.push(...addressChanges(v.device, [], v.addresses));
      continue;
    }
    if (tap.master !== v.bridge || tap.mtu !== v.mtu || !isUp(tap)) int.push(`link set ${v.tap} master ${v.bridge} mtu ${v.mtu} up`);
    if (dev.address !== v.mac.toLowerCase() || dev.mtu !== v.mtu || isUp(dev) !== v.up) ns.push(`link set ${v.device} address ${v.mac} mtu ${v.mtu} ${state}`);
    ns.push(...addressChanges(v.device, dev.addr_info ?? [], v.addresses));
  }
  return { int, ns };
}

/** Applies vethChanges: the integration side first, since it creates the pairs. */
export async function applyVethChanges(intNs: string, ns: string, changes: { int: string[]; ns: string[] }): Promise<void> {
  await ipBatch(intNs, changes.int);
  await ipBatch(ns, changes.ns);
}

/** `ip` commands that leave `device` with exactly `desired` (link-local IPv6 is the kernel's). */
export function addressChanges(device: string, current: AddrInfo[], desired: string[]): string[] {
  const want = new Set(desired.map((c) => { const p = parseCidr(c); return `${p.ip}/${p.prefixLen}`; }));
  const have = new Set(current.filter((a) => !(a.family === 'inet6' && a.scope === 'link')).map((a) => `${a.local}/${a.prefixlen}`));
  return [
    ...[...have].filter((a) => !want.has(a)).map((a) => `addr del ${a} dev ${device}`),
    // Without nodad an IPv6 address stays tentative for a second, and daemons cannot bind it.
    ...[...want].filter((a) => !have.has(a)).map((a) => `addr add ${a} dev ${device}${a.includes(':') ? ' nodad' : ''}`),
  ];
}

export function isUp(link: Link): boolean {
  return link.flags.includes('UP');
}
