import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { S3Call } from './context.ts';
import { S3Error } from './s3-error.ts';
import { bucketFromHost, levelOf, operationFor, resolveTarget, subresourceOf } from './routing.ts';

describe('resolveTarget', () => {
  it('path-style: bucket is the first segment, the key the rest decoded once', () => {
    assert.deepEqual(resolveTarget('/b/a%2Fb//c/?x=1', '127.0.0.1:8780', '127.0.0.1'), {
      rawPath: '/b/a%2Fb//c/', rawQuery: 'x=1', bucket: 'b', key: 'a/b//c/',
    });
    assert.equal(resolveTarget('/b/%2541', undefined, '127.0.0.1').key, '%41');
    assert.equal(resolveTarget('/b/caf%C3%A9+x', undefined, '127.0.0.1').key, 'café+x');
  });

  it('path-style: `/b` and `/b/` address the bucket, `/` the service', () => {
    assert.deepEqual(levelOf(resolveTarget('/b', undefined, '127.0.0.1')), 'bucket');
    assert.equal(resolveTarget('/b/', undefined, '127.0.0.1').key, undefined);
    assert.equal(levelOf(resolveTarget('/?x', undefined, '127.0.0.1')), 'service');
  });

  it('virtual-host style: the Host names the bucket, the whole path is the key', () => {
    const t = resolveTarget('//lead/x', 'photos.localhost:8780', '127.0.0.1');
    assert.deepEqual(t, { rawPath: '//lead/x', rawQuery: '', bucket: 'photos', key: '/lead/x', bucketFromHost: 'photos' });
    assert.equal(resolveTarget('/', 'photos.localhost', '127.0.0.1').key, undefined);
  });

  it('an undecodable path is InvalidURI', () => {
    assert.throws(() => resolveTarget('/b/%E0%A4%A', undefined, '127.0.0.1'), (e: unknown) => e instanceof S3Error && e.code === 'InvalidURI');
  });
});

describe('bucketFromHost', () => {
  it('IP addresses, the own host and single labels are path-style', () => {
    for (const host of ['127.0.0.1:8780', '[::1]:8780', 'localhost:8780', 's3.example:80', 'S3.Example']) {
      assert.equal(bucketFromHost(host, 's3.example'), undefined, host);
    }
    assert.equal(bucketFromHost(undefined, '127.0.0.1'), undefined);
  });

  it('below the own host or localhost the whole prefix is the bucket, elsewhere the first label', () => {
    assert.equal(bucketFromHost('my.dotted.bucket.s3.example:8780', 's3.example'), 'my.dotted.bucket');
    assert.equal(bucketFromHost('my.bucket.localhost:8780', '127.0.0.1'), 'my.bucket');
    assert.equal(bucketFromHost('mybucket.s3.example', '127.0.0.1'), 'mybucket');
  });
});

describe('subresources and operations', () => {
  it('picks the first recognised sub-resource in precedence order', () => {
    assert.equal(subresourceOf(new URLSearchParams('versionId=1&tagging')), 'tagging');
    assert.equal(subresourceOf(new URLSearchParams('acl&uploadId=x')), 'uploadId');
    assert.equal(subresourceOf(new URLSearchParams('list-type=2&prefix=a')), '-');
  });

  it('routes known operations, answers NotImplemented for AWS operations it lacks and MethodNotAllowed otherwise', async () => {
    let called = '';
    const routes = { 'GET bucket cors': async () => void (called = 'cors') };
    await operationFor(routes, 'GET', 'bucket', 'cors')({} as S3Call);
    assert.equal(called, 'cors');
    await assert.rejects(operationFor(routes, 'PUT', 'bucket', 'website')({} as S3Call), (e: unknown) => e instanceof S3Error && e.code === 'NotImplemented' && e.status === 501);
    await assert.rejects(operationFor(routes, 'PUT', 'object', 'retention')({} as S3Call), (e: unknown) => e instanceof S3Error && e.status === 501);
    await assert.rejects(operationFor(routes, 'POST', 'service', '-')({} as S3Call), (e: unknown) =>
      e instanceof S3Error && e.code === 'MethodNotAllowed' && e.status === 405 && e.extra.ResourceType === 'SERVICE' && e.extra.Method === 'POST');
    await assert.rejects(operationFor(routes, 'PUT', 'bucket', 'versions')({} as S3Call), (e: unknown) => e instanceof S3Error && e.code === 'MethodNotAllowed');
  });
});
