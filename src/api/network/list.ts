import { BadRequest } from '../../platform/errors.ts';
import { nextLink, parseLimit, pickFields } from '../../platform/pagination.ts';
import type { Query } from '../query.ts';
import { one } from '../query.ts';

type Item = Record<string, unknown> & { id: string };

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

const all = (q: Query, key: string): string[] => {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Neutron compares filter strings with attribute values after converting them to the attribute's type. */
function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((v) => matches(v, wanted));
  if (value === null || value === undefined) return wanted === '' || wanted === 'None';
  if (typeof value === 'boolean') return wanted.toLowerCase() === String(value);
  if (typeof value === 'number') return Number(wanted) === value;
  if (typeof value === 'object') return false;
  return String(value) === wanted;
}

/** `fixed_ips=ip_address=10.0.0.5` / `subnet_id=...` / `ip_address_substr=...`: Neutron's structured port filter. */
function matchesFixedIp(value: unknown, wanted: string): boolean {
  const [key, v = ''] = wanted.split(/=(.*)/s) as [string, string?];
  const ips = (value as { subnet_id: string; ip_address: string }[]) ?? [];
  if (key === 'ip_address_substr') return ips.some((ip) => ip.ip_address.includes(v));
  if (key !== 'ip_address' && key !== 'subnet_id') throw new BadRequest(`Invalid input for operation: '${wanted}' is not a valid fixed_ips filter.`);
  return ips.some((ip) => ip[key] === v);
}

function tagFilter(q: Query): (tags: string[]) => boolean {
  const list = (k: string) => all(q, k).flatMap((v) => v.split(',')).filter(Boolean);
  const [every, any, notEvery, notAny] = ['tags', 'tags-any', 'not-tags', 'not-tags-any'].map(list) as [string[], string[], string[], string[]];
  return (tags) => every.every((t) => tags.includes(t))
    && (any.length === 0 || any.some((t) => tags.includes(t)))
    && (notEvery.length === 0 || !notEvery.every((t) => tags.includes(t)))
    && !notAny.some((t) => tags.includes(t));
}

/**
 * A Neutron list response: attribute filters (repeated values are alternatives), tag filters,
 * `sort_key`/`sort_dir`, `limit`/`marker`/`page_reverse` with `<collection>_links`, and `fields`.
 */
export function listBody(collection: string, items: Item[], q: Query, url: string): Record<string, unknown> {
  let out = items;
  for (const [key, raw] of Object.entries(q)) {
    if (RESERVED.has(key) || raw === undefined) continue;
    const wanted = Array.isArray(raw) ? raw : [raw];
    if (key === 'fixed_ips') out = out.filter((i) => wanted.every((w) => matchesFixedIp(i.fixed_ips, w)));
    else if (items.length === 0 || key in items[0]!) out = out.filter((i) => wanted.some((w) => matches(i[key], w)));
  }
  const tagged = tagFilter(q);
  out = out.filter((i) => !Array.isArray(i.tags) || tagged(i.tags as string[]));

  const keys = all(q, 'sort_key');
  const dirs = all(q, 'sort_dir');
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid input for operation: '${d}' is not a valid sort direction.`);
  if (keys.length !== dirs.length && dirs.length > 0) throw new BadRequest('The number of sort_keys and sort_dirs must be same');
  for (const k of keys) if (out.length > 0 && !(k in out[0]!)) throw new BadRequest(`${k} is invalid attribute for sort_keys`);
  const order: [string, number][] = [...keys.map((k, i): [string, number] => [k, dirs[i] === 'desc' ? -1 : 1]), ['id', dirs.at(-1) === 'desc' ? -1 : 1]];
  const reverse = one(q, 'page_reverse')?.toLowerCase() === 'true';
  out = [...out].sort((a, b) => {
    for (const [k, dir] of order) {
      const x = a[k] as never;
      const y = b[k] as never;
      if (x === y) continue;
      return (x === null ? -1 : y === null ? 1 : x < y ? -1 : 1) * dir * (reverse ? -1 : 1);
    }
    return 0;
  });

  const limit = parseLimit(one(q, 'limit'));
  const marker = one(q, 'marker');
  let start = 0;
  if (marker !== undefined) {
    const at = out.findIndex((i) => i.id === marker);
    // Neutron pages from where the marker would sort; a vanished marker restarts from the top.
    start = at < 0 ? 0 : at + 1;
  }
  const page = limit === undefined || limit === 0 ? out.slice(start) : out.slice(start, start + limit);
  const links: { rel: string; href: string }[] = [];
  if (limit && page.length > 0 && start + limit < out.length) links.push({ rel: reverse ? 'previous' : 'next', href: nextLink(url, page.at(-1)!.id) });
  if (limit && marker !== undefined && page.length > 0) {
    const prev = new URL(nextLink(url, page[0]!.id));
    prev.searchParams.set('page_reverse', String(!reverse));
    links.push({ rel: reverse ? 'next' : 'previous', href: prev.toString() });
  }
  const rendered = (reverse ? [...page].reverse() : page).map((i) => project(i, all(q, 'fields')));
  const body: Record<string, unknown> = { [collection]: rendered };
  if (links.length > 0) body[`${collection}_links`] = links;
  return body;
}

/** `fields=` keeps only those attributes (Neutron always includes nothing else). */
export function project(item: Item, fields: string[]): Record<string, unknown> {
  return pickFields(item, fields.flatMap((f) => f.split(',')).filter(Boolean));
}
