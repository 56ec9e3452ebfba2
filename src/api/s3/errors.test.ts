import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectError } from '../../services/object-storage/errors.ts';
import { errorXml, toS3Error } from './errors.ts';
import { S3Error } from './s3-error.ts';

describe('S3 errors', () => {
  it('maps missing configurations to their own codes, naming the bucket', () => {
    const cases: [string, string][] = [
      ['cors', 'NoSuchCORSConfiguration'], ['policy', 'NoSuchBucketPolicy'], ['tagging', 'NoSuchTagSet'],
      ['lifecycle', 'NoSuchLifecycleConfiguration'], ['encryption', 'ServerSideEncryptionConfigurationNotFoundError'],
    ];
    for (const [configuration, code] of cases) {
      const e = toS3Error(new ObjectError('NoSuchConfiguration', 'none', { configuration }), { bucket: 'b' })!;
      assert.equal(e.code, code);
      assert.equal(e.status, 404);
      assert.deepEqual(e.extra, { BucketName: 'b' });
    }
  });

  it("uses AWS's wording and elements: Key for NoSuchKey, KeyTooLongError, the deleted version's method", () => {
    const key = toS3Error(new ObjectError('NoSuchKey', 'backend words'), { bucket: 'b', key: 'a/b' })!;
    assert.equal(key.message, 'The specified key does not exist.');
    assert.deepEqual(key.extra, { Key: 'a/b' });
    assert.equal(toS3Error(new ObjectError('KeyTooLong', 'x'))!.code, 'KeyTooLongError');
    const marker = toS3Error(new ObjectError('MethodNotAllowed', 'x', { deleteMarker: true }), { bucket: 'b', key: 'k', method: 'GET' })!;
    assert.deepEqual(marker.extra, { Method: 'GET', ResourceType: 'DeleteMarker' });
    const digest = toS3Error(new ObjectError('BadDigest', 'The CRC32 you specified did not match the calculated checksum.'))!;
    assert.equal(digest.message, 'The CRC32 you specified did not match the calculated checksum.');
  });

  it('passes S3Errors through and leaves unknown failures to the caller', () => {
    const own = new S3Error('SignatureDoesNotMatch', 'm', 403);
    assert.equal(toS3Error(own), own);
    assert.equal(toS3Error(new Error('disk on fire')), undefined);
    assert.equal(toS3Error(Object.assign(new Error('bad url'), { code: 'FST_ERR_BAD_URL', statusCode: 400 }))!.code, 'InvalidURI');
  });

  it('renders Code, Message, the extras, RequestId and HostId in that order, without a namespace', () => {
    const xml = errorXml(new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: 'a<b' }), 'REQ', 'HOST');
    assert.equal(xml, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>' +
      '<BucketName>a&lt;b</BucketName><RequestId>REQ</RequestId><HostId>HOST</HostId></Error>');
  });
});
