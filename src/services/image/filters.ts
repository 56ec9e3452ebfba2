import { BadRequest } from '../../platform/errors.ts';
import { parseLimit, parseSort, type PageRequest, type SortDir } from '../../platform/pagination.ts';
import { parseTimestamp } from '../../platform/time.ts';
import { MEMBER_STATUSES, STATUSES, VISIBILITIES, type Image } from './model.ts';

/**
 * `GET /v2/images` filters, as Glance reads them: plain equality on attributes and on any free
 * property, `in:a,b` on the list-friendly attributes, `size_min`/`size_max`, operators on the
 * timestamps, repeated `tag`, and `os_hidden` that defaults to false.
 */
export interface ImageFilters {
  equal: Record<string, string[]>;
  properties: Record<string, string>;
  tags: string[];
  sizeMin?: number;
  sizeMax?: number;
  times: { field: 'created_at' | 'updated_at'; op: TimeOp; at: number }[];
  osHidden: boolean;
  protected?: boolean;
  /** `undefined` and `all` do not narrow by visibility. */
  visibility?: string;
  memberStatus: string;
}

type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
const TIME_OPS: readonly TimeOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

/** Attributes compared as text, where `in:` lists are allowed. */
const EQUALITY = ['id', 'name', 'status', 'owner', 'checksum', 'os_hash_value', 'disk_format', 'container_format'] as const;
/** Parameters that steer the listing itself rather than filter images. */
const NOT_FILTERS = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status'];

export type Query = Record<string, string | string[] | undefined>;

/** Glance's `limit_param_default` and `api_limit_max`. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

export interface ListQuery {
  filters: ImageFilters;
  sort: [string, SortDir][];
  page: PageRequest;
}

export function parseListQuery(q: Query): ListQuery {
  const marker = q.marker === undefined ? undefined : last(q.marker);
  const limit = parseLimit(q.limit === undefined ? undefined : last(q.limit), MAX_LIMIT) ?? DEFAULT_LIMIT;
  return { filters: parseFilters(q), sort: parseSorting(q), page: marker === undefined ? { limit } : { limit, marker } };
}

const last = (v: string | string[]): string => (Array.isArray(v) ? v.at(-1)! : v);
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function parseFilters(q: Query): ImageFilters {
  const f: ImageFilters = { equal: {}, properties: {}, tags: [], times: [], osHidden: false, memberStatus: 'accepted' };
  for (const [key, raw] of Object.entries(q)) {
    if (raw === undefined || NOT_FILTERS.includes(key)) continue;
    if (key === 'changes-since') throw new BadRequest('The "changes-since" filter is no longer available on v2.');
    if (key === 'tag') f.tags = all(raw).map((t) => t.trim());
    else if (key === 'visibility') f.visibility = oneOf('visibility', last(raw), [...VISIBILITIES, 'all']);
    else if (key === 'os_hidden') f.osHidden = boolFilter('os_hidden', last(raw));
    else if (key === 'protected') f.protected = boolFilter('protected', last(raw));
    else if (key === 'size_min') f.sizeMin = rangeValue(last(raw));
    else if (key === 'size_max') f.sizeMax = rangeValue(last(raw));
    else if (key === 'created_at' || key === 'updated_at') f.times.push(timeFilter(key, last(raw)));
    else if ((EQUALITY as readonly string[]).includes(key)) f.equal[key] = inList(last(raw));
    else f.properties[key] = last(raw);
  }
  if (f.equal.status) for (const s of f.equal.status) oneOf('status', s, STATUSES);
  const memberStatus = q.member_status === undefined ? 'accepted' : last(q.member_status);
  f.memberStatus = oneOf('status', memberStatus, [...MEMBER_STATUSES, 'all']);
  return f;
}

function oneOf(what: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new BadRequest(`Invalid ${what} value: ${value}`);
  return value;
}

function boolFilter(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new BadRequest(`Invalid value '${value}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return v === 'true';
}

function rangeValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new BadRequest('Unable to filter on a range with a non-numeric value.');
  return n;
}

/** `in:"a,b",c` lists; quotes keep commas inside a value. Anything else is one exact value. */
export function inList(value: string): string[] {
  if (!value.startsWith('in:')) return [value];
  const out: string[] = [];
  for (const m of value.slice(3).matchAll(/"([^"]*)"|([^,]+)/g)) out.push((m[1] ?? m[2]!).trim());
  return out;
}

function timeFilter(field: 'created_at' | 'updated_at', value: string): ImageFilters['times'][number] {
  const colon = value.indexOf(':');
  const maybeOp = colon > 0 ? value.slice(0, colon) : '';
  const op: TimeOp = (TIME_OPS as readonly string[]).includes(maybeOp) ? (maybeOp as TimeOp) : 'eq';
  const text = op === maybeOp ? value.slice(colon + 1) : value;
  const at = parseTimestamp(text);
  if (!at) throw new BadRequest(`Invalid filter value ${text}. The time is not in ISO 8601 format.`);
  return { field, op, at: at.getTime() };
}

/** Whether an image passes every filter (visibility and membership are the caller's business). */
export function matches(image: Image, f: ImageFilters): boolean {
  for (const [key, values] of Object.entries(f.equal)) {
    const actual = image[key as (typeof EQUALITY)[number]];
    if (actual === null || !values.includes(actual)) return false;
  }
  for (const [key, value] of Object.entries(f.properties)) if (image.properties[key] !== value) return false;
  if (!f.tags.every((t) => image.tags.includes(t))) return false;
  if (image.os_hidden !== f.osHidden) return false;
  if (f.protected !== undefined && image.protected !== f.protected) return false;
  if (f.visibility !== undefined && f.visibility !== 'all' && image.visibility !== f.visibility) return false;
  if (f.sizeMin !== undefined && (image.size === null || image.size < f.sizeMin)) return false;
  if (f.sizeMax !== undefined && (image.size === null || image.size > f.sizeMax)) return false;
  // Clients see whole seconds, so an image created within the named second is `eq` to it.
  return f.times.every(({ field, op, at }) => compare(Math.floor(Date.parse(image[field]) / 1000) * 1000, op, at));
}

function compare(x: number, op: TimeOp, y: number): boolean {
  switch (op) {
    case 'gt': return x > y;
    case 'gte': return x >= y;
    case 'lt': return x < y;
    case 'lte': return x <= y;
    case 'eq': return x === y;
    case 'neq': return x !== y;
  }
}

/** Glance's sortable attributes. */
export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;

/**
 * Sorting in both of Glance's syntaxes (`sort=name:asc,size` or repeated `sort_key`/`sort_dir`);
 * the default is newest first, and `created_at` then `id` always break ties so paging is stable.
 */
export function parseSorting(q: Query): [string, SortDir][] {
  let keys: string[];
  let dirs: string[];
  if (q.sort !== undefined) {
    if (q.sort_key !== undefined || q.sort_dir !== undefined) throw new BadRequest('Old and new sorting syntax cannot be combined');
    const parts = last(q.sort).trim().split(',').map((p) => p.split(':'));
    keys = parts.map(([k]) => k!.trim());
    dirs = parts.map(([, d]) => (d ?? 'desc').trim());
  } else {
    keys = all(q.sort_key).map((k) => k.trim());
    dirs = all(q.sort_dir).map((d) => d.trim());
    if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  }
  if (keys.length === 0) keys = ['created_at'];
  const sort = parseSort(keys, dirs.length ? dirs : ['desc'], SORT_KEYS);
  const fallback: SortDir = dirs.length === 1 ? sort[0]![1] : 'desc';
  for (const key of ['created_at', 'id']) if (!keys.includes(key)) sort.push([key, fallback]);
  return sort;
}
