import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corsXml, parseBucketTagging, parseCors, parseEncryption, policyIsPublic } from './bucket-config.ts';
import { S3Error } from './s3-error.ts';
import { parseXml } from './xml.ts';

const root = (xml: string, name: string) => parseXml(xml)[name] as Record<string, unknown>;
const s3Error = (code: string) => (e: unknown) => e instanceof S3Error && e.code === code;

describe('bucket CORS configuration', () => {
  const xml = '<CORSConfiguration><CORSRule><ID>web</ID><AllowedOrigin>https://*.example.org</AllowedOrigin><AllowedMethod>GET</AllowedMethod>' +
    '<AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule>' +
    '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>';

  it('parses rules and renders them back in S3 element order', () => {
    const rules = parseCors(root(xml, 'CORSConfiguration'));
    assert.deepEqual(rules, [
      { id: 'web', allowedOrigins: ['https://*.example.org'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 300 },
      { allowedOrigins: ['*'], allowedMethods: ['HEAD'], allowedHeaders: [], exposeHeaders: [] },
    ]);
    assert.match(corsXml(rules), /<CORSRule><ID>web<\/ID><AllowedHeader>\*<\/AllowedHeader><AllowedMethod>GET<\/AllowedMethod><AllowedMethod>PUT<\/AllowedMethod><AllowedOrigin>https:\/\/\*\.example\.org<\/AllowedOrigin><ExposeHeader>ETag<\/ExposeHeader><MaxAgeSeconds>300<\/MaxAgeSeconds><\/CORSRule>/);
    assert.deepEqual(parseCors(root(corsXml(rules), 'CORSConfiguration')), rules);
  });

  it('refuses unsupported methods, double wildcards and rules without origin', () => {
    assert.throws(() => parseCors(root('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>', 'CORSConfiguration')),
      (e: unknown) => e instanceof S3Error && e.code === 'InvalidRequest' && /Unsupported method is PATCH/.test(e.message));
    assert.throws(() => parseCors(root('<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', 'CORSConfiguration')), s3Error('InvalidRequest'));
    assert.throws(() => parseCors(root('<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', 'CORSConfiguration')), s3Error('MalformedXML'));
    assert.throws(() => parseCors({}), s3Error('MalformedXML'));
  });
});

describe('bucket tagging', () => {
  const tagging = (tags: [string, string][]) =>
    root(`<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`, 'Tagging');

  it('accepts up to 50 tags, more than an object may carry', () => {
    const fifty = Array.from({ length: 50 }, (_, i): [string, string] => [`k${i}`, `v${i}`]);
    assert.equal(Object.keys(parseBucketTagging(tagging(fifty))).length, 50);
    assert.throws(() => parseBucketTagging(tagging([...fifty, ['k50', 'v']])), s3Error('InvalidTag'));
  });

  it('refuses long keys and values, duplicates and a missing TagSet', () => {
    assert.throws(() => parseBucketTagging(tagging([['k'.repeat(129), 'v']])), s3Error('InvalidTag'));
    assert.throws(() => parseBucketTagging(tagging([['k', 'v'.repeat(257)]])), s3Error('InvalidTag'));
    assert.deepEqual(parseBucketTagging(tagging([['k'.repeat(128), 'v'.repeat(256)]])), { ['k'.repeat(128)]: 'v'.repeat(256) });
    assert.throws(() => parseBucketTagging(tagging([['a', '1'], ['a', '2']])), s3Error('InvalidTag'));
    assert.throws(() => parseBucketTagging({}), s3Error('MalformedXML'));
  });
});

describe('bucket encryption', () => {
  const config = (inner: string) => root(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>${inner}</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, 'ServerSideEncryptionConfiguration');

  it('accepts AES256 only; KMS is not implemented', () => {
    assert.deepEqual(parseEncryption(config('<SSEAlgorithm>AES256</SSEAlgorithm>')), { algorithm: 'AES256' });
    assert.throws(() => parseEncryption(config('<SSEAlgorithm>aws:kms</SSEAlgorithm>')), s3Error('NotImplemented'));
    assert.throws(() => parseEncryption(config('<SSEAlgorithm>DES</SSEAlgorithm>')), s3Error('MalformedXML'));
    assert.throws(() => parseEncryption(config('<SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>')), s3Error('InvalidArgument'));
  });
});

describe('policy status', () => {
  it('is public when a statement allows everyone without conditions', () => {
    const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    const base = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
    assert.equal(policyIsPublic(policy({ ...base, Principal: '*' })), true);
    assert.equal(policyIsPublic(policy({ ...base, Principal: { AWS: ['*'] } })), true);
    assert.equal(policyIsPublic(policy({ ...base, Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })), false);
    assert.equal(policyIsPublic(policy({ ...base, Principal: { AWS: 'arn:aws:iam::p1:root' } })), false);
    assert.equal(policyIsPublic(policy({ ...base, Effect: 'Deny', Principal: '*' })), false);
  });
});
