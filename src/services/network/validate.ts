import { badRequest } from './deps.ts';
import { canonicalIp, ipVersion, parseCidr } from './ip.ts';

/** A request body as the API layer hands it over: unvalidated JSON. */
export type Body = Record<string, unknown>;

/** Neutron's attribute validation message: `Invalid input for <attr>. Reason: <why>.` */
export function invalid(attr: string, why: string) {
  return badRequest(`Invalid input for ${attr}. Reason: ${why}.`);
}

export function str(b: Body, attr: string, max = 255): string | undefined {
  const v = b[attr];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(attr, `'${JSON.stringify(v)}' is not a valid string`);
  if (v.length > max) throw invalid(attr, `'${v}' exceeds maximum length of ${max}`);
  return v;
}

/** Neutron converts `"true"`/`"false"` strings too (`convert_to_boolean`). */
export function bool(b: Body, attr: string): boolean | undefined {
  const v = b[attr];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True' || v === 1 || v === '1') return true;
  if (v === 'false' || v === 'False' || v === 0 || v === '0') return false;
  throw invalid(attr, `'${String(v)}' cannot be converted to boolean`);
}

export function int(b: Body, attr: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | null | undefined {
  const v = b[attr];
  if (v === undefined || v === null) return v as undefined | null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(attr, `'${String(v)}' is not an integer`);
  if (n < min || n > max) throw invalid(attr, `'${n}' is not in range ${min} through ${max}`);
  return n;
}

export function ip(v: unknown, attr: string): string {
  if (typeof v !== 'string' || ipVersion(v) === null) throw invalid(attr, `'${String(v)}' is not a valid IP address`);
  return canonicalIp(v);
}

export function cidr(v: unknown, attr: string): string {
  if (typeof v !== 'string') throw invalid(attr, `'${String(v)}' is not a valid IP subnet`);
  return parseCidr(v, attr).text;
}

export function list(b: Body, attr: string): unknown[] | undefined {
  const v = b[attr];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalid(attr, `'${JSON.stringify(v)}' is not a list`);
  return v;
}

export function object(v: unknown, attr: string): Body {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(attr, `'${JSON.stringify(v)}' is not a dictionary`);
  return v as Body;
}

/** Rejects attributes a resource does not have, as Neutron's API layer does. */
export function only(b: Body, allowed: readonly string[]): void {
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
}

export const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
