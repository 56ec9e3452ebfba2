import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { parseCompletion } from './multipart.ts';
import { ObjectStage } from './object-test-kit.ts';
import { S3Error } from './s3-error.ts';
import { parseXml } from './xml.ts';

const alice = projectContext('p-alice', ['member']);
const MiB = 1024 * 1024;

test('CompleteMultipartUpload bodies: parts in the client\'s order, ETags unquoted, checksums kept', () => {
  const parts = parseCompletion(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Part><PartNumber>2</PartNumber><ETag>"bb"</ETag></Part>
    <Part><ETag>aa</ETag><PartNumber> 1 </PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
  </CompleteMultipartUpload>`);
  assert.deepEqual(parts, [{ partNumber: 2, etag: 'bb' }, { partNumber: 1, etag: 'aa', checksum: 'AAAAAA==' }]);
  for (const bad of ['<CompleteMultipartUpload/>', '<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>',
    '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>', '<Other/>', 'not xml <']) {
    assert.throws(() => parseCompletion(bad), (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML', bad);
  }
});

describe('S3 multipart operations', () => {
  let stage: ObjectStage;
  const call = (route: string, query: string, o: { body?: string | Buffer; headers?: Record<string, string>; key?: string } = {}) =>
    stage.call(route, { caller: alice, bucket: 'mpu', key: o.key ?? 'big', query, body: o.body, headers: o.headers });
  const create = async (key = 'big', headers: Record<string, string> = {}) => {
    const r = await call('POST object uploads', 'uploads', { key, headers });
    return (parseXml(r.body) as any).InitiateMultipartUploadResult.UploadId as string;
  };
  const completion = (parts: [number, string][]) =>
    `<CompleteMultipartUpload>${parts.map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;

  before(async () => {
    stage = await ObjectStage.open();
    await stage.store.createBucket(alice, 'mpu', {});
  });
  after(() => stage.close());

  it('create, upload parts, list them, complete: the object is the parts in order with a multipart ETag', async () => {
    const created = await call('POST object uploads', 'uploads', { headers: { 'content-type': 'video/mp4', 'x-amz-meta-m': '1', 'x-amz-checksum-algorithm': 'SHA256' } });
    assert.equal(created.headers['x-amz-checksum-algorithm'], 'SHA256');
    const init = (parseXml(created.body) as any).InitiateMultipartUploadResult;
    assert.deepEqual([init.Bucket, init.Key], ['mpu', 'big']);
    const id = init.UploadId as string;
    const p1 = Buffer.alloc(5 * MiB, 'a');
    const p2 = Buffer.from('tail');
    const e1 = (await call('PUT object uploadId', `partNumber=1&uploadId=${id}`, { body: p1 })).headers.etag!;
    const up2 = await call('PUT object uploadId', `partNumber=2&uploadId=${id}`, { body: p2, headers: { 'x-amz-checksum-sha256': createHash('sha256').update(p2).digest('base64') } });
    assert.equal(up2.headers['x-amz-checksum-sha256'], createHash('sha256').update(p2).digest('base64'));
    assert.equal(e1, `"${createHash('md5').update(p1).digest('hex')}"`);

    const page = (parseXml((await call('GET object uploadId', `uploadId=${id}&max-parts=1`)).body) as any).ListPartsResult;
    assert.deepEqual([page.IsTruncated, page.MaxParts, page.NextPartNumberMarker, page.Part.length, page.Part[0].ETag, page.Part[0].Size, page.ChecksumAlgorithm],
      ['true', '1', '1', 1, e1, String(5 * MiB), 'SHA256']);
    assert.ok(page.Part[0].ChecksumSHA256);
    const rest = (parseXml((await call('GET object uploadId', `uploadId=${id}&part-number-marker=1`)).body) as any).ListPartsResult;
    assert.deepEqual([rest.IsTruncated, rest.PartNumberMarker, rest.Part.map((p: any) => p.PartNumber)], ['false', '1', ['2']]);

    const uploads = (parseXml((await stage.call('GET bucket uploads', { caller: alice, bucket: 'mpu', query: 'uploads' })).body) as any).ListMultipartUploadsResult;
    assert.deepEqual([uploads.Upload.Key, uploads.Upload.UploadId, uploads.Upload.Initiator.ID, uploads.IsTruncated], ['big', id, 'p-alice', 'false']);

    const outOfOrder = await stage.fails('POST object uploadId', { caller: alice, bucket: 'mpu', key: 'big', query: `uploadId=${id}`, body: completion([[2, up2.headers.etag!], [1, e1]]) });
    assert.equal(outOfOrder.code, 'InvalidPartOrder');
    const wrongEtag = await stage.fails('POST object uploadId', { caller: alice, bucket: 'mpu', key: 'big', query: `uploadId=${id}`, body: completion([[1, '"00"'], [2, up2.headers.etag!]]) });
    assert.equal(wrongEtag.code, 'InvalidPart');

    const done = await call('POST object uploadId', `uploadId=${id}`, { body: completion([[1, e1], [2, up2.headers.etag!]]) });
    const result = (parseXml(done.body) as any).CompleteMultipartUploadResult;
    const etags = Buffer.concat([p1, p2].map((p) => createHash('md5').update(p).digest()));
    assert.deepEqual([result.Location, result.Bucket, result.Key, result.ETag], ['http://objects.test/mpu/big', 'mpu', 'big', `"${createHash('md5').update(etags).digest('hex')}-2"`]);
    assert.match(result.ChecksumSHA256, /-2$/);
    const object = await stage.call('HEAD object -', { caller: alice, bucket: 'mpu', key: 'big', query: 'partNumber=2' });
    assert.deepEqual([object.status, object.headers['x-amz-mp-parts-count'], object.headers['content-range'], object.headers['x-amz-meta-m'], object.headers['content-type']],
      [206, '2', `bytes ${5 * MiB}-${5 * MiB + 3}/${5 * MiB + 4}`, '1', 'video/mp4']);
    assert.equal((await stage.fails('GET object uploadId', { caller: alice, bucket: 'mpu', key: 'big', query: `uploadId=${id}` })).code, 'NoSuchUpload');
  });

  it('parts smaller than 5 MiB (but the last) are EntityTooSmall; an empty part list is MalformedXML', async () => {
    const id = await create('small');
    const e1 = (await call('PUT object uploadId', `partNumber=1&uploadId=${id}`, { key: 'small', body: 'x' })).headers.etag!;
    const e2 = (await call('PUT object uploadId', `partNumber=2&uploadId=${id}`, { key: 'small', body: 'y' })).headers.etag!;
    const tooSmall = await stage.fails('POST object uploadId', { caller: alice, bucket: 'mpu', key: 'small', query: `uploadId=${id}`, body: completion([[1, e1], [2, e2]]) });
    assert.equal(tooSmall.code, 'EntityTooSmall');
    const empty = await stage.fails('POST object uploadId', { caller: alice, bucket: 'mpu', key: 'small', query: `uploadId=${id}`, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' });
    assert.equal(empty.code, 'MalformedXML');
    const badNumber = await stage.fails('PUT object uploadId', { caller: alice, bucket: 'mpu', key: 'small', query: `partNumber=0&uploadId=${id}`, body: 'z' });
    assert.equal(badNumber.code, 'InvalidArgument');
    assert.equal((await call('DELETE object uploadId', `uploadId=${id}`, { key: 'small' })).status, 204);
    assert.equal((await stage.fails('DELETE object uploadId', { caller: alice, bucket: 'mpu', key: 'small', query: `uploadId=${id}` })).code, 'NoSuchUpload');
  });

  it('UploadPartCopy copies a byte range of another object', async () => {
    await stage.call('PUT object -', { caller: alice, bucket: 'mpu', key: 'source', body: '0123456789' });
    const id = await create('assembled');
    const copied = await call('PUT object uploadId', `partNumber=1&uploadId=${id}`, { key: 'assembled', headers: { 'x-amz-copy-source': 'mpu/source', 'x-amz-copy-source-range': 'bytes=2-5' } });
    const result = (parseXml(copied.body) as any).CopyPartResult;
    assert.equal(result.ETag, `"${createHash('md5').update('2345').digest('hex')}"`);
    assert.match(result.LastModified, /Z$/);
    const badRange = await stage.fails('PUT object uploadId', { caller: alice, bucket: 'mpu', key: 'assembled', query: `partNumber=2&uploadId=${id}`, headers: { 'x-amz-copy-source': 'mpu/source', 'x-amz-copy-source-range': 'bytes=5-' } });
    assert.equal(badRange.code, 'InvalidArgument');
    await call('POST object uploadId', `uploadId=${id}`, { key: 'assembled', body: completion([[1, result.ETag]]) });
    assert.equal((await stage.call('GET object -', { caller: alice, bucket: 'mpu', key: 'assembled' })).body, '2345');
  });

  it('ListMultipartUploads pages with key and upload-id markers and folds common prefixes', async () => {
    await stage.store.createBucket(alice, 'ups', {});
    const ids: string[] = [];
    for (const key of ['d/1', 'd/2', 'e', 'e']) {
      const r = await stage.call('POST object uploads', { caller: alice, bucket: 'ups', key, query: 'uploads' });
      ids.push((parseXml(r.body) as any).InitiateMultipartUploadResult.UploadId);
    }
    const list = async (query: string) => (parseXml((await stage.call('GET bucket uploads', { caller: alice, bucket: 'ups', query: `uploads&${query}` })).body) as any).ListMultipartUploadsResult;
    const folded = await list('delimiter=%2F');
    assert.deepEqual([folded.CommonPrefixes.Prefix, [folded.Upload].flat().map((u: any) => u.Key)], ['d/', ['e', 'e']]);
    const first = await list('max-uploads=3');
    assert.deepEqual([first.IsTruncated, first.NextKeyMarker, [first.Upload].flat().length], ['true', 'e', 3]);
    const next = await list(`key-marker=${first.NextKeyMarker}&upload-id-marker=${first.NextUploadIdMarker}`);
    assert.deepEqual([next.IsTruncated, [next.Upload].flat().length], ['false', 1]);
    const encoded = await list('encoding-type=url&prefix=d%2F');
    assert.deepEqual([encoded.EncodingType, encoded.Prefix, encoded.Upload.map((u: any) => u.Key)], ['url', 'd/', ['d/1', 'd/2']]);
  });
});
