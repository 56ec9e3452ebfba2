import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticateS3 } from './authenticate.ts';
import { EXAMPLE_KEY, exampleSecrets, rejectsWith, request } from './test-helpers.ts';

// AWS's published SigV2 examples ("Authenticating Requests (AWS Signature Version 2)").

const VIRTUAL = { bucketFromHost: 'awsexamplebucket1' };
const HOST = 'awsexamplebucket1.us-west-1.s3.amazonaws.com';
const auth = (signature: string) => `AWS ${EXAMPLE_KEY}:${signature}`;
const at = (date: string) => new Date(date);

test('the Object GET, Object PUT, List, ACL, ListAllMyBuckets and unicode key examples authenticate', async () => {
  const cases = [
    request('GET', '/photos/puppy.jpg', { Host: HOST, Date: 'Tue, 27 Mar 2007 19:36:42 +0000', Authorization: auth('qgk2+6Sv9/oM7G3qLEjTH1a1l1g=') }, VIRTUAL),
    request('PUT', '/photos/puppy.jpg', {
      Host: HOST, 'Content-Type': 'image/jpeg', 'Content-Length': '94328', Date: 'Tue, 27 Mar 2007 21:15:45 +0000',
      Authorization: auth('iqRzw+ileNPu1fhspnRs8nOjjIA='),
    }, VIRTUAL),
    request('GET', '/?prefix=photos&max-keys=50&marker=puppy', {
      Host: HOST, 'User-Agent': 'Mozilla/5.0', Date: 'Tue, 27 Mar 2007 19:42:41 +0000', Authorization: auth('m0WP8eCtspQl5Ahe6L1SozdX9YA='),
    }, VIRTUAL),
    request('GET', '/?acl', { Host: HOST, Date: 'Tue, 27 Mar 2007 19:44:46 +0000', Authorization: auth('82ZHiFIjc+WbcwFKGUVEQspPn+0=') }, VIRTUAL),
    request('GET', '/', { Host: 's3.us-west-1.amazonaws.com', Date: 'Wed, 28 Mar 2007 01:29:59 +0000', Authorization: auth('qGdzdERIC03wnaRNKh6OqZehG9s=') }),
    request('GET', '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re', {
      Host: 's3.us-west-1.amazonaws.com', Date: 'Wed, 28 Mar 2007 01:49:49 +0000', Authorization: auth('DNEZGsoieTZ92F3bUfSPQcbGmlM='),
    }),
  ];
  for (const req of cases) {
    const result = await authenticateS3(req, exampleSecrets, at(req.headers.date as string));
    assert.equal(result?.accessKey, EXAMPLE_KEY, `${req.method} ${req.rawPath}?${req.rawQuery}`);
  }
});

test('the upload example: x-amz-* headers are sorted, lower-cased, and a repeated one is joined with ","', async () => {
  const req = request('PUT', '/static.example.com/db-backup.dat.gz', {
    'User-Agent': 'curl/7.15.5', Host: 'example.com', Date: 'Tue, 27 Mar 2007 21:06:08 +0000', 'x-amz-acl': 'public-read',
    'content-type': 'application/x-download', 'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
    'X-Amz-Meta-FileChecksum': '0x02661779', 'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
    'Content-Disposition': 'attachment; filename=database.dat', 'Content-Encoding': 'gzip', 'Content-Length': '5913339',
    Authorization: auth('jtBQa0Aq+DkULFI8qrpwIjGEx0E='),
  });
  req.headers['x-amz-meta-reviewedby'] = ['joe@example.com', 'jane@example.com'];
  const result = await authenticateS3(req, exampleSecrets, at('2007-03-27T21:06:08Z'));
  assert.equal(result?.payload.contentMd5, '4gJE4saaMU4BqNR0kLY+lw==');
  req.headers['x-amz-meta-reviewedby'] = ['joe@example.com', 'jim@example.com'];
  await rejectsWith(authenticateS3(req, exampleSecrets, at('2007-03-27T21:06:08Z')), 'SignatureDoesNotMatch');
});

test('with x-amz-date the Date line is empty and x-amz-date is signed as an x-amz header', async () => {
  const req = request('DELETE', '/awsexamplebucket1/photos/puppy.jpg', {
    Host: 's3.us-west-1.amazonaws.com', Date: 'Tue, 27 Mar 2007 21:20:27 +0000', 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000',
    Authorization: auth('AAAAAAAAAAAAAAAAAAAAAAAAAAA='),
  });
  const err = await rejectsWith(authenticateS3(req, exampleSecrets, at('2007-03-27T21:20:26Z')), 'SignatureDoesNotMatch', 403);
  assert.equal(err.extra.StringToSign, 'DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/awsexamplebucket1/photos/puppy.jpg');
  assert.equal(err.extra.AWSAccessKeyId, EXAMPLE_KEY);
});

test('sub-resources are signed, sorted, with their decoded values; other parameters are not', async () => {
  const req = request('GET', '/bkt/key?versionId=a%2Bb&acl&prefix=ignored', {
    Host: 's3.test', Date: 'Tue, 27 Mar 2007 21:20:26 +0000', Authorization: auth('AAAAAAAAAAAAAAAAAAAAAAAAAAA='),
  });
  const err = await rejectsWith(authenticateS3(req, exampleSecrets, at('2007-03-27T21:20:26Z')), 'SignatureDoesNotMatch');
  assert.equal(err.extra.StringToSign, 'GET\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/bkt/key?acl&versionId=a+b');
  const bucket = request('GET', '/bkt?uploads', { Date: 'Tue, 27 Mar 2007 21:20:26 +0000', Authorization: auth('AAAAAAAAAAAAAAAAAAAAAAAAAAA=') });
  const err2 = await rejectsWith(authenticateS3(bucket, exampleSecrets, at('2007-03-27T21:20:26Z')), 'SignatureDoesNotMatch');
  assert.equal(err2.extra.StringToSign, 'GET\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/bkt/?uploads');
});

const PRESIGNED = '/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620';

test('the query string example authenticates until Expires, then has expired', async () => {
  const req = () => request('GET', PRESIGNED, { Host: 'johnsmith.s3.amazonaws.com' }, { bucketFromHost: 'johnsmith' });
  assert.equal((await authenticateS3(req(), exampleSecrets, new Date(1175139620_000)))?.accessKey, EXAMPLE_KEY);
  const err = await rejectsWith(authenticateS3(req(), exampleSecrets, new Date(1175139621_000)), 'AccessDenied', 403);
  assert.equal(err.message, 'Request has expired');
  assert.equal(err.extra.Expires, '2007-03-29T03:40:20Z');
  const other = request('GET', PRESIGNED.replace('puppy', 'kitten'), { Host: 'johnsmith.s3.amazonaws.com' }, { bucketFromHost: 'johnsmith' });
  await rejectsWith(authenticateS3(other, exampleSecrets, new Date(1175139620_000)), 'SignatureDoesNotMatch');
  const missing = request('GET', '/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x', {});
  assert.match((await rejectsWith(authenticateS3(missing, exampleSecrets), 'AccessDenied', 403)).message, /requires the Signature, Expires and AWSAccessKeyId/);
});

test('SigV2 header errors: bad format, unknown key, skewed clock, no date', async () => {
  const get = (headers: Record<string, string>) => request('GET', '/photos/puppy.jpg', { Host: HOST, ...headers }, VIRTUAL);
  const good = { Date: 'Tue, 27 Mar 2007 19:36:42 +0000', Authorization: auth('qgk2+6Sv9/oM7G3qLEjTH1a1l1g=') };
  const malformed = await rejectsWith(authenticateS3(get({ ...good, Authorization: 'AWS nocolon' }), exampleSecrets, at(good.Date)), 'InvalidArgument', 400);
  assert.equal(malformed.message, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
  await rejectsWith(authenticateS3(get({ ...good, Authorization: 'AWS OTHERKEY:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=' }), exampleSecrets, at(good.Date)), 'InvalidAccessKeyId', 403);
  await rejectsWith(authenticateS3(get(good), exampleSecrets, new Date(at(good.Date).getTime() + 16 * 60_000)), 'RequestTimeTooSkewed', 403);
  await rejectsWith(authenticateS3(get({ Authorization: good.Authorization }), exampleSecrets, at(good.Date)), 'AccessDenied', 403);
  await rejectsWith(authenticateS3(get(good), async () => 'wrong', at(good.Date)), 'SignatureDoesNotMatch', 403);
});
