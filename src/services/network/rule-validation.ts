import { badRequest } from './deps.ts';
import { canonicalIp, ipVersion, parseCidr } from './ip.ts';
import type { RuleFields } from './tables.ts';
import { invalid, str, type Body } from './validate.ts';

/** neutron-lib's `IP_PROTOCOL_MAP`, in its order (the order shows in the error message). */
const PROTOCOLS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ip: 0, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46, sctp: 132,
  tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
/** Neutron's `SG_PORT_PROTO_NUMS`/`_NAMES`: the protocols with ports. */
const PORT_PROTOCOLS = new Map([[33, 'DCCP'], [132, 'SCTP'], [6, 'TCP'], [17, 'UDP'], [136, 'UDPLITE']]);
const ICMP = 1;
const IPV6_ICMP = 58;
/** Protocols that only exist in IPv6 (`_validate_ethertype_and_protocol`). */
const IPV6_ONLY = new Set(['ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', '41', '44', '58', '59', '60', '43']);
const DIRECTIONS = ['ingress', 'egress'] as const;
const ETHERTYPES = ['IPv4', 'IPv6'] as const;

type Direction = (typeof DIRECTIONS)[number];
type Ethertype = (typeof ETHERTYPES)[number];

/** The attributes a security group rule and a default-rule template share, validated as Neutron does. */
export interface RuleSpec extends RuleFields {
  direction: Direction;
  ethertype: Ethertype;
}

/** The fields Neutron compares to find a duplicate rule (`_rule_to_key`, minus the group), as stored. */
export type RuleKey = Omit<RuleFields, 'description'>;

/** The IANA number of a stored protocol: names map through Neutron's table, numbers are themselves, null (any) stays null. */
export function protocolNumber(protocol: string | null): number | null {
  if (protocol === null || protocol === 'any') return null;
  if (/^\d+$/.test(protocol) && Number(protocol) <= 255) return Number(protocol);
  const n = PROTOCOLS[protocol];
  if (n === undefined) throw invalidProtocol(protocol);
  return n;
}

/** `remote_ip_prefix` with host bits cleared (Neutron's `normalized_cidr`). */
export function normalizedCidr(prefix: string | null): string | null {
  return prefix === null ? null : parseCidr(prefix, 'remote_ip_prefix').text;
}

/**
 * Validates and normalizes the shared rule attributes of a create body, raising Neutron's
 * errors in the order its API layer and then `_validate_security_group_rule` would.
 */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** neutron-lib's `uuid_or_none`: null (or absent) means unset. */
function uuidOrNone(b: Body, attr: string): string | null {
  const v = b[attr];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !UUID.test(v)) throw invalid(attr, `'${String(v)}' is not a valid UUID`);
  return v;
}

export function ruleSpec(b: Body): RuleSpec {
  if (b.direction === undefined) throw badRequest('Failed to parse request. Required attribute \'direction\' not specified');
  if (!DIRECTIONS.includes(b.direction as Direction)) throw invalid('direction', `'${String(b.direction)}' is not in ['ingress', 'egress']`);
  const given = convertProtocol(b.protocol);
  const min = convertPort(b.port_range_min);
  const max = convertPort(b.port_range_max);
  const ethertype = convertEthertype(b.ethertype);
  const prefix = convertPrefix(b.remote_ip_prefix);
  const protocol = ethertype === 'IPv6' ? canonicalIpv6Icmp(given) : given;
  const spec: RuleSpec = {
    direction: b.direction as Direction, ethertype, protocol, port_range_min: min, port_range_max: max, remote_ip_prefix: prefix,
    remote_group_id: uuidOrNone(b, 'remote_group_id'), remote_address_group_id: uuidOrNone(b, 'remote_address_group_id'),
    description: str(b, 'description') ?? '',
  };
  checkPortRange(protocol, min, max);
  if (prefix !== null && ethertype !== `IPv${ipVersion(prefix.split('/')[0]!)}`) {
    throw badRequest(`Conflicting value ethertype ${ethertype} for CIDR ${prefix}`, 'SecurityGroupRuleParameterConflict');
  }
  if (protocol !== null && ethertype === 'IPv4' && IPV6_ONLY.has(protocol)) {
    throw badRequest(`Invalid ethertype ${ethertype} for protocol ${protocol}.`, 'SecurityGroupEthertypeConflictWithProtocol');
  }
  if ([prefix, spec.remote_group_id, spec.remote_address_group_id].filter((x) => x !== null).length > 1) {
    throw badRequest('Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.', 'SecurityGroupMultipleRemoteEntites');
  }
  return spec;
}

/**
 * Whether two rules are the same for Neutron's duplicate check: protocol names equal their
 * numbers (`tcp` is `6`), and an any-address prefix equals no prefix.
 */
export function sameRule(a: RuleKey, b: RuleKey): boolean {
  const anywhere = (p: string | null) => (p === '0.0.0.0/0' || p === '::/0' ? null : p);
  const proto = (r: RuleKey) => {
    const n = protocolNumber(r.protocol);
    return r.ethertype === 'IPv6' && n === ICMP ? IPV6_ICMP : n;
  };
  return a.direction === b.direction && a.ethertype === b.ethertype && a.port_range_min === b.port_range_min
    && a.port_range_max === b.port_range_max && proto(a) === proto(b) && a.remote_group_id === b.remote_group_id
    && a.remote_address_group_id === b.remote_address_group_id && anywhere(a.remote_ip_prefix) === anywhere(b.remote_ip_prefix);
}

/** Neutron rewrites the legacy IPv6 ICMP spellings (`icmp`, `icmpv6`, `1`) before it checks anything else. */
function canonicalIpv6Icmp(protocol: string | null): string | null {
  if (protocol === 'icmp' || protocol === 'icmpv6') return 'ipv6-icmp';
  return protocol === String(ICMP) ? String(IPV6_ICMP) : protocol;
}

function invalidProtocol(value: unknown) {
  const values = ['None', '\'any\'', ...Object.keys(PROTOCOLS).map((p) => `'${p}'`)].join(', ');
  return badRequest(`Security group rule protocol ${String(value)} not supported. Only protocol values (${values}) and integer representations [0 to 255] are supported.`,
    'SecurityGroupRuleInvalidProtocol');
}

/** neutron's `convert_protocol`: any → null, a number 0..255 → its decimal string, a known name → lower case. */
function convertProtocol(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 255) return String(v);
    throw invalidProtocol(v);
  }
  if (typeof v !== 'string') throw invalidProtocol(v);
  if (/^\d+$/.test(v)) {
    if (Number(v) <= 255) return String(Number(v));
    throw invalidProtocol(v);
  }
  const name = v.toLowerCase();
  if (name === 'any') return null;
  if (name in PROTOCOLS) return name;
  throw invalidProtocol(v);
}

/** neutron's `convert_validate_port_value`: 0..65535 as a number or decimal string. */
function convertPort(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw badRequest(`Invalid value for port ${String(v)}`, 'SecurityGroupInvalidPortValue');
  return n;
}

function convertEthertype(v: unknown): Ethertype {
  if (v === undefined) return 'IPv4';
  const found = typeof v === 'string' ? ETHERTYPES.find((e) => e.toLowerCase() === v.toLowerCase()) : undefined;
  if (!found) throw badRequest(`Security group rule for ethertype '${String(v)}' not supported. Allowed values are ['IPv4', 'IPv6'].`, 'SecurityGroupRuleInvalidEtherType');
  return found;
}

/** neutron's `convert_ip_prefix_to_cidr`: an address gains its full-length mask; host bits stay. */
function convertPrefix(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  const fail = () => badRequest(`Invalid CIDR ${String(v)} given as IP prefix.`, 'InvalidCIDR');
  if (typeof v !== 'string') throw fail();
  const [addr, len, ...rest] = v.split('/');
  const version = ipVersion(addr!);
  const bits = version === 4 ? 32 : 128;
  if (version === null || rest.length > 0 || (len !== undefined && (!/^\d+$/.test(len) || Number(len) > bits))) throw fail();
  return `${canonicalIp(addr!)}/${len === undefined ? bits : Number(len)}`;
}

/** neutron's `_validate_port_range`, after the protocol is canonical. */
function checkPortRange(protocol: string | null, min: number | null, max: number | null): void {
  if (min === null && max === null) return;
  if (protocol === null) throw badRequest('Must also specify protocol if port range is given.', 'SecurityGroupProtocolRequiredWithPorts');
  const n = protocolNumber(protocol)!;
  if (PORT_PROTOCOLS.has(n)) {
    if (min === 0 || max === 0) throw badRequest('Invalid value for port 0', 'SecurityGroupInvalidPortValue');
    if (min === null || max === null || min > max) throw badRequest('For TCP/UDP protocols, port_range_min must be <= port_range_max', 'SecurityGroupInvalidPortRange');
  } else if (n === ICMP || n === IPV6_ICMP) {
    for (const [attr, field, value] of [['port_range_min', 'type', min], ['port_range_max', 'code', max]] as const) {
      if (value !== null && value > 255) throw badRequest(`Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`, 'SecurityGroupInvalidIcmpValue');
    }
    if (min === null) throw badRequest(`ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`, 'SecurityGroupMissingIcmpType');
  } else {
    throw badRequest(`Ports cannot be specified for protocol ${n}. Ports are only supported for ${[...PORT_PROTOCOLS.values()].join(', ')}.`, 'SecurityGroupInvalidProtocolForPort');
  }
}
