import { ObjectError } from './errors.ts';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * S3's bucket naming rules (general purpose buckets), which also keep names DNS-safe for virtual
 * hosts. Containers made through Swift follow Swift's looser rules (any UTF-8 up to 256 bytes
 * without `/`, e.g. swiftclient's `<container>_segments`), as RGW relaxes them; S3 clients reach
 * those path-style.
 */
export function checkBucketName(name: string, rules: 's3' | 'swift' = 's3'): void {
  if (rules === 'swift') {
    if (name.length === 0 || Buffer.byteLength(name) > 256 || name.includes('/') || LONE_SURROGATE.test(name)) {
      throw new ObjectError('InvalidBucketName', 'The specified bucket is not valid.', { bucket: name });
    }
    return;
  }
  const bad = !BUCKET.test(name) || IPV4.test(name) || name.includes('..') || name.includes('.-') || name.includes('-.') ||
    name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3');
  if (bad) throw new ObjectError('InvalidBucketName', 'The specified bucket is not valid.', { bucket: name });
}

/** Keys are any UTF-8 of 1 to 1024 bytes; `../`, leading slashes and unicode are all fine. */
export function checkKey(key: string): void {
  if (key.length === 0) throw new ObjectError('InvalidObjectName', 'Object key must not be empty.');
  if (Buffer.byteLength(key) > 1024) throw new ObjectError('KeyTooLong', 'Your key is too long', { key });
  // Lone surrogates cannot be stored as UTF-8; S3 sees them as invalid encoding.
  if (LONE_SURROGATE.test(key)) throw new ObjectError('InvalidObjectName', 'Object key is not valid UTF-8.', { key });
}
