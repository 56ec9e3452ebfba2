import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { projectContext } from '../../platform/auth.ts';
import { makeConfig } from '../../platform/config.ts';
import { SealingKey } from '../../platform/crypto.ts';
import { openDatabase, type Db } from '../../platform/db/index.ts';
import type { Identity } from '../../services/identity/index.ts';
import { createObjectStorage } from '../../services/object-storage/index.ts';
import { s3FrameworkError, s3Plugin } from './plugin.ts';

// The S3 wire format through Fastify's inject, on the real object layer, with identity stubbed:
// two projects' keys, and one key whose user lost its project.
const KEYS: Record<string, { secret: string; user: string; project: string }> = {
  ALICE: { secret: 'alice-secret', user: 'u-alice', project: 'p-alice' },
  BOB: { secret: 'bob-secret', user: 'u-bob', project: 'p-bob' },
  GONE: { secret: 'gone-secret', user: 'u-gone', project: 'p-gone' },
};

const identity = {
  credentials: {
    findEc2: async (access: string) => {
      const k = KEYS[access];
      return k && { access, secret: k.secret, user_id: k.user, tenant_id: k.project, trust_id: null };
    },
  },
  tokens: {
    ec2Context: async (c: { user_id: string; tenant_id: string }) => (c.user_id === 'u-gone' ? undefined : projectContext(c.tenant_id, ['member'], c.user_id)),
  },
} as unknown as Identity;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** A SigV4 Authorization header for a request whose path and query need no further encoding. */
function signed(access: string, method: string, url: string, host: string, body: string, headers: Record<string, string>): Record<string, string> {
  const [path, query = ''] = url.split('?') as [string, string?];
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const all: Record<string, string> = { ...headers, host, 'x-amz-date': amzDate, 'x-amz-content-sha256': sha256(body) };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([n, v]) => [n.toLowerCase(), v]));
  const canonicalQuery = query.split('&').filter(Boolean).map((p) => (p.includes('=') ? p : `${p}=`)).sort().join('&');
  const canonical = [method, path, canonicalQuery, names.map((n) => `${n}:${lower[n]!.trim()}\n`).join(''), names.join(';'), sha256(body)].join('\n');
  const scope = `${amzDate.slice(0, 8)}/RegionOne/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = ['RegionOne', 's3', 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${KEYS[access]?.secret ?? 'wrong'}`, amzDate.slice(0, 8)));
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return { ...all, authorization: `AWS4-HMAC-SHA256 Credential=${access}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

interface Res {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

let app: FastifyInstance;
let db: Db;
let dir: string;

async function s3(method: string, url: string, o: { as?: string; body?: string; headers?: Record<string, string>; host?: string } = {}): Promise<Res> {
  const host = o.host ?? '127.0.0.1:8780';
  const body = o.body ?? '';
  const headers = o.as ? signed(o.as, method, url, host, body, o.headers ?? {}) : { host, ...o.headers };
  const res = await app.inject({ method: method as 'GET', url, headers, payload: body || undefined });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

const alice = (method: string, url: string, o: { body?: string; headers?: Record<string, string>; host?: string } = {}) => s3(method, url, { ...o, as: 'ALICE' });

function errorCode(res: Res): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(res.body)?.[1];
}

describe('S3 plugin', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sov-s3-plugin-'));
    db = await openDatabase(':memory:');
    const objects = createObjectStorage(db, { dir, masterKey: new SealingKey(randomBytes(32)), log: { info: () => {}, warn: () => {}, error: () => {} } });
    app = Fastify({ frameworkErrors: s3FrameworkError });
    await app.register(s3Plugin, { objects, identity, config: makeConfig({ objectListen: '127.0.0.1:8780' }) });
  });
  after(async () => {
    await app.close();
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('stamps every answer with request ids and its name; errors are XML carrying the same id', async () => {
    const res = await s3('GET', '/');
    assert.equal(res.status, 403);
    assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
    assert.ok(String(res.headers['x-amz-id-2']).length > 20);
    assert.equal(res.headers.server, 'sovcloud');
    assert.equal(res.headers['content-type'], 'application/xml');
    assert.equal(errorCode(res), 'AccessDenied');
    assert.match(res.body, new RegExp(`<RequestId>${String(res.headers['x-amz-request-id'])}</RequestId><HostId>`));
  });

  it('unknown keys, wrong secrets and keys whose user lost the project are refused', async () => {
    const unknown = await s3('GET', '/', { as: 'NOBODY' });
    assert.equal(unknown.status, 403);
    assert.equal(errorCode(unknown), 'InvalidAccessKeyId');
    assert.match(unknown.body, /<AWSAccessKeyId>NOBODY<\/AWSAccessKeyId>/);
    const gone = await s3('GET', '/', { as: 'GONE' });
    assert.equal(errorCode(gone), 'InvalidAccessKeyId');
    const forged = signed('ALICE', 'GET', '/', '127.0.0.1:8780', '', {});
    forged.authorization = forged.authorization!.replace(/Signature=\w{6}/, 'Signature=000000');
    const res = await app.inject({ method: 'GET', url: '/', headers: forged });
    assert.equal(res.statusCode, 403);
    assert.equal(errorCode({ status: 403, body: res.body, headers: {} }), 'SignatureDoesNotMatch');
  });

  it('creates, heads, lists and deletes a bucket', async () => {
    const created = await alice('PUT', '/photos', { body: '<CreateBucketConfiguration><LocationConstraint>RegionOne</LocationConstraint></CreateBucketConfiguration>' });
    assert.equal(created.status, 200, created.body);
    assert.equal(created.headers.location, '/photos');
    const head = await alice('HEAD', '/photos');
    assert.equal(head.status, 200);
    assert.equal(head.headers['x-amz-bucket-region'], 'RegionOne');
    const list = await alice('GET', '/');
    assert.equal(list.status, 200);
    assert.match(list.body, /<ListAllMyBucketsResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><Owner><ID>p-alice<\/ID><DisplayName>p-alice<\/DisplayName><\/Owner><Buckets><Bucket><Name>photos<\/Name><CreationDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/CreationDate><BucketRegion>RegionOne<\/BucketRegion><\/Bucket><\/Buckets><\/ListAllMyBucketsResult>/);
    const again = await alice('PUT', '/photos');
    assert.equal(again.status, 409);
    assert.equal(errorCode(again), 'BucketAlreadyOwnedByYou');
    assert.equal(errorCode(await s3('PUT', '/photos', { as: 'BOB' })), 'BucketAlreadyExists');
    assert.equal(errorCode(await alice('PUT', '/elsewhere', { body: '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>' })), 'InvalidLocationConstraint');
    assert.equal(errorCode(await alice('PUT', '/Bad_Name')), 'InvalidBucketName');
    assert.equal((await alice('PUT', '/photos/k', { body: 'data' })).status, 200);
    const notEmpty = await alice('DELETE', '/photos');
    assert.equal(notEmpty.status, 409);
    assert.match(notEmpty.body, /<Code>BucketNotEmpty<\/Code>.*<BucketName>photos<\/BucketName>/);
    assert.equal((await alice('DELETE', '/photos/k')).status, 204);
    assert.equal((await alice('DELETE', '/photos')).status, 204);
    const missing = await alice('HEAD', '/photos');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '');
    const get = await alice('GET', '/photos?location');
    assert.match(get.body, /<Code>NoSuchBucket<\/Code><Message>The specified bucket does not exist<\/Message><BucketName>photos<\/BucketName>/);
  });

  it('lists buckets by prefix in pages', async () => {
    for (const name of ['page-a', 'page-b', 'page-c', 'other-d']) await alice('PUT', `/${name}`);
    const names = (body: string) => [...body.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]);
    const first = await alice('GET', '/?prefix=page-&max-buckets=2');
    assert.deepEqual(names(first.body), ['page-a', 'page-b']);
    const token = /<ContinuationToken>([^<]+)<\/ContinuationToken><Prefix>page-<\/Prefix>/.exec(first.body)?.[1];
    assert.ok(token, first.body);
    const second = await alice('GET', `/?continuation-token=${token}&max-buckets=2&prefix=page-`);
    assert.deepEqual(names(second.body), ['page-c']);
    assert.doesNotMatch(second.body, /ContinuationToken/);
    assert.equal(errorCode(await alice('GET', '/?max-buckets=0')), 'InvalidArgument');
    for (const name of ['page-a', 'page-b', 'page-c', 'other-d']) await alice('DELETE', `/${name}`);
  });

  it('another project may not see or change the bucket', async () => {
    await alice('PUT', '/private-b');
    for (const [method, url] of [['HEAD', '/private-b'], ['GET', '/private-b?cors'], ['PUT', '/private-b?versioning'], ['DELETE', '/private-b']] as const) {
      const res = await s3(method, url, { as: 'BOB', body: method === 'PUT' ? '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' : '' });
      assert.equal(res.status, 403, `${method} ${url}: ${res.body}`);
    }
    assert.equal((await alice('DELETE', '/private-b')).status, 204);
  });

  it('round-trips every bucket configuration and answers the exact code when one is missing', async () => {
    await alice('PUT', '/conf');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::conf/*' }] });
    const cases: [string, string, string, string][] = [
      ['cors', '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', 'NoSuchCORSConfiguration',
        '<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>'],
      ['tagging', '<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>', 'NoSuchTagSet',
        '<TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet>'],
      ['lifecycle', '<LifecycleConfiguration><Rule><ID>x</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>',
        'NoSuchLifecycleConfiguration', '<Rule><ID>x</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>'],
      ['encryption', '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
        'ServerSideEncryptionConfigurationNotFoundError', '<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>'],
      ['policy', policy, 'NoSuchBucketPolicy', policy],
    ];
    for (const [sub, body, missing, expected] of cases) {
      const none = await alice('GET', `/conf?${sub}`);
      assert.equal(none.status, 404, sub);
      assert.equal(errorCode(none), missing);
      assert.ok([200, 204].includes((await alice('PUT', `/conf?${sub}`, { body })).status), sub);
      const got = await alice('GET', `/conf?${sub}`);
      assert.equal(got.status, 200, `${sub}: ${got.body}`);
      assert.ok(got.body.includes(expected), `${sub}: ${got.body}`);
      assert.equal((await alice('DELETE', `/conf?${sub}`)).status, 204);
      assert.equal(errorCode(await alice('GET', `/conf?${sub}`)), missing);
    }
    assert.equal(errorCode(await alice('PUT', '/conf?policy', { body: '{"Statement": []}' })), 'MalformedPolicy');
    assert.equal(errorCode(await alice('PUT', '/conf?cors', { body: '<CORSConfiguration><CORSRule>' })), 'MalformedXML');
    assert.equal(errorCode(await alice('PUT', '/conf?cors', { body: `<CORSConfiguration>${' '.repeat(1024 * 1024)}</CORSConfiguration>` })), 'MaxMessageLengthExceeded');
    assert.equal(errorCode(await alice('PUT', '/conf?tagging', { body: cases[1]![1], headers: { 'content-md5': createHash('md5').update('other').digest('base64') } })), 'BadDigest');
    await alice('DELETE', '/conf');
  });

  it('versioning, location, ACL and the settings it does not offer', async () => {
    assert.equal((await alice('PUT', '/ver', { headers: { 'x-amz-acl': 'public-read' } })).status, 200);
    assert.match((await alice('GET', '/ver?versioning')).body, /<VersioningConfiguration xmlns="[^"]+"><\/VersioningConfiguration>/);
    await alice('PUT', '/ver?versioning', { body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    assert.match((await alice('GET', '/ver?versioning')).body, /<Status>Enabled<\/Status>/);
    assert.equal(errorCode(await alice('PUT', '/ver?versioning', { body: '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>' })), 'MalformedXML');
    assert.match((await alice('GET', '/ver?location')).body, /<LocationConstraint xmlns="[^"]+">RegionOne<\/LocationConstraint>/);
    assert.match((await alice('GET', '/ver?acl')).body, /AllUsers<\/URI><\/Grantee><Permission>READ/);
    assert.equal((await alice('PUT', '/ver?acl', { headers: { 'x-amz-acl': 'private' } })).status, 200);
    assert.doesNotMatch((await alice('GET', '/ver?acl')).body, /AllUsers/);
    assert.equal(errorCode(await alice('GET', '/ver?website')), 'NoSuchWebsiteConfiguration');
    assert.match((await alice('GET', '/ver?logging')).body, /<BucketLoggingStatus xmlns="http:\/\/doc.s3.amazonaws.com\/2006-03-01">/);
    const website = await alice('PUT', '/ver?website', { body: '<WebsiteConfiguration/>' });
    assert.equal(website.status, 501);
    assert.equal(errorCode(website), 'NotImplemented');
    const post = await alice('POST', '/');
    assert.equal(post.status, 405);
    assert.match(post.body, /<Method>POST<\/Method><ResourceType>SERVICE<\/ResourceType>/);
    const patch = await alice('PATCH', '/ver');
    assert.equal(patch.status, 405);
    assert.match(patch.body, /<Method>PATCH<\/Method><ResourceType>BUCKET<\/ResourceType>/);
  });

  it('addresses buckets by Host: virtual-host style below localhost or a name, path-style for IPs', async () => {
    await alice('PUT', '/vhost.bucket');
    assert.equal((await alice('PUT', '/a//b/', { host: 'vhost.bucket.localhost:8780', body: 'x' })).status, 200);
    const listed = await alice('GET', '/?list-type=2', { host: 'vhost.bucket.localhost:8780' });
    assert.match(listed.body, /<Key>a\/\/b\/<\/Key>/);
    assert.equal((await alice('HEAD', '/vhost.bucket/a//b/')).status, 200);
    assert.equal((await alice('HEAD', '/vhost.bucket/a/b/')).status, 404);
  });

  it('answers CORS preflights from the bucket rules and adds CORS headers to matching requests', async () => {
    await alice('PUT', '/web');
    const origin = { origin: 'https://app.example.org', 'access-control-request-method': 'PUT' };
    const disabled = await s3('OPTIONS', '/web/index.html', { headers: origin });
    assert.equal(disabled.status, 403);
    assert.match(disabled.body, /<Code>AccessForbidden<\/Code><Message>CORSResponse: CORS is not enabled for this bucket.<\/Message>/);
    await alice('PUT', '/web?cors', {
      body: '<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.org</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>' +
        '<AllowedHeader>content-type</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>',
    });
    const ok = await s3('OPTIONS', '/web/index.html', { headers: { ...origin, 'access-control-request-headers': 'Content-Type' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.org');
    assert.equal(ok.headers['access-control-allow-methods'], 'PUT, GET');
    assert.equal(ok.headers['access-control-allow-headers'], 'content-type');
    const refused = await s3('OPTIONS', '/web/index.html', { headers: { ...origin, 'access-control-request-headers': 'x-secret' } });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /This CORS request is not allowed/);
    const actual = await alice('GET', '/web/missing', { headers: { origin: 'https://app.example.org' } });
    assert.equal(actual.status, 404);
    assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example.org');
    assert.equal(actual.headers['access-control-expose-headers'], 'ETag');
    assert.equal((await alice('GET', '/web/missing', { headers: { origin: 'https://evil.test' } })).headers['access-control-allow-origin'], undefined);
  });

  it('a URL that does not decode is InvalidURI, as XML', async () => {
    const res = await app.inject({ method: 'GET', url: '/b/%zz' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'application/xml');
    assert.match(res.body, /<Code>InvalidURI<\/Code>/);
    assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  });
});
