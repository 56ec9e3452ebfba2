import ipaddr from 'ipaddr.js';
import { BadRequest } from '../../platform/errors.ts';

/** A parsed CIDR with BigInt bounds, so IPv4 and IPv6 arithmetic are one code path. */
export interface Cidr {
  version: 4 | 6;
  /** The canonical text, host bits cleared (`10.0.0.0/24`, `2001:db8::/64`). */
  text: string;
  prefix: number;
  first: bigint;
  last: bigint;
}

const bits = (v: 4 | 6) => (v === 4 ? 32 : 128);

export function ipVersion(ip: string): 4 | 6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return 4;
  if (ipaddr.IPv6.isValid(ip) && !ip.includes('%')) return 6;
  return null;
}

export function toBig(ip: string): bigint {
  return ipaddr.parse(ip).toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

export function fromBig(n: bigint, version: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0; i < bits(version) / 8; i++) bytes.unshift(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** The canonical text of an address (`2001:DB8:0::1` becomes `2001:db8::1`). */
export function canonicalIp(ip: string): string {
  return ipaddr.parse(ip).toString();
}

/** Parses `addr/len`; `strict` rejects host bits, as Neutron does for subnet CIDRs. */
export function parseCidr(text: string, field = 'cidr'): Cidr {
  const [addr, len, ...rest] = text.split('/');
  const version = addr === undefined ? null : ipVersion(addr);
  const prefix = Number(len);
  if (version === null || rest.length > 0 || len === undefined || !/^\d+$/.test(len) || prefix > bits(version)) {
    throw new BadRequest(`Invalid input for ${field}. Reason: '${text}' is not a valid IP subnet.`);
  }
  const host = BigInt(bits(version) - prefix);
  const first = (toBig(addr!) >> host) << host;
  const last = first + (1n << host) - 1n;
  return { version, text: `${fromBig(first, version)}/${prefix}`, prefix, first, last };
}

export function contains(c: Cidr, ip: string): boolean {
  if (ipVersion(ip) !== c.version) return false;
  const n = toBig(ip);
  return n >= c.first && n <= c.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last;
}

/** Neutron's default allocation pool: the whole subnet minus network, broadcast (v4) and gateway. */
export function defaultPools(c: Cidr, gateway: string | null): { start: string; end: string }[] {
  let first = c.version === 4 && c.prefix < 31 ? c.first + 1n : c.version === 6 ? c.first + 1n : c.first;
  let last = c.version === 4 && c.prefix < 31 ? c.last - 1n : c.last;
  const pools: { start: string; end: string }[] = [];
  const g = gateway === null ? null : toBig(gateway);
  if (g !== null && g >= first && g <= last) {
    if (g > first) pools.push({ start: fromBig(first, c.version), end: fromBig(g - 1n, c.version) });
    first = g + 1n;
  }
  if (first <= last) pools.push({ start: fromBig(first, c.version), end: fromBig(last, c.version) });
  return pools;
}

/** A MAC in Neutron's default `fa:16:3e` prefix. */
export function randomMac(random: Buffer): string {
  return ['fa', '16', '3e', ...[...random.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** EUI-64 address of `mac` in a /64 (SLAAC), as the guest's kernel will form it. */
export function eui64(c: Cidr, mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const iid = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!].reduce((n, x) => (n << 8n) | BigInt(x), 0n);
  return fromBig(c.first | iid, 6);
}
