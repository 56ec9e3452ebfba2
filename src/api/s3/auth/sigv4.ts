import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { S3Error } from '../s3-error.ts';
import { canonicalHeaders, canonicalQuery, canonicalUri } from './canonical.ts';
import type { ChunkSigner } from './chunked.ts';
import {
  accessDenied, headerMalformed, invalidRequest, isoTime, MAX_SKEW_MS, missingDate, queryMalformed, requestExpired,
  signatureDoesNotMatch, timeTooSkewed,
} from './errors.ts';
import { header, type SignedRequest } from './request.ts';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Presigned URLs live at most a week. */
const MAX_EXPIRES = 604800;

/** A SigV4 signature as the request states it, before the secret is known. */
export interface SigV4Claim {
  kind: 'header' | 'query';
  accessKey: string;
  /** `YYYYMMDD/region/s3/aws4_request`. */
  scope: string;
  signedHeaders: string[];
  signature: string;
  /** The request time in ISO 8601 basic form, as it enters the string to sign. */
  amzDate: string;
  time: Date;
  /** The header that carried the time, echoed in RequestTimeTooSkewed. */
  rawTime: string;
  /** The canonical request's last line: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* type. */
  payloadHash: string;
  /** Presigned validity in seconds. */
  expires?: number;
}

const CREDENTIAL_FORMAT = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
const THREE_COMPONENTS = 'the authorization header requires three components: Credential, SignedHeaders, and Signature.';

/** `Authorization: AWS4-HMAC-SHA256 Credential=AK/date/region/s3/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseHeaderAuth(req: SignedRequest, authorization: string): SigV4Claim {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(SIGV4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw headerMalformed(THREE_COMPONENTS);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (fields.size !== 3 || credential === undefined || !signedHeaders || signature === undefined) {
    throw headerMalformed(THREE_COMPONENTS);
  }
  const { accessKey, date, scope } = parseCredential(credential, headerMalformed);

  const amzDate = header(req, 'x-amz-date');
  const httpDate = header(req, 'date');
  const time = amzDate !== undefined ? parseAmzDate(amzDate) : httpDate !== undefined ? parseHttpDate(httpDate) : undefined;
  if (!time) throw missingDate();
  const stamp = basicIso(time);
  if (date !== stamp.slice(0, 8)) throw headerMalformed('Invalid credential date. Date is not the same as X-Amz-Date.');

  const payloadHash = header(req, 'x-amz-content-sha256');
  if (payloadHash === undefined) throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
  return {
    kind: 'header', accessKey, scope, signedHeaders: signedHeaders.split(';'), signature,
    amzDate: amzDate ?? stamp, time, rawTime: (amzDate ?? httpDate)!, payloadHash,
  };
}

/** Presigned: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`. */
export function parseQueryAuth(req: SignedRequest, params: Map<string, string>): SigV4Claim {
  const algorithm = params.get('X-Amz-Algorithm');
  const credential = params.get('X-Amz-Credential');
  const amzDate = params.get('X-Amz-Date');
  const expiresText = params.get('X-Amz-Expires');
  const signedHeaders = params.get('X-Amz-SignedHeaders');
  const signature = params.get('X-Amz-Signature');
  if (algorithm === undefined || credential === undefined || amzDate === undefined || expiresText === undefined || !signedHeaders || signature === undefined) {
    throw queryMalformed('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  if (algorithm !== SIGV4_ALGORITHM) throw queryMalformed(`X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`);
  const { accessKey, date, scope } = parseCredential(credential, (reason) => queryMalformed(`Error parsing the X-Amz-Credential parameter; ${reason}`));
  const time = parseAmzDate(amzDate);
  if (!time) throw queryMalformed('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  if (date !== amzDate.slice(0, 8)) throw queryMalformed(`Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  if (!/^-?\d+$/.test(expiresText)) throw queryMalformed('X-Amz-Expires should be a number');
  const expires = Number(expiresText);
  if (expires < 0) throw queryMalformed('X-Amz-Expires must be non-negative');
  if (expires > MAX_EXPIRES) throw queryMalformed(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES}`);
  return {
    kind: 'query', accessKey, scope, signedHeaders: signedHeaders.split(';'), signature, amzDate, time, rawTime: amzDate,
    payloadHash: header(req, 'x-amz-content-sha256') ?? params.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
    expires,
  };
}

function parseCredential(value: string, malformed: (reason: string) => S3Error): { accessKey: string; date: string; scope: string } {
  const parts = value.split('/');
  if (parts.length !== 5) throw malformed(CREDENTIAL_FORMAT);
  const [accessKey, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (!accessKey) throw malformed('a non-empty Access Key (AKID) must be provided in the credential.');
  if (!/^\d{8}$/.test(date) || !region) throw malformed(CREDENTIAL_FORMAT);
  if (service !== 's3') throw malformed(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminal !== 'aws4_request') throw malformed(`incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  return { accessKey, date, scope: parts.slice(1).join('/') };
}

/**
 * Header signatures are good for 15 minutes either side of the server's clock; presigned
 * ones from their date (give or take the same skew) until it plus X-Amz-Expires.
 */
export function checkTime(claim: SigV4Claim, now: Date): void {
  const at = claim.time.getTime();
  if (claim.kind === 'header') {
    if (Math.abs(now.getTime() - at) > MAX_SKEW_MS) throw timeTooSkewed(claim.rawTime, now);
    return;
  }
  if (at - now.getTime() > MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
  const expiry = new Date(at + claim.expires! * 1000);
  if (now > expiry) throw requestExpired({ 'X-Amz-Expires': String(claim.expires), Expires: isoTime(expiry), ServerTime: isoTime(now) });
}

/**
 * S3 refuses a request carrying an `x-amz-*` header the signature does not cover (other
 * than x-amz-content-sha256, which only describes the payload), and one whose Host is unsigned.
 */
export function checkSignedHeaders(req: SignedRequest, claim: SigV4Claim): void {
  const signed = new Set(claim.signedHeaders.map((name) => name.toLowerCase()));
  const unsigned = Object.keys(req.headers).filter((name) =>
    !signed.has(name) && (name === 'host' || (name.startsWith('x-amz-') && name !== 'x-amz-content-sha256')));
  if (unsigned.length) throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
}

/** Checks the signature with the caller's secret; returns what the payload's chunk signatures chain from. */
export function verifySigV4(req: SignedRequest, claim: SigV4Claim, secret: string): ChunkSigner {
  const canonicalRequest = [
    req.method,
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery, claim.kind === 'query' ? 'X-Amz-Signature' : undefined),
    canonicalHeaders(req, claim.signedHeaders.map((name) => name.toLowerCase())),
    claim.signedHeaders.join(';'),
    claim.payloadHash,
  ].join('\n');
  const stringToSign = [SIGV4_ALGORITHM, claim.amzDate, claim.scope, sha256Hex(canonicalRequest)].join('\n');
  const [date, region, service] = claim.scope.split('/') as [string, string, string];
  const key = signingKey(secret, date, region, service);
  const expected = hmac(key, stringToSign).toString('hex');
  if (!sameSignature(expected, claim.signature)) {
    throw signatureDoesNotMatch({ accessKey: claim.accessKey, stringToSign, signature: claim.signature, canonicalRequest });
  }
  return chunkSigner(key, claim.amzDate, claim.scope, expected);
}

const EMPTY_SHA256 = sha256Hex('');

/** Each chunk's signature covers the previous one, so chunks cannot be dropped or reordered. */
function chunkSigner(key: Buffer, amzDate: string, scope: string, seed: string): ChunkSigner {
  return {
    seed,
    chunk: (previous, dataSha256) =>
      hmac(key, `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${dataSha256}`).toString('hex'),
    trailer: (previous, trailerSha256) =>
      hmac(key, `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previous}\n${trailerSha256}`).toString('hex'),
  };
}

/**
 * Derived signing keys by (secret, date, region, service): four HMACs saved on every request
 * of a client after its first that day. Least recently used keys go first.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 1024;

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}/${region}/${service}/${secret}`;
  let key = signingKeys.get(id);
  if (key) {
    signingKeys.delete(id);
  } else {
    key = hmac(hmac(hmac(hmac(Buffer.from(`AWS4${secret}`, 'utf8'), date), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
  }
  signingKeys.set(id, key);
  return key;
}

/** Constant time for equal lengths; a length difference reveals nothing secret. */
export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

/** `20130524T000000Z`. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return basicIso(d) === value ? d : undefined;
}

/** RFC 1123 (or the other HTTP date forms Date.parse knows). */
export function parseHttpDate(value: string): Date | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function basicIso(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
