/** Query-string helpers shared by every OpenStack API plugin. */
export type Query = Record<string, string | string[] | undefined>;

/** The last value of a parameter given once or repeated. */
export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v.at(-1) : v;
}

/** OpenStack reads `enabled=false|0|no|off` as false and any other given value as true. */
export function flagParam(q: Query, key: string): boolean | undefined {
  const v = one(q, key);
  if (v === undefined) return undefined;
  return !['false', '0', 'no', 'off', 'f', 'n'].includes(v.toLowerCase());
}

/** A comma-separated list parameter (`tags=a,b`), or undefined. */
export function listParam(q: Query, key: string): string[] | undefined {
  const v = one(q, key);
  return v === undefined ? undefined : v.split(',').filter(Boolean);
}
