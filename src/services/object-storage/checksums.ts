import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ChecksumAlgorithm } from './types.ts';

/** An incremental digest; `digest()` is base64 as S3 sends it (`x-amz-checksum-*`, `Content-MD5`). */
export interface Digest {
  update(data: Uint8Array): void;
  digest(): string;
}

export type DigestAlgorithm = ChecksumAlgorithm | 'MD5';

const HASH_NAMES = { SHA1: 'sha1', SHA256: 'sha256', MD5: 'md5' } as const;

/** Decoded length of each checksum, to tell a malformed value from a mismatch. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 };

export function createDigest(algorithm: DigestAlgorithm): Digest {
  switch (algorithm) {
    case 'CRC32':
      return crcDigest((data, crc) => crc32(data, crc));
    case 'CRC32C':
      return crcDigest(crc32c);
    default: {
      const hash = createHash(HASH_NAMES[algorithm]);
      return {
        update: (data) => void hash.update(data),
        digest: () => hash.digest('base64'),
      };
    }
  }
}

/** S3 checksums of CRCs are the big-endian 4 bytes of the final value. */
function crcDigest(step: (data: Uint8Array, crc: number) => number): Digest {
  let crc = 0;
  return {
    update: (data) => void (crc = step(data, crc)),
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out.toString('base64');
    },
  };
}

export function checksumOf(algorithm: DigestAlgorithm, data: Uint8Array): string {
  const digest = createDigest(algorithm);
  digest.update(data);
  return digest.digest();
}

/**
 * A multipart upload's COMPOSITE checksum: the checksum of the parts' binary checksums
 * concatenated in part order, suffixed with the part count (`<base64>-<parts>`).
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): string {
  const digest = createDigest(algorithm);
  for (const part of partChecksums) digest.update(Buffer.from(part, 'base64'));
  return `${digest.digest()}-${partChecksums.length}`;
}

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8: eight table lookups
 * consume eight bytes per step, which is what lets pure JavaScript reach several hundred MB/s.
 * `crc` is a previous result to continue from (0 to start), as with zlib's `crc32`.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc | 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c = t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]!
      ^ t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
    i += 8;
  }
  while (i < data.length) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Table k maps a byte to its CRC contribution k bytes further on; table 0 is the classic one. */
const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = t[prev & 0xff]! ^ (prev >>> 8);
    }
  }
  return t;
})();
