import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticateS3 } from './authenticate.ts';
import { signingKey } from './sigv4.ts';
import { EXAMPLE_KEY, EXAMPLE_SECRET, EXAMPLE_TIME, exampleSecrets, rejectsWith, request } from './test-helpers.ts';

// AWS's published SigV4 examples for S3 ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query Parameters").

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HOST = 'examplebucket.s3.amazonaws.com';

function authorization(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;
}

const GET_SIGNATURE = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
function getObject(overrides: Record<string, string> = {}) {
  return request('GET', '/test.txt', {
    Host: HOST,
    Range: 'bytes=0-9',
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': '20130524T000000Z',
    Authorization: authorization('host;range;x-amz-content-sha256;x-amz-date', GET_SIGNATURE),
    ...overrides,
  });
}

test('the GET Object example authenticates, and its payload hash is checked against the body', async () => {
  const auth = await authenticateS3(getObject(), exampleSecrets, EXAMPLE_TIME);
  assert.equal(auth?.accessKey, EXAMPLE_KEY);
  assert.deepEqual(auth?.payload.hashes, ['SHA256']);
  auth!.payload.verify!({ size: 0, md5Hex: '', checksums: { SHA256: Buffer.from(EMPTY_SHA256, 'hex').toString('base64') } });
  const err = (() => {
    try {
      auth!.payload.verify!({ size: 1, md5Hex: '', checksums: { SHA256: Buffer.alloc(32).toString('base64') } });
    } catch (e) {
      return e as { code: string; status: number };
    }
  })();
  assert.equal(err?.code, 'XAmzContentSHA256Mismatch');
  assert.equal(err?.status, 400);
});

test('a wrong signature is reported with the canonical request and string to sign S3 computed', async () => {
  const err = await rejectsWith(
    authenticateS3(getObject({ Authorization: authorization('host;range;x-amz-content-sha256;x-amz-date', '0'.repeat(64)) }), exampleSecrets, EXAMPLE_TIME),
    'SignatureDoesNotMatch', 403,
  );
  assert.equal(err.extra.CanonicalRequest, [
    'GET', '/test.txt', '',
    'host:examplebucket.s3.amazonaws.com', 'range:bytes=0-9', `x-amz-content-sha256:${EMPTY_SHA256}`, 'x-amz-date:20130524T000000Z', '',
    'host;range;x-amz-content-sha256;x-amz-date', EMPTY_SHA256,
  ].join('\n'));
  assert.equal(err.extra.StringToSign, 'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
  assert.equal(err.extra.AWSAccessKeyId, EXAMPLE_KEY);
  assert.equal(err.extra.SignatureProvided, '0'.repeat(64));
  assert.match(err.extra.StringToSignBytes!, /^41 57 53 34 2d/);
});

test('a tampered signed header, a wrong secret and an unknown key are refused', async () => {
  await rejectsWith(authenticateS3(getObject({ Range: 'bytes=0-10' }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch', 403);
  await rejectsWith(authenticateS3(getObject(), async () => 'another secret', EXAMPLE_TIME), 'SignatureDoesNotMatch', 403);
  const err = await rejectsWith(authenticateS3(getObject(), async () => undefined, EXAMPLE_TIME), 'InvalidAccessKeyId', 403);
  assert.equal(err.message, 'The AWS Access Key Id you provided does not exist in our records.');
  assert.equal(err.extra.AWSAccessKeyId, EXAMPLE_KEY);
});

test('header values are trimmed and their inner whitespace collapsed before signing', async () => {
  assert.ok(await authenticateS3(getObject({ Range: '  bytes=0-9 ' }), exampleSecrets, EXAMPLE_TIME));
  await rejectsWith(authenticateS3(getObject({ Range: 'bytes= 0-9' }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
});

test('the PUT Object example: a key with "$", sent escaped or not, is signed as %24', async () => {
  for (const path of ['/test%24file.text', '/test$file.text']) {
    const req = request('PUT', path, {
      Host: HOST,
      Date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      'content-length': '21',
      Authorization: authorization('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
    });
    const auth = await authenticateS3(req, exampleSecrets, EXAMPLE_TIME);
    assert.equal(auth?.payload.size, 21);
  }
});

test('the GET Bucket lifecycle and List Objects examples: query parameters are sorted and valueless ones get "="', async () => {
  const headers = { Host: HOST, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' };
  const lifecycle = authorization('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  assert.ok(await authenticateS3(request('GET', '/?lifecycle', { ...headers, Authorization: lifecycle }), exampleSecrets, EXAMPLE_TIME));
  const list = authorization('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  for (const target of ['/?max-keys=2&prefix=J', '/?prefix=J&max-keys=2', '/?prefix=%4A&max-keys=2']) {
    assert.ok(await authenticateS3(request('GET', target, { ...headers, Authorization: list }), exampleSecrets, EXAMPLE_TIME), target);
  }
  await rejectsWith(authenticateS3(request('GET', '/?max-keys=3&prefix=J', { ...headers, Authorization: list }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
});

test('header signatures hold for 15 minutes either side of the server clock', async () => {
  const at = (minutes: number) => new Date(EXAMPLE_TIME.getTime() + minutes * 60_000);
  assert.ok(await authenticateS3(getObject(), exampleSecrets, at(14.9)));
  assert.ok(await authenticateS3(getObject(), exampleSecrets, at(-14.9)));
  const err = await rejectsWith(authenticateS3(getObject(), exampleSecrets, at(15.1)), 'RequestTimeTooSkewed', 403);
  assert.equal(err.extra.RequestTime, '20130524T000000Z');
  assert.equal(err.extra.MaxAllowedSkewMilliseconds, '900000');
  await rejectsWith(authenticateS3(getObject(), exampleSecrets, at(-15.1)), 'RequestTimeTooSkewed', 403);
});

test('x-amz-* headers outside SignedHeaders, and an unsigned Host, are refused', async () => {
  const err = await rejectsWith(authenticateS3(getObject({ 'x-amz-acl': 'public-read' }), exampleSecrets, EXAMPLE_TIME), 'AccessDenied', 403);
  assert.equal(err.message, 'There were headers present in the request which were not signed');
  assert.equal(err.extra.HeadersNotSigned, 'x-amz-acl');
  const hostless = getObject({ Authorization: authorization('range;x-amz-content-sha256;x-amz-date', GET_SIGNATURE) });
  assert.equal((await rejectsWith(authenticateS3(hostless, exampleSecrets, EXAMPLE_TIME), 'AccessDenied')).extra.HeadersNotSigned, 'host');
});

test('malformed Authorization headers get the errors S3 gives', async () => {
  const cases: [string, string, number, RegExp?][] = [
    [`AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130524/us-east-1/s3/aws4_request,Signature=${GET_SIGNATURE}`, 'AuthorizationHeaderMalformed', 400, /requires three components/],
    [`AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130524/us-east-1/s3,SignedHeaders=host,Signature=x`, 'AuthorizationHeaderMalformed', 400, /Credential is mal-formed/],
    [`AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130524/us-east-1/ec2/aws4_request,SignedHeaders=host,Signature=x`, 'AuthorizationHeaderMalformed', 400, /incorrect service "ec2"/],
    [`AWS4-HMAC-SHA256 Credential=${EXAMPLE_KEY}/20130525/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=x`, 'AuthorizationHeaderMalformed', 400, /Invalid credential date/],
    [`AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=x`, 'AuthorizationHeaderMalformed', 400, /non-empty Access Key/],
    ['AWS4-HMAC-SHA512 Credential=a', 'InvalidArgument', 400, /Unsupported Authorization Type/],
    ['Bearer abc', 'InvalidArgument', 400, /Unsupported Authorization Type/],
  ];
  for (const [value, code, status, message] of cases) {
    const err = await rejectsWith(authenticateS3(getObject({ Authorization: value }), exampleSecrets, EXAMPLE_TIME), code, status);
    if (message) assert.match(err.message, message);
  }
});

test('a request without a date, or without x-amz-content-sha256, is refused', async () => {
  const noDate = getObject();
  delete noDate.headers['x-amz-date'];
  const err = await rejectsWith(authenticateS3(noDate, exampleSecrets, EXAMPLE_TIME), 'AccessDenied', 403);
  assert.equal(err.message, 'AWS authentication requires a valid Date or x-amz-date header');
  const noHash = getObject();
  delete noHash.headers['x-amz-content-sha256'];
  await rejectsWith(authenticateS3(noHash, exampleSecrets, EXAMPLE_TIME), 'InvalidRequest', 400);
});

const PRESIGNED = '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request'
  + '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host'
  + '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';

test('the presigned GET example authenticates until it expires, with an unsigned payload', async () => {
  const auth = await authenticateS3(request('GET', PRESIGNED, { Host: HOST }), exampleSecrets, EXAMPLE_TIME);
  assert.equal(auth?.accessKey, EXAMPLE_KEY);
  assert.equal(auth?.payload.verify, undefined);
  assert.ok(await authenticateS3(request('GET', PRESIGNED, { Host: HOST }), exampleSecrets, new Date(EXAMPLE_TIME.getTime() + 86400_000)));
  const err = await rejectsWith(authenticateS3(request('GET', PRESIGNED, { Host: HOST }), exampleSecrets, new Date(EXAMPLE_TIME.getTime() + 86401_000)), 'AccessDenied', 403);
  assert.equal(err.message, 'Request has expired');
  assert.equal(err.extra.Expires, '2013-05-25T00:00:00Z');
  assert.equal(err.extra['X-Amz-Expires'], '86400');
  await rejectsWith(authenticateS3(request('GET', PRESIGNED, { Host: HOST }), exampleSecrets, new Date(EXAMPLE_TIME.getTime() - 16 * 60_000)), 'AccessDenied');
});

test('a presigned URL refuses a different host, key or signature, and an Authorization header beside it', async () => {
  await rejectsWith(authenticateS3(request('GET', PRESIGNED, { Host: 'other.s3.amazonaws.com' }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
  await rejectsWith(authenticateS3(request('GET', PRESIGNED.replace('/test.txt', '/test2.txt'), { Host: HOST }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
  await rejectsWith(authenticateS3(request('GET', PRESIGNED.replace(/.$/, '5'), { Host: HOST }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
  await rejectsWith(authenticateS3(request('GET', `${PRESIGNED}&versionId=1`, { Host: HOST }), exampleSecrets, EXAMPLE_TIME), 'SignatureDoesNotMatch');
  const both = await rejectsWith(authenticateS3(request('GET', PRESIGNED, { Host: HOST, Authorization: 'AWS a:b' }), exampleSecrets, EXAMPLE_TIME), 'InvalidArgument', 400);
  assert.match(both.message, /^Only one auth mechanism allowed/);
});

test('presigned parameters are validated as S3 does', async () => {
  const cases: [string, string][] = [
    [PRESIGNED.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801'), 'X-Amz-Expires must be less than a week (in seconds) that is 604800'],
    [PRESIGNED.replace('X-Amz-Expires=86400', 'X-Amz-Expires=soon'), 'X-Amz-Expires should be a number'],
    [PRESIGNED.replace('X-Amz-Expires=86400', 'X-Amz-Expires=-1'), 'X-Amz-Expires must be non-negative'],
    [PRESIGNED.replace('&X-Amz-Date=20130524T000000Z', ''), 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.'],
    [PRESIGNED.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'), 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'],
    [PRESIGNED.replace('%2Fs3%2F', '%2Fsqs%2F'), 'Error parsing the X-Amz-Credential parameter; incorrect service "sqs". This endpoint belongs to "s3".'],
    [PRESIGNED.replace('X-Amz-Date=20130524T000000Z', 'X-Amz-Date=20130525T000000Z'), 'Invalid credential date "20130524". This date is not the same as X-Amz-Date: "20130525".'],
  ];
  for (const [target, message] of cases) {
    const err = await rejectsWith(authenticateS3(request('GET', target, { Host: HOST }), exampleSecrets, EXAMPLE_TIME), 'AuthorizationQueryParametersError', 400);
    assert.equal(err.message, message);
  }
});

test('a request with no authentication at all is anonymous', async () => {
  assert.equal(await authenticateS3(request('GET', '/test.txt?versionId=3', { Host: HOST }), exampleSecrets, EXAMPLE_TIME), null);
});

test('signing keys are derived once per secret, day and region', () => {
  const key = signingKey(EXAMPLE_SECRET, '20130524', 'us-east-1', 's3');
  assert.equal(signingKey(EXAMPLE_SECRET, '20130524', 'us-east-1', 's3'), key);
  assert.notEqual(signingKey(EXAMPLE_SECRET, '20130525', 'us-east-1', 's3'), key);
  assert.notDeepEqual(signingKey('other', '20130524', 'us-east-1', 's3'), key);
});
