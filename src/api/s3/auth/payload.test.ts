import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksumOf } from '../../../services/object-storage/checksums.ts';
import { describePayload } from './payload.ts';
import { rejectsWith, request } from './test-helpers.ts';

const put = (headers: Record<string, string>) => request('PUT', '/b/k', { 'content-length': '5', ...headers });
/** Runs a synchronous call as a promise, for rejectsWith. */
const attempt = (fn: () => unknown) => (async () => fn())();

test('a plain body declares its Content-Length, Content-MD5 and an x-amz-checksum-* header', () => {
  const crc = checksumOf('CRC32C', Buffer.from('hello'));
  const { payload } = describePayload(put({ 'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==', 'x-amz-checksum-crc32c': crc }), 'UNSIGNED-PAYLOAD');
  assert.deepEqual(payload, { size: 5, contentMd5: 'XUFAKrxLKna5cZ2REBfFkg==', checksum: { algorithm: 'CRC32C', expected: crc } });
});

test('a checksum header that is not a base64 digest of the right length, or two of them, is refused', async () => {
  const invalid = await rejectsWith(attempt(() => describePayload(put({ 'x-amz-checksum-sha256': 'AAAA' }), undefined)), 'InvalidRequest', 400);
  assert.equal(invalid.message, 'Value for x-amz-checksum-sha256 header is invalid.');
  await rejectsWith(attempt(() => describePayload(put({ 'x-amz-checksum-crc32': 'not base64!' }), undefined)), 'InvalidRequest', 400);
  const two = { 'x-amz-checksum-crc32': checksumOf('CRC32', Buffer.from('')), 'x-amz-checksum-sha1': checksumOf('SHA1', Buffer.from('')) };
  const multiple = await rejectsWith(attempt(() => describePayload(put(two), undefined)), 'InvalidRequest', 400);
  assert.match(multiple.message, /Multiple checksum Types are not allowed/);
});

test('x-amz-content-sha256 must be a hex digest or a payload type S3 knows', async () => {
  const err = await rejectsWith(attempt(() => describePayload(put({}), 'abc')), 'InvalidArgument', 400);
  assert.equal(err.extra.ArgumentName, 'x-amz-content-sha256');
  assert.equal(err.extra.ArgumentValue, 'abc');
  // Signed streaming needs the chunk signer that only a SigV4 header signature provides.
  await rejectsWith(attempt(() => describePayload(put({ 'x-amz-decoded-content-length': '5' }), 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD')), 'InvalidArgument');
  assert.deepEqual(describePayload(put({}), 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855').payload.hashes, ['SHA256']);
});

test('a streamed body needs x-amz-decoded-content-length, which becomes its size', async () => {
  const err = await rejectsWith(attempt(() => describePayload(put({}), 'STREAMING-UNSIGNED-PAYLOAD-TRAILER')), 'MissingContentLength', 411);
  assert.equal(err.message, 'You must provide the Content-Length HTTP header.');
  assert.equal(describePayload(put({ 'x-amz-decoded-content-length': '3', 'content-length': '40' }), 'STREAMING-UNSIGNED-PAYLOAD-TRAILER').payload.size, 3);
});

test('a trailing checksum and a checksum header together are refused', async () => {
  const headers = { 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-checksum-crc32': checksumOf('CRC32', Buffer.from('hello')) };
  await rejectsWith(attempt(() => describePayload(put(headers), 'STREAMING-UNSIGNED-PAYLOAD-TRAILER')), 'InvalidRequest');
});
