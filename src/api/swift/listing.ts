import { SwiftError } from './errors.ts';
import { isTrue } from './wire.ts';

/** Swift's listing limit for accounts and containers (`/info`'s `*_listing_limit`). */
export const LISTING_LIMIT = 10000;

const OFFERS = ['text/plain', 'application/json', 'application/xml', 'text/xml'] as const;
export type ListingFormat = (typeof OFFERS)[number];

const FORMATS: Record<string, ListingFormat> = { plain: 'text/plain', json: 'application/json', xml: 'application/xml' };

/**
 * The listing's media type: `format=` wins (anything unknown is plain), then the best offer the
 * Accept header takes, in Swift's order of preference; nothing acceptable is a 406.
 */
export function listingFormat(format: string | null, accept: string | undefined): ListingFormat {
  if (format) return FORMATS[format.toLowerCase()] ?? 'text/plain';
  if (!accept?.trim()) return 'text/plain';
  const ranges = accept.split(',').map((part, index) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const q = params.map((p) => /^q=([\d.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { type: type.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
  }).filter((r) => r.type && r.q > 0);
  ranges.sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const [major, minor] = range.type.split('/');
    const offer = OFFERS.find((o) => {
      const [oMajor, oMinor] = o.split('/');
      return (major === '*' || major === oMajor) && (minor === '*' || minor === oMinor);
    });
    if (offer) return offer;
  }
  throw new SwiftError(406);
}

export interface ListingParams {
  limit: number;
  marker?: string;
  endMarker?: string;
  prefix?: string;
  delimiter?: string;
  /** Only the objects directly in this pseudo-directory (container listings). */
  path?: string;
  reverse: boolean;
}

/** The listing query as Swift reads it; a limit that is not all digits is ignored, as Swift ignores it. */
export function listingParams(query: URLSearchParams): ListingParams {
  const given = query.get('limit');
  let limit = LISTING_LIMIT;
  if (given && /^\d+$/.test(given)) {
    limit = Number(given);
    if (limit > LISTING_LIMIT) throw new SwiftError(412, `Maximum limit is ${LISTING_LIMIT}`);
  }
  const delimiter = query.get('delimiter') || undefined;
  if (delimiter !== undefined && (delimiter.length > 1 || delimiter.charCodeAt(0) > 254)) throw new SwiftError(412, 'Bad delimiter');
  return {
    limit,
    marker: query.get('marker') || undefined,
    endMarker: query.get('end_marker') || undefined,
    prefix: query.get('prefix') || undefined,
    delimiter,
    path: query.get('path') ?? undefined,
    reverse: isTrue(query.get('reverse')),
  };
}

/** Names order as their UTF-8 bytes do, as the backend (and Swift's databases) order them. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface Subdir {
  subdir: string;
}

export interface ContainerRecord {
  name: string;
  count: number;
  bytes: number;
  last_modified: string;
}

export interface ObjectRecord {
  name: string;
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
  /** The large object's ETag (quoted) for a static large object's manifest. */
  slo_etag?: string;
}

/**
 * One page of an in-memory listing (the account's containers), as Swift's databases page:
 * names after `marker` and before `end_marker` (the other way round with `reverse`) under
 * `prefix`; with a delimiter, the names beyond it roll up into one `subdir` each, except the
 * one equal to the marker (where the previous page stopped).
 */
export function listingPage<T extends { name: string }>(sorted: T[], p: ListingParams): (T | Subdir)[] {
  const prefix = p.prefix ?? '';
  const inWindow = (name: string) => p.reverse
    ? (p.marker === undefined || compareNames(name, p.marker) < 0) && (p.endMarker === undefined || compareNames(name, p.endMarker) > 0)
    : (p.marker === undefined || compareNames(name, p.marker) > 0) && (p.endMarker === undefined || compareNames(name, p.endMarker) < 0);
  const ordered = p.reverse ? [...sorted].reverse() : sorted;
  const page: (T | Subdir)[] = [];
  let lastSubdir: string | undefined;
  for (const item of ordered) {
    if (page.length >= p.limit) break;
    if (!item.name.startsWith(prefix) || !inWindow(item.name)) continue;
    const cut = p.delimiter === undefined ? -1 : item.name.indexOf(p.delimiter, prefix.length);
    if (cut < 0) {
      page.push(item);
      continue;
    }
    const subdir = item.name.slice(0, cut + 1);
    if (subdir !== lastSubdir && subdir !== p.marker) page.push({ subdir });
    lastSubdir = subdir;
  }
  return page;
}

export type ListingEntry = ContainerRecord | ObjectRecord | Subdir;

/** A listing body in the negotiated format, as Swift's `listing_formats` renders it. */
export function renderListing(format: ListingFormat, level: 'account' | 'container', name: string, entries: ListingEntry[]): string {
  if (format === 'application/json') return JSON.stringify(entries);
  if (format === 'text/plain') return entries.map((e) => `${'subdir' in e ? e.subdir : e.name}\n`).join('');
  return level === 'account' ? accountXml(name, entries) : containerXml(name, entries);
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function element(tag: string, text: string | number): string {
  return `<${tag}>${escapeText(String(text))}</${tag}>`;
}

/** ElementTree's layout for accounts: every child on its own line. */
function accountXml(account: string, entries: ListingEntry[]): string {
  const children = entries.map((e) => {
    if ('subdir' in e) return `<subdir name="${escapeAttribute(e.subdir)}" />\n`;
    const c = e as ContainerRecord;
    return `<container>${element('name', c.name)}${element('count', c.count)}${element('bytes', c.bytes)}${element('last_modified', c.last_modified)}</container>\n`;
  });
  return `${XML_DECLARATION}<account name="${escapeAttribute(account)}">\n${children.join('')}</account>`;
}

/** ElementTree's layout for containers: no whitespace between elements. */
function containerXml(container: string, entries: ListingEntry[]): string {
  const open = `<container name="${escapeAttribute(container)}"`;
  if (entries.length === 0) return `${XML_DECLARATION}${open} />`;
  const children = entries.map((e) => {
    if ('subdir' in e) return `<subdir name="${escapeAttribute(e.subdir)}">${element('name', e.subdir)}</subdir>`;
    const o = e as ObjectRecord;
    return `<object>${element('name', o.name)}${element('hash', o.hash)}${element('bytes', o.bytes)}${element('content_type', o.content_type)}${element('last_modified', o.last_modified)}</object>`;
  });
  return `${XML_DECLARATION}${open}>${children.join('')}</container>`;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#09;');
}
