import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { projectContext } from '../../platform/auth.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { Caller, ObjectBackend } from '../../services/object-storage/types.ts';
import type { TempUrlGrant } from './context.ts';
import { SwiftError } from './errors.ts';
import type { SwiftPath } from './path.ts';
import { quote, titleCase } from './wire.ts';

export type Digest = 'sha1' | 'sha256' | 'sha512';

/** Swift's defaults, also published by `/info`. */
export const TEMP_URL_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
export const ALLOWED_DIGESTS: Digest[] = ['sha1', 'sha256', 'sha512'];
/** Headers a temp URL PUT or POST may not carry: they would point at data the URL does not grant. */
const DISALLOWED_HEADERS = ['x-object-manifest', 'x-symlink-target'];

export function isTempUrl(query: URLSearchParams): boolean {
  return query.has('temp_url_sig') || query.has('temp_url_expires');
}

/** The 401 Swift's tempurl middleware answers for anything wrong with a temp URL. */
function invalidTempUrl(method: string): SwiftError {
  return new SwiftError(401, method === 'HEAD' ? undefined : '401 Unauthorized: Temp URL invalid\n');
}

/**
 * `temp_url_expires` as seconds since the epoch: an integer, or ISO 8601 `YYYY-MM-DDTHH:MM:SSZ`;
 * 0 when it is neither or already past (which makes the URL invalid).
 */
export function parseExpires(value: string | null, now: number): number {
  let seconds = 0;
  if (value && /^\d+$/.test(value)) seconds = Number(value);
  else if (value && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(value)) seconds = Date.parse(value) / 1000 || 0;
  return seconds < now / 1000 ? 0 : seconds;
}

/**
 * A signature as the client sent it: hex for SHA-1 (40) and SHA-256 (64), or
 * `<digest>:<base64>` (URL-safe alphabet allowed, padding optional), which SHA-512 requires.
 */
export function parseSignature(sig: string): { digest: string; hex: string } | undefined {
  const colon = sig.indexOf(':');
  if (colon >= 0) {
    let b64 = sig.slice(colon + 1);
    if (/[-_]/.test(b64) && !/[+/]/.test(b64)) b64 = b64.replace(/-/g, '+').replace(/_/g, '/');
    b64 = b64.replace(/=+$/, '');
    if (!/^[A-Za-z0-9+/]*$/.test(b64) || b64.length % 4 === 1) return undefined;
    return { digest: sig.slice(0, colon), hex: Buffer.from(b64, 'base64').toString('hex') };
  }
  if (!/^[0-9a-fA-F]*$/.test(sig)) return undefined;
  if (sig.length === 40) return { digest: 'sha1', hex: sig.toLowerCase() };
  if (sig.length === 64) return { digest: 'sha256', hex: sig.toLowerCase() };
  return undefined;
}

/** The HMAC over `METHOD\nEXPIRES\nPATH`, hex. */
export function tempUrlHmac(digest: Digest, key: string, method: string, expires: number, path: string): string {
  return createHmac(digest, key).update(`${method}\n${expires}\n${path}`).digest('hex');
}

function equalHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function keysOf(meta: Record<string, string>): string[] {
  return [meta['temp-url-key'], meta['temp-url-key-2']].filter((k): k is string => Boolean(k));
}

export interface TempUrlRequest {
  objects: ObjectBackend;
  method: string;
  headers: IncomingHttpHeaders;
  path: SwiftPath;
  projectId: string;
  query: URLSearchParams;
  /** Where the plugin is mounted (`/swift`): clients sign the path with or without it. */
  mount: string;
  now: number;
}

/**
 * Checks a temp URL as Swift's tempurl middleware does and returns who it acts as (the account's
 * project, with a member's rights) and what it grants. The keys are the account's and the
 * container's `Temp-URL-Key` and `Temp-URL-Key-2`; a key of the container grants that container only.
 */
export async function authorizeTempUrl(r: TempUrlRequest): Promise<{ caller: Caller; grant: TempUrlGrant }> {
  const invalid = invalidTempUrl(r.method);
  const sig = r.query.get('temp_url_sig');
  const expires = parseExpires(r.query.get('temp_url_expires'), r.now);
  const prefix = r.query.get('temp_url_prefix') ?? undefined;
  const { version, account, container, object } = r.path;
  if (!sig || !expires) throw invalid;
  const parsed = parseSignature(sig);
  if (!parsed || !(ALLOWED_DIGESTS as string[]).includes(parsed.digest)) throw invalid;
  const digest = parsed.digest as Digest;
  if (!TEMP_URL_METHODS.includes(r.method) || version !== 'v1' || !container || !object?.replace(/\//g, '')) throw invalid;
  if (prefix !== undefined && !object.startsWith(prefix)) throw invalid;

  const caller = projectContext(r.projectId, ['member']);
  const keys: { key: string; scope: TempUrlGrant['scope'] }[] = [];
  const owner = await r.objects.getAccount(caller, r.projectId);
  keys.push(...keysOf(owner.meta).map((key) => ({ key, scope: 'account' as const })));
  const bucket = await r.objects.getBucket(caller, container).catch((err: unknown) => {
    if (err instanceof ObjectError) return undefined;
    throw err;
  });
  if (bucket?.projectId === r.projectId) keys.push(...keysOf(bucket.meta).map((key) => ({ key, scope: 'container' as const })));
  if (!keys.length) throw invalid;

  const signed = prefix === undefined ? `/v1/${account}/${container}/${object}` : `prefix:/v1/${account}/${container}/${prefix}`;
  const paths = [signed, signed.replace('/v1/', `${r.mount}/v1/`)];
  const methods = r.method === 'HEAD' ? ['HEAD', 'GET', 'POST', 'PUT'] : [r.method];
  const match = keys.find(({ key }) => methods.some((m) => paths.some((p) => equalHex(parsed.hex, tempUrlHmac(digest, key, m, expires, p)))));
  if (!match) throw invalid;

  if (r.method !== 'GET' && r.method !== 'HEAD') {
    const bad = DISALLOWED_HEADERS.find((h) => r.headers[h] !== undefined);
    if (bad) throw new SwiftError(400, `The header '${titleCase(bad)}' is not allowed in this tempurl`);
  }
  const filename = r.query.get('filename') ?? undefined;
  return { caller, grant: { scope: match.scope, container, expires, filename, inline: r.query.has('inline') } };
}

function disposition(type: string, filename: string): string {
  return `${type}; filename="${quote(filename).replace(/%20/g, ' ')}"; filename*=UTF-8''${quote(filename)}`;
}

/**
 * What a successful temp URL GET or HEAD sends besides the object: user metadata only under
 * `X-Object-Meta-Public-*`, a Content-Disposition (the URL's `inline`/`filename`, else the
 * object's own, else an attachment named after the object) and an `Expires` at the URL's expiry.
 */
export function tempUrlHeaders(grant: TempUrlGrant, object: string, headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let existing: string | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-disposition') existing = value;
    else if (!lower.startsWith('x-object-meta-') || lower.startsWith('x-object-meta-public-')) out[name] = value;
  }
  const basename = object.replace(/\/+$/, '').split('/').pop() ?? '';
  out['Content-Disposition'] = grant.inline
    ? (grant.filename ? disposition('inline', grant.filename) : 'inline')
    : grant.filename ? disposition('attachment', grant.filename) : existing ?? disposition('attachment', basename);
  out.Expires = new Date(grant.expires * 1000).toUTCString();
  return out;
}
