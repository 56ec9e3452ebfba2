import { createHmac } from 'node:crypto';
import { percentDecode } from './canonical.ts';
import { accessDenied, invalidArgument, isoTime, MAX_SKEW_MS, missingDate, requestExpired, signatureDoesNotMatch, timeTooSkewed } from './errors.ts';
import { header, headerValues, type SignedRequest } from './request.ts';
import { parseHttpDate, sameSignature } from './sigv4.ts';

/**
 * Query parameters that name a sub-resource and so belong to the signed resource: the list
 * botocore signs, which is what Amazon S3 checks (s3cmd's shorter list differs only in
 * parameters it never sends with SigV2).
 */
const SUBRESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'defaultObjectAcl', 'delete', 'inventory', 'lifecycle', 'location', 'logging',
  'metrics', 'notification', 'object-lock', 'partNumber', 'policy', 'replication', 'requestPayment', 'restore', 'select',
  'select-type', 'storageClass', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires',
]);

/** A SigV2 signature as the request states it. */
export interface SigV2Claim {
  kind: 'header' | 'query';
  accessKey: string;
  signature: string;
  /** Header auth: the request time. */
  time?: Date;
  rawTime?: string;
  /** Presigned: the `Expires` parameter as sent (seconds since the epoch), which is signed in place of the date. */
  expires?: string;
}

const AUTHORIZATION_FORMAT = 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature';

/** `Authorization: AWS <access key>:<base64 HMAC-SHA1>`. */
export function parseV2Header(req: SignedRequest, authorization: string): SigV2Claim {
  const credentials = authorization.slice(4).trim();
  const colon = credentials.lastIndexOf(':');
  if (colon <= 0 || colon === credentials.length - 1) throw invalidArgument(AUTHORIZATION_FORMAT, 'Authorization', authorization);
  // x-amz-date wins over Date, for clients (browsers) that cannot set Date.
  const rawTime = header(req, 'x-amz-date') ?? header(req, 'date');
  const time = rawTime === undefined ? undefined : parseHttpDate(rawTime);
  if (!time) throw missingDate();
  return { kind: 'header', accessKey: credentials.slice(0, colon), signature: credentials.slice(colon + 1), time, rawTime };
}

/** Presigned: `AWSAccessKeyId`, `Expires`, `Signature`. */
export function parseV2Query(params: Map<string, string>): SigV2Claim {
  const accessKey = params.get('AWSAccessKeyId');
  const expires = params.get('Expires');
  const signature = params.get('Signature');
  if (!accessKey || expires === undefined || !signature) {
    throw accessDenied('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  return { kind: 'query', accessKey, signature, expires };
}

export function checkTimeV2(claim: SigV2Claim, now: Date): void {
  if (claim.kind === 'header') {
    if (Math.abs(now.getTime() - claim.time!.getTime()) > MAX_SKEW_MS) throw timeTooSkewed(claim.rawTime!, now);
    return;
  }
  const seconds = /^\d+$/.test(claim.expires!) ? Number(claim.expires) : NaN;
  if (!(seconds * 1000 >= now.getTime())) {
    throw requestExpired({ Expires: Number.isNaN(seconds) ? claim.expires! : isoTime(new Date(seconds * 1000)), ServerTime: isoTime(now) });
  }
}

export function verifySigV2(req: SignedRequest, claim: SigV2Claim, secret: string): void {
  // A presigned signature may arrive with `+` as a space when a client forgot to escape it.
  const provided = claim.kind === 'query' ? claim.signature.replace(/ /g, '+') : claim.signature;
  const candidates = resourcePaths(req).map((path) => stringToSignV2(req, claim, path));
  const matches = candidates.some((stringToSign) => sameSignature(createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64'), provided));
  if (!matches) throw signatureDoesNotMatch({ accessKey: claim.accessKey, stringToSign: candidates[0]!, signature: provided });
}

/**
 * Method, Content-MD5, Content-Type, the date (empty when x-amz-date is sent; Expires when
 * presigned), the x-amz-* headers (repeated values joined by `,`), then the resource. A
 * presigned URL may carry the headers it signed as query parameters (botocore moves them there).
 */
function stringToSignV2(req: SignedRequest, claim: SigV2Claim, path: string): string {
  const fromQuery = claim.kind === 'query' ? rawParams(req.rawQuery) : new Map<string, string>();
  const value = (name: string) => {
    const values = fromQuery.has(name) ? [fromQuery.get(name)!] : headerValues(req, name) ?? [];
    return values.map((v) => v.trim()).join(',');
  };
  const amz = new Set([...Object.keys(req.headers), ...fromQuery.keys()].filter((name) => name.startsWith('x-amz-')));
  const date = claim.kind === 'query' ? claim.expires! : header(req, 'x-amz-date') !== undefined ? '' : value('date');
  let out = `${req.method}\n${value('content-md5')}\n${value('content-type')}\n${date}\n`;
  for (const name of [...amz].sort()) out += `${name}:${value(name)}\n`;
  return out + path + subresources(req.rawQuery);
}

/**
 * The path as sent, prefixed by the bucket for virtual hosting. A bucket's own resource is
 * `/bucket/`, which clients sign whether the path they send is `/bucket` or `/bucket/`; some
 * older ones sign the path as sent, so a bare `/bucket` is tried both ways.
 */
function resourcePaths(req: SignedRequest): string[] {
  if (req.bucketFromHost !== undefined) return [`/${req.bucketFromHost}${req.rawPath}`];
  return /^\/[^/]+$/.test(req.rawPath) ? [`${req.rawPath}/`, req.rawPath] : [req.rawPath];
}

/** The sub-resources, sorted by name, as `?name[=value]&...`; values decoded. */
function subresources(rawQuery: string): string {
  const found: [string, string][] = [];
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), false).toString('utf8');
    if (!SUBRESOURCES.has(name)) continue;
    found.push([name, eq < 0 ? name : `${name}=${percentDecode(pair.slice(eq + 1), false).toString('utf8')}`]);
  }
  if (!found.length) return '';
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `?${found.map(([, text]) => text).join('&')}`;
}

/** Query parameters by lower-case name, decoded without turning `+` into a space (as botocore signs them). */
function rawParams(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    out.set(percentDecode(pair.slice(0, eq), false).toString('utf8').toLowerCase(), percentDecode(pair.slice(eq + 1), false).toString('utf8'));
  }
  return out;
}
