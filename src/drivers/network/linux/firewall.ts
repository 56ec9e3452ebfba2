import type { FirewallRule, FirewallSpec, PortFirewall } from '../../../services/network/driver.ts';
import { canonicalIp, contains, ipVersion, networkCidr, parseCidr } from './addr.ts';
import { NetworkBackendError } from './errors.ts';
import type { Names } from './names.ts';

/** Both tables live in the integration namespace, which is the driver's alone. */
const TABLE = 'sovcloud';
const L4_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
/** What every guest needs to receive whatever its rules say (Neutron's fixed rules). */
const INGRESS_ALWAYS = [
  'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } return',
  'udp sport 67 udp dport 68 return',
  'udp sport 547 udp dport 546 return',
];
const EGRESS_ALWAYS = [
  'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } return',
  'udp sport 68 udp dport 67 return',
  'udp sport 546 udp dport 547 return',
];

export interface BridgeZone {
  bridge: string;
  /** The conntrack zone of everything bridged there, so equal addresses on two networks never share state. */
  zone: number;
}

/**
 * The nft script that replaces the whole firewall in one transaction.
 *
 * nftables has no bridge-family conntrack on this kernel, so filtering happens in the inet
 * forward hook, which br_netfilter feeds with bridged IP traffic. That hook only sees the bridge,
 * not its ports, so a bridge table first records the ports in the packet mark: the input port's
 * index in the high 16 bits (prerouting), the output port's in the low 16 bits (forward). The inet
 * table then sends each new packet through the sender's egress chain and the receiver's ingress
 * chain. The bridge table also does the stateless anti-spoofing.
 */
export function renderFirewall(spec: FirewallSpec, names: Names, zones: BridgeZone[]): string {
  const ports = spec.ports.filter((p) => p.portSecurityEnabled).sort((a, b) => a.portId.localeCompare(b.portId));
  if (ports.length > 0xffff) throw new NetworkBackendError(`${ports.length} filtered ports exceed the 65535 one host can mark.`);
  const groups = new Map(spec.groups.map((g, i) => [g.id, { name: `g${i + 1}`, ips: g.ips }]));
  const indexed = ports.map((port, i) => ({ port, index: i + 1, tap: `"${names.tap(port.portId)}"` }));
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

  const bridge = [
    `table bridge ${TABLE} {`,
    ...chain('prerouting', 'type filter hook prerouting priority -300; policy accept;', [
      // The map below leaves unlisted ports' packets alone, so start from a mark of our own.
      'meta mark set 0x0',
      ...mapRule('meta mark set iifname map', indexed.map((p) => `${p.tap} : ${hex(p.index << 16)}`)),
      ...mapRule('iifname vmap', indexed.map((p) => `${p.tap} : jump spoof_${p.index}`)),
    ]),
    ...chain('forward', 'type filter hook forward priority -300; policy accept;', [
      // nft cannot OR a map lookup into the mark, hence a small chain per port.
      ...mapRule('oifname vmap', indexed.map((p) => `${p.tap} : jump out_${p.index}`)),
    ]),
    ...indexed.flatMap((p) => [
      ...chain(`out_${p.index}`, null, [`meta mark set meta mark | ${hex(p.index)}`]),
      ...chain(`spoof_${p.index}`, null, antiSpoof(p.port)),
    ]),
    '}',
  ];

  const inet = [
    `table inet ${TABLE} {`,
    ...[...groups.values()].flatMap((g) => [4, 6].flatMap((v) => set(`${g.name}_v${v}`, v, g.ips))),
    ...chain('prerouting', 'type filter hook prerouting priority -300; policy accept;',
      mapRule('ct zone set iifname map', zones.map((z) => `"${z.bridge}" : ${z.zone}`))),
    ...chain('forward', 'type filter hook forward priority 0; policy accept;', [
      'ct state established,related accept',
      ...mapRule('meta mark & 0xffff0000 vmap', indexed.map((p) => `${hex(p.index << 16)} : jump egress_${p.index}`)),
      ...mapRule('meta mark & 0x0000ffff vmap', indexed.map((p) => `${hex(p.index)} : jump ingress_${p.index}`)),
    ]),
    ...indexed.flatMap((p) => [
      ...chain(`egress_${p.index}`, null, portRules(p.port, 'egress', groups)),
      ...chain(`ingress_${p.index}`, null, portRules(p.port, 'ingress', groups)),
    ]),
    '}',
  ];

  // Declaring before deleting makes the delete succeed whether or not the table existed.
  return [
    `table bridge ${TABLE} {}`, `delete table bridge ${TABLE}`, ...bridge,
    `table inet ${TABLE} {}`, `delete table inet ${TABLE}`, ...inet,
  ].join('\n') + '\n';
}

/** The port may send only from its MACs with their addresses, and never as a DHCP server or router. */
function antiSpoof(port: PortFirewall): string[] {
  const pairs = [
    ...port.ips.map((ip) => ({ mac: port.mac, cidr: ip })),
    ...port.allowedAddressPairs.map((p) => ({ mac: p.macAddress || port.mac, cidr: p.ipAddress })),
    ...[port.mac, ...port.allowedAddressPairs.map((p) => p.macAddress || port.mac)].map((mac) => ({ mac, cidr: 'fe80::/10' })),
  ].map((p) => ({ mac: p.mac.toLowerCase(), cidr: networkCidr(p.cidr) }));
  const uncovered = pairs.filter((p, i) => !pairs.some((q, j) => q.mac === p.mac && coveredBy(p.cidr, q.cidr, i, j)));
  const elements = (v: 4 | 6): string[] => uncovered.filter((p) => ipVersion(p.cidr) === v).map((p) => `${p.mac} . ${hostless(p.cidr)}`);
  const macs = `{ ${[...new Set(pairs.map((p) => p.mac))].join(', ')} }`;
  const v4 = elements(4);
  return [
    `ether saddr != ${macs} drop`,
    'udp sport 67 udp dport 68 drop',
    'udp sport 547 udp dport 546 drop',
    'icmpv6 type { nd-router-advert, nd-redirect } drop',
    ...(v4.length ? [
      `arp saddr ether . arp saddr ip { ${v4.join(', ')} } return`,
      `ether saddr . ip saddr { ${v4.join(', ')} } return`,
    ] : []),
    // A DHCP client has no address yet, and RFC 5227 probes claim none.
    'ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 return',
    `arp saddr ether ${macs} arp saddr ip 0.0.0.0 return`,
    `ether saddr . ip6 saddr { ${elements(6).join(', ')} } return`,
    // Duplicate address detection and MLD before an address is usable.
    'ip6 saddr :: return',
    'drop',
  ];
}

/** Equal prefixes count as covered once only (the later one), so duplicates vanish too. */
function coveredBy(inner: string, outer: string, i: number, j: number): boolean {
  if (i === j) return false;
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (a.version !== b.version || b.prefixLen > a.prefixLen || !contains(outer, a.ip)) return false;
  return b.prefixLen < a.prefixLen || j > i;
}

function portRules(port: PortFirewall, direction: 'ingress' | 'egress', groups: Map<string, { name: string }>): string[] {
  return [
    ...(direction === 'ingress' ? INGRESS_ALWAYS : EGRESS_ALWAYS),
    'ct state invalid drop',
    ...port.rules.filter((r) => r.direction === direction).flatMap((r) => ruleStatement(r, groups) ?? []),
    'drop',
  ];
}

/** One security group rule as an nft statement; null when it can match nothing. */
export function ruleStatement(rule: FirewallRule, groups: Map<string, { name: string }>): string | null {
  const v = rule.ethertype === 'IPv4' ? 4 : 6;
  const family = v === 4 ? 'ip' : 'ip6';
  const remote = rule.direction === 'ingress' ? 'saddr' : 'daddr';
  const parts = [`meta nfproto ${v === 4 ? 'ipv4' : 'ipv6'}`];
  if (rule.remoteIpPrefix !== null) {
    if (ipVersion(rule.remoteIpPrefix) !== v) return null;
    parts.push(`${family} ${remote} ${networkCidr(rule.remoteIpPrefix)}`);
  }
  if (rule.remoteGroupId !== null) {
    const group = groups.get(rule.remoteGroupId);
    if (!group) return null;
    parts.push(`${family} ${remote} @${group.name}_v${v}`);
  }
  parts.push(...protocolMatch(rule, v));
  return `${parts.join(' ')} return`;
}

function protocolMatch(rule: FirewallRule, v: 4 | 6): string[] {
  // Neutron accepts `icmp` on IPv6 rules and means ICMPv6.
  const protocol = v === 6 && rule.protocol === 1 ? 58 : rule.protocol;
  const { portRangeMin: min, portRangeMax: max } = rule;
  if (protocol === null) return [];
  const l4 = L4_NAMES[protocol];
  if (l4 !== undefined) {
    if (min === null && max === null) return [`meta l4proto ${l4}`];
    const lo = min ?? 1;
    const hi = max ?? 65535;
    return [`${l4} dport ${lo === hi ? lo : `${lo}-${hi}`}`];
  }
  if ((protocol === 1 && v === 4) || (protocol === 58 && v === 6)) {
    const icmp = v === 4 ? 'icmp' : 'icmpv6';
    if (min === null) return [`meta l4proto ${v === 4 ? 'icmp' : 'ipv6-icmp'}`];
    return [`${icmp} type ${min}`, ...(max === null ? [] : [`${icmp} code ${max}`])];
  }
  return [`meta l4proto ${protocol}`];
}

function set(name: string, v: number, ips: string[]): string[] {
  const members = [...new Set(ips.filter((ip) => ipVersion(ip) === v).map(canonicalIp))];
  return [
    `  set ${name} {`,
    `    type ${v === 4 ? 'ipv4_addr' : 'ipv6_addr'}`,
    ...(members.length ? [`    elements = { ${members.join(', ')} }`] : []),
    '  }',
  ];
}

/** A host prefix written as the bare address, as nft lists it. */
function hostless(cidr: string): string {
  const c = parseCidr(cidr);
  return c.prefixLen === (c.version === 4 ? 32 : 128) ? c.ip : `${c.ip}/${c.prefixLen}`;
}

function chain(name: string, hook: string | null, rules: string[]): string[] {
  return [`  chain ${name} {`, ...(hook ? [`    ${hook}`] : []), ...rules.map((r) => `    ${r}`), '  }'];
}

/** nft rejects empty anonymous maps, so no entries means no rule. */
function mapRule(head: string, entries: string[]): string[] {
  return entries.length ? [`${head} { ${entries.join(', ')} }`] : [];
}
