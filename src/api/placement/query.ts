import { BadRequest } from '../../platform/errors.ts';
import { CODES, coded } from '../../services/placement/index.ts';
import { one, type Query } from '../query.ts';

export { one, type Query };

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Upstream validates query strings by schema: any parameter not in it is a 400. */
export function allowOnly(q: Query, allowed: (k: string) => boolean): void {
  const extra = Object.keys(q).filter((k) => !allowed(k));
  if (extra.length) {
    throw new BadRequest(`Invalid query string parameters: Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`);
  }
}

export function all(q: Query, key: string): string[] {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `resources=VCPU:2,MEMORY_MB:1024`. */
export function resourcesParam(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [rc, amount, ...rest] = part.split(':');
    if (!rc || amount === undefined || rest.length) {
      throw coded(new BadRequest(`Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${value}.`), CODES.badQueryValue);
    }
    if (!/^[1-9]\d*$/.test(amount)) {
      throw coded(new BadRequest(`Requested resource ${rc} expected positive integer amount. Got: ${amount}.`), CODES.badQueryValue);
    }
    out[rc] = Number(amount);
  }
  return out;
}

/** `required=HW_CPU_X86_VMX,!CUSTOM_GOLD`; `!` only where forbidden traits are (1.22). */
export function traitsParam(value: string, allowForbidden: boolean): { required: string[]; forbidden: string[] } {
  const required: string[] = [];
  const forbidden: string[] = [];
  const names = value.split(',');
  for (const n of names) {
    const bang = n.startsWith('!');
    const trait = bang ? n.slice(1) : n;
    if (!trait || (bang && !allowForbidden)) {
      const form = allowForbidden ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC';
      throw coded(new BadRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got: ${value}`), CODES.badQueryValue);
    }
    (bang ? forbidden : required).push(trait);
  }
  return { required, forbidden };
}

/**
 * `member_of=in:A,B` (any of) or `member_of=A`; repeated (1.24) they AND together.
 * Before 1.24 only one may be given.
 */
export function memberOfParam(values: string[], allowMultiple: boolean): string[][] {
  if (values.length > 1 && !allowMultiple) throw new BadRequest('Multiple member_of parameters are not supported');
  return values.map((v) => {
    const list = v.startsWith('in:') ? v.slice(3).split(',') : [v];
    if (!list.every((u) => UUID.test(u))) {
      throw coded(new BadRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${v}`), CODES.badQueryValue);
    }
    return list;
  });
}

export function uuidParam(v: string, what: string): string {
  if (!UUID.test(v)) throw new BadRequest(`Invalid query string parameters: '${v}' is not a 'uuid' (${what})`);
  return v;
}
