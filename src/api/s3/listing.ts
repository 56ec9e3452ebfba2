import type { ObjectInfo } from '../../services/object-storage/types.ts';
import { owner } from './bucket-request.ts';
import type { S3Call, S3Routes } from './context.ts';
import { sendXml } from './object-headers.ts';
import { S3Error } from './s3-error.ts';
import { toXml, toXmlSequence } from './xml.ts';

// ListObjects (v1 and v2) and ListObjectVersions, element for element as AWS answers them.

const MAX_KEYS = 1000;

/** S3 timestamps in XML: ISO 8601 with milliseconds, UTC. */
export const isoMillis = (d: Date): string => d.toISOString();

/** `max-keys`, `max-uploads`, `max-parts`: a non-negative integer, capped at 1000. */
export function maxParam(query: URLSearchParams, name: string): number {
  const value = query.get(name);
  if (value === null) return MAX_KEYS;
  if (!/^-?\d+$/.test(value.trim()) || Number(value) < 0 || Number(value) > 2 ** 31 - 1) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, 400, { ArgumentName: name, ArgumentValue: value });
  }
  return Math.min(Number(value), MAX_KEYS);
}

/**
 * `encoding-type=url`: names in the answer percent-encoded (UTF-8; `/` kept), so keys XML 1.0
 * cannot carry still arrive. A space becomes `%20`, which form and URL decoders both read back.
 */
export function encoder(query: URLSearchParams): { encode: (s: string) => string; EncodingType?: 'url' } {
  const type = query.get('encoding-type');
  if (type === null) return { encode: (s) => s };
  if (type.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', 400, { ArgumentName: 'encoding-type', ArgumentValue: type });
  }
  return { encode: urlEncode, EncodingType: 'url' };
}

/** Percent-encoding of names in answers and URLs: UTF-8, `/` kept. */
export const urlEncode = (s: string): string => encodeURIComponent(s).replace(/%2F/g, '/');

/** Continuation tokens are opaque to clients: the base64 of the key to continue after. */
export function continuationToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64');
}

function afterToken(token: string): string {
  const key = Buffer.from(token, 'base64').toString('utf8');
  if (token === '' || continuationToken(key) !== token) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', 400, { ArgumentName: 'continuation-token' });
  }
  return key;
}

function contents(call: S3Call, o: ObjectInfo, encode: (s: string) => string, withOwner: boolean): Record<string, unknown> {
  return {
    Key: encode(o.key),
    LastModified: isoMillis(o.lastModified),
    ETag: `"${o.etag}"`,
    ChecksumAlgorithm: o.checksum?.algorithm,
    ChecksumType: o.checksum?.type,
    Size: o.size,
    Owner: withOwner ? owner(call, o.ownerProjectId) : undefined,
    StorageClass: 'STANDARD',
  };
}

async function listObjects(call: S3Call): Promise<void> {
  const q = call.query;
  const v2 = q.get('list-type') === '2';
  const { encode, EncodingType } = encoder(q);
  const maxKeys = maxParam(q, 'max-keys');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const token = v2 ? q.get('continuation-token') : null;
  const startAfter = v2 ? q.get('start-after') : null;
  const marker = v2 ? null : q.get('marker') ?? '';
  const after = token !== null ? afterToken(token) : (startAfter ?? marker) || undefined;
  const result = await call.objects.listObjects(call.caller, call.bucket!, {
    prefix: prefix || undefined, delimiter: delimiter || undefined, after, limit: maxKeys,
  });
  // Nothing fits in zero keys, so S3 calls such a page complete.
  const truncated = maxKeys > 0 && result.truncated;
  const entries = {
    Contents: result.objects.map((o) => contents(call, o, encode, !v2 || q.get('fetch-owner') === 'true')),
    CommonPrefixes: result.prefixes.map((p) => ({ Prefix: encode(p) })),
  };
  const tail = { MaxKeys: maxKeys, Delimiter: delimiter ? encode(delimiter) : undefined, EncodingType, IsTruncated: truncated, ...entries };
  const body = v2
    ? {
      Name: call.bucket, Prefix: encode(prefix),
      StartAfter: startAfter !== null ? encode(startAfter) : undefined,
      ContinuationToken: token ?? undefined,
      NextContinuationToken: truncated && result.next !== undefined ? continuationToken(result.next) : undefined,
      KeyCount: result.objects.length + result.prefixes.length,
      ...tail,
    }
    : {
      Name: call.bucket, Prefix: encode(prefix), Marker: encode(marker ?? ''),
      // Without a delimiter the last Key is the next marker, so S3 leaves NextMarker out.
      NextMarker: truncated && delimiter && result.next !== undefined ? encode(result.next) : undefined,
      ...tail,
    };
  sendXml(call.reply, toXml('ListBucketResult', body));
}

async function listObjectVersions(call: S3Call): Promise<void> {
  const q = call.query;
  const { encode, EncodingType } = encoder(q);
  const maxKeys = maxParam(q, 'max-keys');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  if (versionIdMarker && !keyMarker) {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', 400,
      { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
  }
  const result = await call.objects.listObjectVersions(call.caller, call.bucket!, {
    prefix: prefix || undefined, delimiter: delimiter || undefined,
    keyMarker: keyMarker || undefined, versionIdMarker: versionIdMarker || undefined, limit: maxKeys,
  });
  const truncated = maxKeys > 0 && result.truncated;
  const versions = result.versions.map((v): [string, unknown] => v.deleteMarker
    ? ['DeleteMarker', {
      Owner: owner(call, v.ownerProjectId), Key: encode(v.key), VersionId: v.versionId ?? 'null', IsLatest: v.isLatest,
      LastModified: isoMillis(v.lastModified),
    }]
    : ['Version', {
      Key: encode(v.key), VersionId: v.versionId ?? 'null', IsLatest: v.isLatest, LastModified: isoMillis(v.lastModified),
      ETag: `"${v.etag}"`, ChecksumAlgorithm: v.checksum?.algorithm, ChecksumType: v.checksum?.type, Size: v.size,
      Owner: owner(call, v.ownerProjectId), StorageClass: 'STANDARD',
    }]);
  const head: [string, unknown][] = [
    ['Name', call.bucket], ['Prefix', encode(prefix)], ['KeyMarker', encode(keyMarker)], ['VersionIdMarker', versionIdMarker],
    ['NextKeyMarker', truncated && result.nextKeyMarker !== undefined ? encode(result.nextKeyMarker) : undefined],
    ['NextVersionIdMarker', truncated ? result.nextVersionIdMarker : undefined],
    ['MaxKeys', maxKeys], ['Delimiter', delimiter ? encode(delimiter) : undefined], ['EncodingType', EncodingType],
    ['IsTruncated', truncated],
  ];
  const prefixes = result.prefixes.map((p): [string, unknown] => ['CommonPrefixes', { Prefix: encode(p) }]);
  sendXml(call.reply, toXmlSequence('ListVersionsResult', [...head, ...versions, ...prefixes]));
}

export const listingRoutes: S3Routes = {
  'GET bucket -': listObjects,
  'GET bucket versions': listObjectVersions,
};
