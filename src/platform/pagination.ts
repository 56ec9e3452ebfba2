import { BadRequest } from './errors.ts';

/**
 * OpenStack list conventions shared by Nova, Neutron, Cinder and Glance: `limit`/`marker` paging
 * with a `next` link, `sort_key`/`sort_dir` (repeatable) and `fields` projection.
 */
export interface PageRequest {
  limit?: number;
  marker?: string;
}

export interface Page<T> {
  items: T[];
  /** The marker for the next page, when there may be one. */
  nextMarker?: string;
}

export function parseLimit(value: string | undefined, max = 1000): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`Invalid limit '${value}': it must be a non-negative integer.`);
  return Math.min(n, max);
}

/** Pages a sorted list; an unknown marker is a 400 as in Nova and Neutron. */
export function paginate<T extends { id: string }>(sorted: T[], req: PageRequest): Page<T> {
  let start = 0;
  if (req.marker !== undefined) {
    const at = sorted.findIndex((x) => x.id === req.marker);
    if (at < 0) throw new BadRequest(`marker [${req.marker}] not found`);
    start = at + 1;
  }
  if (req.limit === undefined) return { items: sorted.slice(start) };
  const items = sorted.slice(start, start + req.limit);
  const more = start + req.limit < sorted.length;
  return more && items.length > 0 ? { items, nextMarker: items.at(-1)!.id } : { items };
}

/** `next` link: the request URL with `marker` replaced. */
export function nextLink(url: string, marker: string): string {
  const u = new URL(url);
  u.searchParams.set('marker', marker);
  return u.toString();
}

export type SortDir = 'asc' | 'desc';

/** Pairs `sort_key`s with `sort_dir`s (missing directions default to the last given, or asc). */
export function parseSort(keys: string[], dirs: string[], allowed: readonly string[]): [string, SortDir][] {
  return keys.map((key, i) => {
    if (!allowed.includes(key)) throw new BadRequest(`Invalid sort key '${key}'; allowed: ${allowed.join(', ')}.`);
    const dir = (dirs[i] ?? dirs.at(-1) ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction '${dir}': use asc or desc.`);
    return [key, dir];
  });
}

export function sortBy<T extends Record<string, unknown>>(items: T[], sort: [string, SortDir][]): T[] {
  return [...items].sort((a, b) => {
    for (const [key, dir] of sort) {
      const x = a[key];
      const y = b[key];
      if (x === y) continue;
      const c = x === null || x === undefined ? -1 : y === null || y === undefined ? 1 : x < y ? -1 : 1;
      return dir === 'asc' ? c : -c;
    }
    return 0;
  });
}

/** Neutron-style `fields=` projection; no fields means the whole object. */
export function pickFields<T extends Record<string, unknown>>(item: T, fields: string[]): Partial<T> {
  if (fields.length === 0) return item;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]])) as Partial<T>;
}
