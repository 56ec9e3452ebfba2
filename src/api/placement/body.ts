import { BadRequest } from '../../platform/errors.ts';

/**
 * Request-body checks with the wording of upstream's JSON-schema errors
 * (`JSON does not validate: ...`), which clients show to people as they are.
 */
export type Body = Record<string, unknown>;

export const invalid = (why: string) => new BadRequest(`JSON does not validate: ${why}`);

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const NAME = /^[A-Z0-9_]+$/;

export function object(v: unknown, what = 'body'): Body {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${JSON.stringify(v ?? null)} is not of type 'object' (${what})`);
  return v as Body;
}

/** Required keys present, no others (`additionalProperties: false`). */
export function keys(b: Body, required: readonly string[], optional: readonly string[] = []): void {
  for (const k of required) if (!(k in b)) throw invalid(`'${k}' is a required property`);
  const extra = Object.keys(b).filter((k) => !required.includes(k) && !optional.includes(k));
  if (extra.length) throw invalid(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`);
}

export function int(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${JSON.stringify(v)} is not of type 'integer' (${what})`);
  if (v < min) throw invalid(`${v} is less than the minimum of ${min} (${what})`);
  return v;
}

export function str(v: unknown, what: string, max = 255, min = 1): string {
  if (typeof v !== 'string') throw invalid(`${JSON.stringify(v)} is not of type 'string' (${what})`);
  if (v.length < min) throw invalid(`'${v}' is too short (${what})`);
  if (v.length > max) throw invalid(`'${v}' is too long (${what})`);
  return v;
}

export function uuid(v: unknown, what: string): string {
  const s = str(v, what, 36);
  if (!UUID.test(s)) throw invalid(`'${s}' is not a 'uuid' (${what})`);
  return s;
}

/** A resource class or trait name as a key or value: standard or CUSTOM_*. */
export function name(v: unknown, what: string): string {
  const s = str(v, what);
  if (!NAME.test(s)) throw invalid(`'${s}' does not match '^[A-Z0-9_]+$' (${what})`);
  return s;
}

export function array(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${JSON.stringify(v)} is not of type 'array' (${what})`);
  return v;
}

/** A generation: an integer, or null where the client expects nothing to exist yet. */
export function generation(v: unknown, what: string, nullable = false): number | null {
  if (v === null && nullable) return null;
  return int(v, what);
}

/** `{"VCPU": 1, ...}` with at least one class and positive amounts. */
export function resources(v: unknown, what: string): Record<string, number> {
  const o = object(v, what);
  if (Object.keys(o).length === 0) throw invalid(`{} does not have enough properties (${what})`);
  const out: Record<string, number> = {};
  for (const [rc, n] of Object.entries(o)) out[name(rc, `${what}.${rc}`)] = int(n, `${what}.${rc}`, 1);
  return out;
}
