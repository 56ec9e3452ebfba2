import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  checkTags, conditions, contentHeaders, copySource, copySourceRange, customerKey, decodeHeaderText, partNumberParam,
  rangeHeader, serverSideEncryption, SSE_C, taggingHeader, userMetadata, requireIntegrityHeader, versionIdParam,
} from './object-headers.ts';
import { checksumHeader } from './auth/payload.ts';
import { S3Error } from './s3-error.ts';

const s3Error = (code: string, message?: RegExp) => (e: unknown) =>
  e instanceof S3Error && e.code === code && (message === undefined || message.test(e.message));

/** Header values as Node hands them over: the raw bytes read as latin1. */
const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

test('user metadata: x-amz-meta-* without the prefix, UTF-8 and RFC 2047 values decoded', () => {
  const meta = userMetadata({
    'x-amz-meta-color': 'blue', 'x-amz-meta-city': latin1('Köln'), 'x-amz-meta-word': '=?UTF-8?B?w6TDtsO8?=',
    'x-amz-meta-q': '=?utf-8?Q?a_b=C3=A9?=', 'content-type': 'text/plain',
  });
  assert.deepEqual(meta, { color: 'blue', city: 'Köln', word: 'äöü', q: 'a bé' });
  assert.equal(decodeHeaderText(latin1('naïve')), 'naïve');
  // Bytes that are not UTF-8 stay as read.
  assert.equal(decodeHeaderText('\xe9t\xe9'), '\xe9t\xe9');
});

test('user metadata over 2 KiB of names and values is MetadataTooLarge', () => {
  assert.doesNotThrow(() => userMetadata({ 'x-amz-meta-k': 'v'.repeat(2047) }));
  assert.throws(() => userMetadata({ 'x-amz-meta-k': 'v'.repeat(2048) }), (e: unknown) =>
    s3Error('MetadataTooLarge')(e) && (e as S3Error).status === 400 && (e as S3Error).extra.MaxSizeAllowed === '2048');
  // Counted in UTF-8 bytes: 700 three-byte characters are 2100 bytes.
  assert.throws(() => userMetadata({ 'x-amz-meta-k': latin1('€'.repeat(700)) }), s3Error('MetadataTooLarge'));
});

test('content headers: stored standard headers, aws-chunked framing dropped, S3 default type', () => {
  assert.deepEqual(contentHeaders({ 'content-encoding': 'aws-chunked', 'cache-control': 'no-cache', expires: 'Thu, 01 Dec 2094 16:00:00 GMT' }), {
    contentType: 'binary/octet-stream',
    headers: { 'cache-control': 'no-cache', expires: 'Thu, 01 Dec 2094 16:00:00 GMT' },
  });
  assert.deepEqual(contentHeaders({ 'content-type': 'text/html', 'content-encoding': 'aws-chunked,gzip', 'content-disposition': latin1('attachment; filename="ä.txt"') }), {
    contentType: 'text/html',
    headers: { 'content-encoding': 'gzip', 'content-disposition': 'attachment; filename="ä.txt"' },
  });
});

test('tags: x-amz-tagging is form-encoded; limits and duplicates as S3 checks them', () => {
  assert.deepEqual(taggingHeader({ 'x-amz-tagging': 'a=1&b=x%20y&c=&d+e=f%2Bg' }), { a: '1', b: 'x y', c: '', 'd e': 'f+g' });
  assert.equal(taggingHeader({}), undefined);
  const eleven = Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, 'v']);
  assert.throws(() => checkTags(eleven), s3Error('BadRequest', /greater than 10/));
  assert.throws(() => checkTags([['k', 'v'], ['k', 'w']]), s3Error('InvalidTag', /same key/));
  assert.throws(() => checkTags([['k'.repeat(129), 'v']]), s3Error('InvalidTag', /TagKey.*too long/));
  assert.throws(() => checkTags([['k', 'v'.repeat(257)]]), s3Error('InvalidTag', /TagValue.*too long/));
  assert.throws(() => checkTags([['', 'v']]), s3Error('InvalidTag'));
  assert.throws(() => checkTags([['aws:x', 'v']]), s3Error('InvalidTag', /System tags/));
  // Lengths are in characters, not bytes.
  assert.doesNotThrow(() => checkTags([['ü'.repeat(128), '€'.repeat(256)]]));
});

test('SSE-S3 takes only AES256 and not together with SSE-C', () => {
  assert.deepEqual(serverSideEncryption({ 'x-amz-server-side-encryption': 'AES256' }), { kind: 'S3' });
  assert.equal(serverSideEncryption({}), undefined);
  assert.throws(() => serverSideEncryption({ 'x-amz-server-side-encryption': 'aws:kms' }), (e: unknown) =>
    s3Error('InvalidArgument')(e) && (e as S3Error).extra.ArgumentName === 'x-amz-server-side-encryption');
  const key = Buffer.alloc(32, 7);
  assert.throws(() => serverSideEncryption({
    'x-amz-server-side-encryption': 'AES256', [`${SSE_C}algorithm`]: 'AES256', [`${SSE_C}key`]: key.toString('base64'),
    [`${SSE_C}key-md5`]: createHash('md5').update(key).digest('base64'),
  }), s3Error('InvalidArgument', /incompatible/));
});

test('SSE-C keys: AES256, 32 bytes, and the MD5 the client computed', () => {
  const key = Buffer.alloc(32, 9);
  const md5 = createHash('md5').update(key).digest('base64');
  const headers = (over: Record<string, string | undefined>) => ({
    [`${SSE_C}algorithm`]: 'AES256', [`${SSE_C}key`]: key.toString('base64'), [`${SSE_C}key-md5`]: md5, ...over,
  });
  assert.deepEqual(customerKey(headers({}), SSE_C), { key, keyMd5: md5 });
  assert.deepEqual(serverSideEncryption(headers({})), { kind: 'C', key, keyMd5: md5 });
  assert.equal(customerKey({}, SSE_C), undefined);
  assert.throws(() => customerKey(headers({ [`${SSE_C}algorithm`]: 'AES128' }), SSE_C), s3Error('InvalidArgument', /valid encryption algorithm/));
  assert.throws(() => customerKey(headers({ [`${SSE_C}key`]: undefined }), SSE_C), s3Error('InvalidArgument', /appropriate secret key/));
  assert.throws(() => customerKey(headers({ [`${SSE_C}key`]: Buffer.alloc(16).toString('base64') }), SSE_C), s3Error('InvalidArgument', /secret key was invalid/));
  assert.throws(() => customerKey(headers({ [`${SSE_C}key-md5`]: undefined }), SSE_C), s3Error('InvalidArgument', /MD5 of the secret key/));
  assert.throws(() => customerKey(headers({ [`${SSE_C}key-md5`]: createHash('md5').update('x').digest('base64') }), SSE_C), s3Error('InvalidArgument', /did not match/));
  const copy = 'x-amz-copy-source-server-side-encryption-customer-';
  assert.throws(() => customerKey({ [`${copy}algorithm`]: 'AES128' }, copy), (e: unknown) =>
    (e as S3Error).extra.ArgumentName === 'x-amz-copy-source-server-side-encryption');
});

test('Range: one bytes= range; anything else is ignored (the whole object), as AWS does', () => {
  assert.deepEqual(rangeHeader('bytes=0-9'), { start: 0, end: 9 });
  assert.deepEqual(rangeHeader('bytes=100-'), { start: 100 });
  assert.deepEqual(rangeHeader('bytes=-20'), { suffix: 20 });
  assert.deepEqual(rangeHeader('bytes=-0'), { suffix: 0 });
  for (const ignored of [undefined, '', 'bytes=5-3', 'bytes=-', 'bytes=0-1,4-5', 'items=0-1', 'bytes=a-b', 'bytes 0-1']) {
    assert.equal(rangeHeader(ignored), undefined, String(ignored));
  }
});

test('conditions: ETag lists kept as sent, dates parsed, bad dates ignored, copy-source twins', () => {
  assert.equal(conditions({}), undefined);
  assert.deepEqual(conditions({ 'if-match': '"a", "b"', 'if-modified-since': 'Wed, 21 Oct 2015 07:28:00 GMT', 'if-unmodified-since': 'garbage' }), {
    ifMatch: '"a", "b"', ifModifiedSince: new Date('2015-10-21T07:28:00Z'),
  });
  assert.deepEqual(conditions({ 'x-amz-copy-source-if-none-match': '*', 'if-match': 'x' }, 'x-amz-copy-source-'), { ifNoneMatch: '*' });
});

test('x-amz-checksum-*: one algorithm, a value of its length', () => {
  const crc = Buffer.from([1, 2, 3, 4]).toString('base64');
  assert.deepEqual(checksumHeader({ headers: { 'x-amz-checksum-crc32c': crc } }), { algorithm: 'CRC32C', expected: crc });
  assert.equal(checksumHeader({ headers: {} }), undefined);
  assert.throws(() => checksumHeader({ headers: { 'x-amz-checksum-crc32': crc, 'x-amz-checksum-sha1': crc } }), s3Error('InvalidRequest', /single x-amz-checksum-/));
  assert.throws(() => checksumHeader({ headers: { 'x-amz-checksum-sha256': crc } }), s3Error('InvalidRequest', /x-amz-checksum-sha256 header is invalid/));
});

test('DeleteObjects must send Content-MD5 or an x-amz-checksum-* (checked by readBody, see body.test.ts)', () => {
  const body = Buffer.from('<Delete/>');
  const md5 = createHash('md5').update(body).digest('base64');
  const sha256 = createHash('sha256').update(body).digest('base64');
  assert.doesNotThrow(() => requireIntegrityHeader({ 'content-md5': md5 }));
  assert.doesNotThrow(() => requireIntegrityHeader({ 'x-amz-checksum-sha256': sha256 }));
  assert.doesNotThrow(() => requireIntegrityHeader({ 'x-amz-trailer': 'x-amz-checksum-crc32' }));
  assert.throws(() => requireIntegrityHeader({}), s3Error('InvalidRequest', /Content-MD5 OR x-amz-checksum-\*/));
  assert.throws(() => requireIntegrityHeader({ 'x-amz-checksum-algorithm': 'CRC32' }), s3Error('InvalidRequest'));
});
test('x-amz-copy-source: bucket/key URL-decoded once, optional leading slash and versionId', () => {
  assert.deepEqual(copySource({ 'x-amz-copy-source': 'src/dir/a%20b%2Bc%3Fd.txt' }), {
    bucket: 'src', key: 'dir/a b+c?d.txt', versionId: undefined, conditions: undefined, sseKey: undefined,
  });
  // A literal plus is a plus, not a space; a leading slash and `//` in the key are kept apart.
  assert.deepEqual(copySource({ 'x-amz-copy-source': '/src//k+1?versionId=v1' })?.key, '/k+1');
  assert.equal(copySource({ 'x-amz-copy-source': '/src//k+1?versionId=v1' })?.versionId, 'v1');
  assert.equal(copySource({ 'x-amz-copy-source': 'src/%E2%82%AC' })?.key, '€');
  assert.equal(copySource({}), undefined);
  for (const bad of ['src', 'src/', '/k', '', 'src/%E2%82']) {
    assert.throws(() => copySource({ 'x-amz-copy-source': bad }), (e: unknown) =>
      s3Error('InvalidArgument')(e) && (e as S3Error).extra.ArgumentName === 'x-amz-copy-source', bad);
  }
  assert.deepEqual(copySource({ 'x-amz-copy-source': 'b/k', 'x-amz-copy-source-if-match': '"e"' })?.conditions, { ifMatch: '"e"' });
});

test('x-amz-copy-source-range is strictly bytes=first-last', () => {
  assert.deepEqual(copySourceRange({ 'x-amz-copy-source-range': 'bytes=5-10' }), { start: 5, end: 10 });
  assert.equal(copySourceRange({}), undefined);
  for (const bad of ['bytes=5-', 'bytes=-5', 'bytes=10-5', '5-10']) {
    assert.throws(() => copySourceRange({ 'x-amz-copy-source-range': bad }), s3Error('InvalidArgument'), bad);
  }
});

test('partNumber is 1 to 10000; versionId never empty', () => {
  assert.equal(partNumberParam(new URLSearchParams('partNumber=10000')), 10000);
  assert.equal(partNumberParam(new URLSearchParams('')), undefined);
  for (const bad of ['0', '10001', '-1', '1.5', 'x', '']) {
    assert.throws(() => partNumberParam(new URLSearchParams({ partNumber: bad })), s3Error('InvalidArgument', /between 1 and 10000/), bad);
  }
  assert.equal(versionIdParam(new URLSearchParams('versionId=null')), 'null');
  assert.equal(versionIdParam(new URLSearchParams('')), undefined);
  assert.throws(() => versionIdParam(new URLSearchParams('versionId=')), s3Error('InvalidArgument'));
});
