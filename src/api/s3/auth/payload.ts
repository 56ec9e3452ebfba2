import type { Readable } from 'node:stream';
import { CHECKSUM_BYTES } from '../../../services/object-storage/checksums.ts';
import type { ChecksumAlgorithm, DataOptions } from '../../../services/object-storage/types.ts';
import { S3Error } from '../s3-error.ts';
import { AwsChunkedDecoder, type ChunkSigner } from './chunked.ts';
import { invalidArgument, invalidRequest } from './errors.ts';
import { header, type SignedRequest } from './request.ts';

/** What a request says about its body: how to unframe it and what to check once it is stored. */
export interface Payload {
  /** Wraps the raw body stream: strips aws-chunked framing, verifying chunk signatures and reading trailers. */
  decode(body: Readable): Readable;
  /** Options for the backend's data calls: the declared size, Content-MD5, checksums and the SHA-256 check. */
  payload: DataOptions;
}

const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const UNSIGNED = 'UNSIGNED-PAYLOAD';

const ALGORITHMS: Record<string, ChecksumAlgorithm> = {
  'x-amz-checksum-crc32': 'CRC32', 'x-amz-checksum-crc32c': 'CRC32C', 'x-amz-checksum-sha1': 'SHA1', 'x-amz-checksum-sha256': 'SHA256',
};

/**
 * `contentSha256` is the canonical request's payload line (undefined when nothing declares one,
 * as with SigV2); `signer` is present when the signature covers chunk signatures.
 */
export function describePayload(req: SignedRequest, contentSha256: string | undefined, signer?: ChunkSigner): Payload {
  const payload: DataOptions = {};
  const contentMd5 = header(req, 'content-md5');
  if (contentMd5 !== undefined) payload.contentMd5 = contentMd5;
  const headerChecksum = checksumHeader(req);
  if (headerChecksum) payload.checksum = headerChecksum;

  const streaming = contentSha256 === STREAMING_SIGNED || contentSha256 === STREAMING_SIGNED_TRAILER || contentSha256 === STREAMING_UNSIGNED_TRAILER;
  if (!streaming) {
    const length = header(req, 'content-length');
    if (length !== undefined && /^\d+$/.test(length)) payload.size = Number(length);
    if (contentSha256 !== undefined && contentSha256 !== UNSIGNED) {
      if (!/^[0-9a-fA-F]{64}$/.test(contentSha256)) throw badContentSha256(contentSha256);
      Object.assign(payload, sha256Check(contentSha256.toLowerCase()));
    }
    return { decode: (body) => body, payload };
  }

  const chunkSigner = contentSha256 === STREAMING_UNSIGNED_TRAILER ? undefined : signer;
  if (contentSha256 !== STREAMING_UNSIGNED_TRAILER && !chunkSigner) throw badContentSha256(contentSha256);
  const decoded = header(req, 'x-amz-decoded-content-length');
  if (decoded === undefined || !/^\d+$/.test(decoded)) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  payload.size = Number(decoded);

  const trailer = contentSha256 !== STREAMING_SIGNED;
  const expectedTrailers = trailer ? (header(req, 'x-amz-trailer') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean) : [];
  let decoder: AwsChunkedDecoder | undefined;
  const trailerChecksum = expectedTrailers.find((name) => ALGORITHMS[name]);
  if (trailerChecksum) {
    if (headerChecksum) throw multipleChecksums();
    payload.checksum = { algorithm: ALGORITHMS[trailerChecksum]!, expected: () => decoder?.trailers.get(trailerChecksum) };
  }
  return {
    decode: (body) => {
      decoder = new AwsChunkedDecoder({ signer: chunkSigner, trailer, expectedTrailers });
      // An error in the raw body (client gone) must fail the decoded stream too.
      body.once('error', (err) => decoder!.destroy(err));
      return body.pipe(decoder);
    },
    payload,
  };
}

/** `x-amz-checksum-<alg>` of the whole payload; S3 allows one. */
export function checksumHeader(req: Pick<SignedRequest, 'headers'>): DataOptions['checksum'] {
  const present = Object.keys(ALGORITHMS).filter((name) => req.headers[name] !== undefined);
  if (present.length > 1) throw multipleChecksums();
  const name = present[0];
  if (!name) return undefined;
  const algorithm = ALGORITHMS[name]!;
  const value = header(req, name)!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || Buffer.from(value, 'base64').length !== CHECKSUM_BYTES[algorithm]) {
    throw invalidRequest(`Value for ${name} header is invalid.`);
  }
  return { algorithm, expected: value };
}

function sha256Check(expectedHex: string): Pick<DataOptions, 'hashes' | 'verify'> {
  return {
    hashes: ['SHA256'],
    verify: (digests) => {
      const computed = Buffer.from(digests.checksums.SHA256 ?? '', 'base64').toString('hex');
      if (computed !== expectedHex) {
        throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
          ClientComputedContentSHA256: expectedHex,
          S3ComputedContentSHA256: computed,
        });
      }
    },
  };
}

function badContentSha256(value: string): S3Error {
  return invalidArgument(
    `x-amz-content-sha256 must be ${UNSIGNED}, ${STREAMING_UNSIGNED_TRAILER}, ${STREAMING_SIGNED}, ${STREAMING_SIGNED_TRAILER} or a valid sha256 value.`,
    'x-amz-content-sha256', value,
  );
}

function multipleChecksums(): S3Error {
  return invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
}
