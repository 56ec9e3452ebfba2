import { NetworkBackendError } from './errors.ts';

/** IPv4/IPv6 arithmetic the renderers need: prefixes, containment, canonical spelling. */

export interface Cidr {
  version: 4 | 6;
  /** The address as written (host bits kept), canonically spelled. */
  ip: string;
  prefixLen: number;
}

export function ipVersion(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** `10.0.0.5/24` or a bare address, which counts as a host prefix. */
export function parseCidr(cidr: string): Cidr {
  const [ip = '', len] = cidr.split('/');
  const version = ipVersion(ip);
  const max = version === 4 ? 32 : 128;
  const prefixLen = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) throw bad(cidr);
  return { version, ip: canonicalIp(ip), prefixLen };
}

/** The spelling `ip` and `nft` print: lowercase, zeros compressed. */
export function canonicalIp(ip: string): string {
  // WHATWG URL parsing canonicalizes both families; it also takes `10.1` for `10.0.0.1`, hence the shape check.
  if (!ip.includes(':') && !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw bad(ip);
  try {
    const host = new URL(ip.includes(':') ? `http://[${ip}]/` : `http://${ip}/`).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    throw bad(ip);
  }
}

/** The prefix with host bits cleared, e.g. `10.0.0.0/24` for `10.0.0.5/24`. */
export function networkCidr(cidr: string): string {
  const c = parseCidr(cidr);
  return `${fromBigInt(toBigInt(c.ip) & mask(c), c.version)}/${c.prefixLen}`;
}

export function networkAddress(cidr: string): string {
  return networkCidr(cidr).split('/')[0]!;
}

/** Dotted IPv4 netmask of a prefix length. */
export function netmask(prefixLen: number): string {
  return fromBigInt(mask({ version: 4, ip: '0.0.0.0', prefixLen }), 4);
}

export function contains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  if (ipVersion(ip) !== c.version) return false;
  return (toBigInt(canonicalIp(ip)) & mask(c)) === (toBigInt(c.ip) & mask(c));
}

function mask(c: Cidr): bigint {
  const bits = BigInt(c.version === 4 ? 32 : 128);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(c.prefixLen))) - 1n);
}

function toBigInt(ip: string): bigint {
  if (ipVersion(ip) === 4) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBigInt(n: bigint, version: 4 | 6): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return canonicalIp(groups.join(':'));
}

function bad(what: string): NetworkBackendError {
  return new NetworkBackendError(`${JSON.stringify(what)} is not an IP address or prefix.`);
}
