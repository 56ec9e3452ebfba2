import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksumOf } from '../../../services/object-storage/checksums.ts';
import { anonymousPayload, authenticateS3 } from './authenticate.ts';
import { drain, EXAMPLE_KEY, EXAMPLE_TIME, exampleSecrets, rejectsWith, request } from './test-helpers.ts';

// AWS's published streaming examples ("Transferring Payload in Multiple Chunks" and "Signature
// calculations for trailing headers"): 66560 bytes of "a" as a 64 KiB chunk, a 1 KiB chunk and
// the empty final chunk, PUT to /examplebucket/chunkObject.txt.

const DATA = Buffer.alloc(66560, 'a');

function streamingPut(contentSha256: string, signedHeaders: string, seed: string, extra: Record<string, string> = {}) {
  return request('PUT', '/examplebucket/chunkObject.txt', {
    Host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'x-amz-content-sha256': contentSha256,
    'Content-Encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'Content-Length': '66824',
    ...extra,
    Authorization: `AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${seed}`,
  });
}

const signedPut = () => streamingPut(
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
  '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
);

function chunks(signatures: [string, string, string], data = DATA): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`), data.subarray(0, 65536), Buffer.from('\r\n'),
    Buffer.from(`400;chunk-signature=${signatures[1]}\r\n`), data.subarray(65536), Buffer.from('\r\n'),
    Buffer.from(`0;chunk-signature=${signatures[2]}\r\n`),
  ]);
}

const SIGNED_BODY = Buffer.concat([chunks([
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
]), Buffer.from('\r\n')]);

test('the signed streaming example decodes to its data, whatever the input piece sizes', async () => {
  const auth = await authenticateS3(signedPut(), exampleSecrets, EXAMPLE_TIME);
  assert.equal(auth?.payload.size, 66560);
  assert.equal(auth?.payload.checksum, undefined);
  for (const piece of [1, 7, 100, 4096, 65536 + 60, SIGNED_BODY.length]) {
    assert.deepEqual(await drain((body) => auth!.decode(body), SIGNED_BODY, piece), DATA, `pieces of ${piece}`);
  }
});

test('tampered chunk data, a swapped signature or a dropped chunk fails the stream with SignatureDoesNotMatch', async () => {
  const auth = (await authenticateS3(signedPut(), exampleSecrets, EXAMPLE_TIME))!;
  const tampered = Buffer.from(SIGNED_BODY);
  tampered[65536 + 200] = 'b'.charCodeAt(0);
  await rejectsWith(drain((body) => auth.decode(body), tampered, 4096), 'SignatureDoesNotMatch', 403);
  const reordered = SIGNED_BODY.toString('latin1').replace('ad80c730', 'ad80c731');
  await rejectsWith(drain((body) => auth.decode(body), Buffer.from(reordered, 'latin1')), 'SignatureDoesNotMatch', 403);
  const dropped = Buffer.concat([SIGNED_BODY.subarray(0, SIGNED_BODY.indexOf('400;')), SIGNED_BODY.subarray(SIGNED_BODY.indexOf('0;chunk-signature=b6'))]);
  await rejectsWith(drain((body) => auth.decode(body), dropped), 'SignatureDoesNotMatch', 403);
});

test('a body cut short, bad framing or data after the last chunk is an error', async () => {
  const auth = (await authenticateS3(signedPut(), exampleSecrets, EXAMPLE_TIME))!;
  await rejectsWith(drain((body) => auth.decode(body), SIGNED_BODY.subarray(0, 60000)), 'IncompleteBody', 400);
  await rejectsWith(drain((body) => auth.decode(body), SIGNED_BODY.subarray(0, SIGNED_BODY.length - 1)), 'IncompleteBody', 400);
  const noCrlf = Buffer.from(SIGNED_BODY.toString('latin1').replace(`${'a'.repeat(1024)}\r\n`, `${'a'.repeat(1024)}xx`), 'latin1');
  await rejectsWith(drain((body) => auth.decode(body), noCrlf), 'InvalidRequest', 400);
  await rejectsWith(drain((body) => auth.decode(body), Buffer.from(`zz;chunk-signature=${'0'.repeat(64)}\r\n`)), 'InvalidRequest', 400);
  await rejectsWith(drain((body) => auth.decode(body), Buffer.from(`10000\r\n${'a'.repeat(65536)}\r\n`)), 'InvalidRequest', 400);
  await rejectsWith(drain((body) => auth.decode(body), Buffer.concat([SIGNED_BODY, Buffer.from('x')])), 'InvalidRequest', 400);
  await rejectsWith(drain((body) => auth.decode(body), Buffer.alloc(5000, '1')), 'InvalidRequest', 400);
});

const TRAILER_SEED = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
const trailerPut = () => streamingPut(
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer',
  TRAILER_SEED,
  { 'x-amz-trailer': 'x-amz-checksum-crc32c' },
);
const TRAILER_CHUNKS = chunks([
  'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
  '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
]);
const TRAILER_SIGNATURE = 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435';
const trailerBody = (trailer: string) => Buffer.concat([TRAILER_CHUNKS, Buffer.from(trailer)]);

test('the signed trailer example yields its data and the CRC32C it announces, which is that of the data', async () => {
  const auth = (await authenticateS3(trailerPut(), exampleSecrets, EXAMPLE_TIME))!;
  assert.equal(auth.payload.checksum?.algorithm, 'CRC32C');
  const expected = auth.payload.checksum.expected as () => string | undefined;
  const body = trailerBody(`x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n\r\n`);
  for (const piece of [1, 13, body.length]) {
    assert.deepEqual(await drain((b) => auth.decode(b), body, piece), DATA);
    assert.equal(expected(), 'sOO8/Q==');
  }
  assert.equal(checksumOf('CRC32C', DATA), 'sOO8/Q==');
  // Some clients put an empty line between the final chunk and the trailers.
  assert.deepEqual(await drain((b) => auth.decode(b), trailerBody(`\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n\r\n`)), DATA);
});

test('a tampered, unsigned or missing trailer is refused', async () => {
  const auth = (await authenticateS3(trailerPut(), exampleSecrets, EXAMPLE_TIME))!;
  await rejectsWith(drain((b) => auth.decode(b), trailerBody(`x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n\r\n`)), 'SignatureDoesNotMatch', 403);
  await rejectsWith(drain((b) => auth.decode(b), trailerBody('x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n')), 'MalformedTrailerError', 400);
  await rejectsWith(drain((b) => auth.decode(b), trailerBody(`x-amz-trailer-signature:${TRAILER_SIGNATURE}\r\n\r\n`)), 'SignatureDoesNotMatch', 403);
  await rejectsWith(drain((b) => auth.decode(b), trailerBody('x-amz-checksum-crc32c:sOO8/Q==\r\n')), 'MalformedTrailerError', 400);
});

test('an unsigned trailer stream needs no signatures but still carries its checksum', async () => {
  const req = request('PUT', '/b/k', {
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-decoded-content-length': '5',
    'x-amz-trailer': 'x-amz-checksum-crc32',
  });
  const payload = anonymousPayload(req);
  assert.equal(payload.payload.size, 5);
  assert.equal(payload.payload.checksum?.algorithm, 'CRC32');
  const crc = checksumOf('CRC32', Buffer.from('hello'));
  assert.deepEqual(await drain((b) => payload.decode(b), Buffer.from(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`), 3), Buffer.from('hello'));
  assert.equal((payload.payload.checksum!.expected as () => string)(), crc);
  await rejectsWith(drain((b) => payload.decode(b), Buffer.from('5\r\nhello\r\n0\r\n\r\n')), 'MalformedTrailerError');
});
