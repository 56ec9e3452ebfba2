import { isIP } from 'node:net';
import type { S3Operation, S3Routes } from './context.ts';
import { invalidUri } from './errors.ts';
import { S3Error } from './s3-error.ts';

/** What a request addresses, before anything is authenticated. */
export interface S3Target {
  /** The path as on the wire (still encoded), without the query. */
  rawPath: string;
  rawQuery: string;
  bucket?: string;
  key?: string;
  /** Set when the Host header named the bucket (virtual-host style). */
  bucketFromHost?: string;
}

export type Level = 'service' | 'bucket' | 'object';

/**
 * The sub-resource parameters in precedence order: the first one present names the operation.
 * The tail are AWS features this cloud does not offer; they are recognised so that, say,
 * `PUT /bucket/key?retention` answers NotImplemented instead of overwriting the object.
 */
const SUBRESOURCES = [
  'uploadId', 'uploads', 'versioning', 'versions', 'tagging', 'acl', 'cors', 'policy', 'policyStatus', 'lifecycle',
  'encryption', 'location', 'delete', 'object-lock', 'ownershipControls', 'publicAccessBlock', 'website', 'logging',
  'notification', 'replication', 'requestPayment', 'accelerate', 'attributes',
  'retention', 'legal-hold', 'restore', 'select', 'torrent', 'analytics', 'metrics', 'inventory', 'intelligent-tiering',
] as const;

/**
 * Every `"<METHOD> <level> <subresource>"` that is an operation of AWS S3. A combination routed
 * nowhere is NotImplemented when AWS has it and MethodNotAllowed when AWS has not.
 */
const AWS_OPERATIONS = new Set([
  'GET service -',
  ...['GET', 'HEAD', 'PUT', 'DELETE', 'POST'].map((m) => `${m} bucket -`),
  ...['GET', 'HEAD', 'PUT', 'DELETE'].map((m) => `${m} object -`),
  ...['GET', 'PUT', 'POST', 'DELETE'].map((m) => `${m} object uploadId`),
  'POST object uploads', 'GET bucket uploads', 'GET bucket versions', 'GET bucket location', 'GET bucket policyStatus',
  'POST bucket delete', 'GET object attributes', 'POST object restore', 'POST object select', 'GET object torrent',
  ...withMethods(['GET', 'PUT'], 'bucket', ['versioning', 'acl', 'object-lock', 'logging', 'notification', 'requestPayment', 'accelerate']),
  ...withMethods(['GET', 'PUT', 'DELETE'], 'bucket', [
    'tagging', 'cors', 'policy', 'lifecycle', 'encryption', 'ownershipControls', 'publicAccessBlock', 'website', 'replication',
    'analytics', 'metrics', 'inventory', 'intelligent-tiering',
  ]),
  ...withMethods(['GET', 'PUT', 'DELETE'], 'object', ['tagging']),
  ...withMethods(['GET', 'PUT'], 'object', ['acl', 'retention', 'legal-hold']),
]);

function withMethods(methods: string[], level: Level, subresources: string[]): string[] {
  return subresources.flatMap((s) => methods.map((m) => `${m} ${level} ${s}`));
}

/** The first recognised sub-resource parameter, or `-`. */
export function subresourceOf(query: URLSearchParams): string {
  return SUBRESOURCES.find((s) => query.has(s)) ?? '-';
}

export function levelOf(target: Pick<S3Target, 'bucket' | 'key'>): Level {
  return target.key !== undefined ? 'object' : target.bucket !== undefined ? 'bucket' : 'service';
}

/** The operation for a request, or the error AWS gives for a combination it does not serve. */
export function operationFor(routes: S3Routes, method: string, level: Level, subresource: string): S3Operation {
  const route = `${method} ${level} ${subresource}`;
  const operation = routes[route];
  if (operation) return operation;
  if (AWS_OPERATIONS.has(route)) {
    return () => Promise.reject(new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented.', 501));
  }
  return () => Promise.reject(methodNotAllowed(method, level));
}

export function methodNotAllowed(method: string, level: Level): S3Error {
  return new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
    Method: method,
    ResourceType: level === 'service' ? 'SERVICE' : level === 'bucket' ? 'BUCKET' : 'OBJECT',
  });
}

/**
 * The bucket a Host header names, or undefined for path-style requests: IP addresses, the
 * listener's own host name, and single-label names (`localhost`) name no bucket. Below the
 * listener's host name or `localhost` the whole prefix is the bucket (dots included); below any
 * other name only the first label is, as nothing says where that service name begins.
 */
export function bucketFromHost(hostHeader: string | undefined, ownHost: string): string | undefined {
  if (!hostHeader) return undefined;
  const host = stripPort(hostHeader).toLowerCase().replace(/\.$/, '');
  if (isIP(host) || host === ownHost.toLowerCase() || !host.includes('.')) return undefined;
  for (const base of [ownHost.toLowerCase(), 'localhost']) {
    if (!isIP(base) && host.endsWith(`.${base}`)) return host.slice(0, -base.length - 1);
  }
  return host.slice(0, host.indexOf('.'));
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/**
 * Bucket and key of a request, from the raw request target: the key is percent-decoded exactly
 * once and kept as is (`a//b`, a trailing `/`, `%2F` are all part of it).
 */
export function resolveTarget(rawUrl: string, hostHeader: string | undefined, ownHost: string): S3Target {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  if (!rawPath.startsWith('/')) throw invalidUri();
  const hostBucket = bucketFromHost(hostHeader, ownHost);
  if (hostBucket !== undefined) {
    const key = decode(rawPath.slice(1));
    return { rawPath, rawQuery, bucket: hostBucket, key: key || undefined, bucketFromHost: hostBucket };
  }
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  if (!bucket) return { rawPath, rawQuery };
  const key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
  return { rawPath, rawQuery, bucket, key: key || undefined };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUri();
  }
}
