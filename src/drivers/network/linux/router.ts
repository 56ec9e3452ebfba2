import { join } from 'node:path';
import type { RouterInterface, RouterSpec } from '../../../services/network/driver.ts';
import { canonicalIp, ipVersion, networkCidr, parseCidr } from './addr.ts';
import { stopDaemon } from './daemon.ts';
import { NetworkBackendError } from './errors.ts';
import { ipBatch, ipJson, type Link, nft } from './exec.ts';
import { ensureDir, removeFiles } from './files.ts';
import { applyVethChanges, type Veth, vethChanges } from './links.ts';
import type { Names } from './names.ts';
import { ensureNamespace, removeNamespace } from './namespace.ts';
import { type Advertised, syncRadvd } from './radvd.ts';

/** Forwarding is switched on inside the router's namespace only, never on the host. */
const ROUTER_SYSCTLS = { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 };
const NAT_TABLE = 'table ip sovcloud';

interface Route {
  dst: string;
  via: string;
}

/**
 * A router is a namespace with one veth per interface (`qr-`) and one for the gateway (`qg-`),
 * each plugged into its network's bridge; NAT is one nft table there, replaced atomically.
 */
export async function ensureRouter(names: Names, dir: string, spec: RouterSpec): Promise<void> {
  const ns = names.routerNs(spec.id);
  await ensureNamespace(ns, ROUTER_SYSCTLS);
  await ensureDir(dir);
  const gatewayDevice = spec.gateway ? names.routerGateway(spec.gateway.portId) : null;
  const wanted: { iface: RouterInterface; device: string; extra: string[] }[] = [
    ...spec.interfaces.map((iface) => ({ iface, device: names.routerInterface(iface.portId), extra: [] })),
    ...(spec.gateway ? [{ iface: spec.gateway, device: gatewayDevice!, extra: spec.floatingIps.map((f) => f.floatingIp) }] : []),
  ];

  let nsLinks = await ipJson<Link>(ns, ['addr', 'show']);
  const stale = nsLinks.filter((l) => /^q[rg]-/.test(l.ifname) && !wanted.some((w) => w.device === l.ifname));
  if (stale.length > 0) {
    await ipBatch(ns, stale.map((l) => `link del ${l.ifname}`));
    nsLinks = nsLinks.filter((l) => !stale.includes(l));
  }
  const intLinks = await ipJson<Link>(names.intNs, ['link', 'show']);
  const veths: Veth[] = wanted.map(({ iface, device, extra }) => {
    const bridge = intLinks.find((l) => l.ifname === names.bridge(iface.networkId));
    if (!bridge) throw new NetworkBackendError(`Network ${iface.networkId} of router ${spec.id} is not on this host.`);
    return {
      ns, device, tap: names.tap(iface.portId), bridge: bridge.ifname, mac: iface.mac,
      // The router's side takes the network's MTU, which only the bridge knows here.
      mtu: bridge.mtu, up: spec.adminStateUp,
      addresses: [...iface.addresses.map((a) => `${a.ip}/${parseCidr(a.cidr).prefixLen}`), ...extra],
    };
  });
  await applyVethChanges(names.intNs, ns, vethChanges(veths, intLinks, nsLinks));
  await syncRoutes(ns, desiredRoutes(spec));
  await nft(ns, renderRouterNat(spec, gatewayDevice));
  await syncRadvd(ns, dir, spec.adminStateUp ? advertised(spec, names, veths) : []);
}

export async function removeRouter(names: Names, dir: string, routerId: string): Promise<void> {
  await stopDaemon(join(dir, 'radvd.pid'), 'radvd');
  await removeNamespace(names.routerNs(routerId));
  await removeFiles(dir);
}

/**
 * Floating IPs: DNAT to the fixed address on the way in, SNAT to the floating address on the way
 * out through the gateway, ahead of the gateway's general SNAT. Guests reaching a floating IP of
 * their own network get masqueraded too, or the answer would bypass the router.
 */
export function renderRouterNat(spec: RouterSpec, gatewayDevice: string | null): string {
  const pre: string[] = [];
  const post: string[] = [];
  if (spec.gateway !== null && gatewayDevice !== null) {
    const qg = `"${gatewayDevice}"`;
    const fips = spec.floatingIps.filter((f) => ipVersion(f.floatingIp) === 4);
    const snatTo = spec.gateway.addresses.map((a) => a.ip).find((ip) => ipVersion(ip) === 4);
    pre.push(...fips.map((f) => `ip daddr ${f.floatingIp} dnat to ${f.fixedIp}`));
    post.push(...fips.map((f) => `oifname ${qg} ip saddr ${f.fixedIp} snat to ${f.floatingIp}`));
    if (fips.length > 0) post.push(`iifname != ${qg} oifname != ${qg} ct status dnat masquerade`);
    if (spec.gateway.enableSnat && snatTo !== undefined) post.push(`oifname ${qg} snat to ${snatTo}`);
  }
  const chain = (name: string, hook: string, rules: string[]): string[] => [`  chain ${name} {`, `    ${hook}`, ...rules.map((r) => `    ${r}`), '  }'];
  return [
    `${NAT_TABLE} {}`,
    `delete ${NAT_TABLE}`,
    `${NAT_TABLE} {`,
    ...chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', pre),
    ...chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', post),
    '}',
    '',
  ].join('\n');
}

function desiredRoutes(spec: RouterSpec): Route[] {
  // The kernel drops routes through interfaces that are down.
  if (!spec.adminStateUp) return [];
  const defaults = [4, 6].flatMap((v) => {
    const via = spec.gateway?.gatewayIps.find((ip) => ipVersion(ip) === v);
    return via === undefined ? [] : [{ dst: v === 4 ? '0.0.0.0/0' : '::/0', via: canonicalIp(via) }];
  });
  return [...defaults, ...spec.routes.map((r) => ({ dst: networkCidr(r.destination), via: canonicalIp(r.nexthop) }))];
}

/** Routes the driver adds carry `proto static`, which tells them from the kernel's own. */
async function syncRoutes(ns: string, desired: Route[]): Promise<void> {
  const current = (await ipJson<{ dst: string; gateway?: string }>(ns, ['route', 'show', 'table', 'all', 'proto', 'static']))
    .filter((r) => r.gateway !== undefined)
    .map((r) => ({ dst: r.dst === 'default' ? (r.gateway!.includes(':') ? '::/0' : '0.0.0.0/0') : networkCidr(r.dst), via: r.gateway! }));
  const key = (r: Route): string => `${r.dst} via ${r.via}`;
  const want = new Set(desired.map(key));
  const have = new Set(current.map(key));
  await ipBatch(ns, [
    ...current.filter((r) => !want.has(key(r))).map((r) => `route del ${key(r)} proto static`),
    ...desired.filter((r) => !have.has(key(r))).map((r) => `route replace ${key(r)} proto static`),
  ]);
}

function advertised(spec: RouterSpec, names: Names, veths: Veth[]): Advertised[] {
  return spec.interfaces.flatMap((iface) => {
    const prefixes = iface.addresses.flatMap((a) => (a.ipv6RaMode === null || ipVersion(a.ip) !== 6 ? [] : [{ cidr: a.cidr, raMode: a.ipv6RaMode }]));
    const veth = veths.find((v) => v.device === names.routerInterface(iface.portId))!;
    return prefixes.length ? [{ device: veth.device, mtu: veth.mtu, prefixes }] : [];
  });
}
