import type { Readable } from 'node:stream';
import { createDigest } from '../../services/object-storage/checksums.ts';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { ChecksumAlgorithm, DataOptions, Digests } from '../../services/object-storage/types.ts';
import { S3Error } from './s3-error.ts';

/** XML configurations and DeleteObjects bodies are small; anything bigger is refused unread. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Reads a small body whole and checks it as the backend checks object data: the declared size,
 * Content-MD5, the signed checksum, and the signature's own `verify` (SigV4 payload hash).
 */
export async function readSmallBody(body: Readable, payload: DataOptions, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  if (payload.contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(payload.contentMd5)) {
    throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.', 400);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new S3Error('MaxMessageLengthExceeded', 'Your request was too big.', 400);
    }
    chunks.push(buf);
  }
  const data = Buffer.concat(chunks, size);
  if (payload.size !== undefined && size < payload.size) {
    throw new ObjectError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  }
  const md5 = createDigest('MD5');
  md5.update(data);
  const md5Base64 = md5.digest();
  if (payload.contentMd5 !== undefined && payload.contentMd5 !== md5Base64) {
    throw new ObjectError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const algorithms = new Set<ChecksumAlgorithm>(payload.hashes);
  if (payload.checksum) algorithms.add(payload.checksum.algorithm);
  const checksums: Digests['checksums'] = {};
  for (const algorithm of algorithms) {
    const digest = createDigest(algorithm);
    digest.update(data);
    checksums[algorithm] = digest.digest();
  }
  if (payload.checksum) {
    const { algorithm, expected } = payload.checksum;
    const value = typeof expected === 'function' ? expected() : expected;
    if (value !== undefined && value !== checksums[algorithm]) {
      throw new ObjectError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    }
  }
  payload.verify?.({ size, md5Hex: Buffer.from(md5Base64, 'base64').toString('hex'), checksums });
  return data;
}
