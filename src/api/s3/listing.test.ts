import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { continuationToken, encoder, maxParam } from './listing.ts';
import { ObjectStage } from './object-test-kit.ts';
import { S3Error } from './s3-error.ts';
import { parseXml } from './xml.ts';

const alice = projectContext('p-alice', ['member']);

test('encoding-type=url percent-encodes UTF-8, keeps `/`, and writes a space as %20 (never a bare +)', () => {
  const { encode, EncodingType } = encoder(new URLSearchParams('encoding-type=url'));
  assert.equal(EncodingType, 'url');
  assert.equal(encode('a b+c/ü%\u0001.txt'), 'a%20b%2Bc/%C3%BC%25%01.txt');
  assert.equal(encoder(new URLSearchParams('')).encode('a b'), 'a b');
  assert.throws(() => encoder(new URLSearchParams('encoding-type=base64')), (e: unknown) => e instanceof S3Error && e.code === 'InvalidArgument');
});

test('max-keys: default and cap 1000, non-negative integers only', () => {
  assert.equal(maxParam(new URLSearchParams(''), 'max-keys'), 1000);
  assert.equal(maxParam(new URLSearchParams('max-keys=5000'), 'max-keys'), 1000);
  assert.equal(maxParam(new URLSearchParams('max-keys=0'), 'max-keys'), 0);
  for (const bad of ['-1', 'ten', '1.5', '99999999999']) {
    assert.throws(() => maxParam(new URLSearchParams({ 'max-keys': bad }), 'max-keys'), (e: unknown) => e instanceof S3Error && e.code === 'InvalidArgument', bad);
  }
});

/** The listing's elements in document order, names only, for checking AWS's element order. */
function elementOrder(xml: string, root: string): string[] {
  const inner = xml.slice(xml.indexOf(`<${root}`));
  return [...inner.matchAll(/<(\w+)[ >]/g)].map((m) => m[1]!).filter((n, i, all) => n !== all[i - 1]).slice(1);
}

describe('S3 listings', () => {
  let stage: ObjectStage;
  // In UTF-8 byte order, as S3 lists them.
  const keys = ['a.txt', 'b/1', 'b/2', 'c d/x', 'c+d/y', 'z', 'ü.txt'];
  const list = async (query: string, bucket = 'lst') => {
    const r = await stage.call(query.includes('versions') ? 'GET bucket versions' : 'GET bucket -', { caller: alice, bucket, query });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type']!, /application\/xml/);
    return { xml: r.body, doc: parseXml(r.body) as Record<string, any> };
  };
  const many = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  before(async () => {
    stage = await ObjectStage.open();
    await stage.store.createBucket(alice, 'lst', {});
    for (const key of keys) await stage.store.putObject(alice, 'lst', key, Readable.from([Buffer.from(key)]), {});
  });
  after(() => stage.close());

  it('v1: Marker, Contents with Owner, CommonPrefixes, in AWS\'s element order', async () => {
    const { xml, doc } = await list('delimiter=%2F');
    const r = doc.ListBucketResult;
    assert.deepEqual(elementOrder(xml, 'ListBucketResult').slice(0, 7), ['Name', 'Prefix', 'Marker', 'MaxKeys', 'Delimiter', 'IsTruncated', 'Contents']);
    assert.deepEqual(r.Contents.map((c: any) => c.Key), ['a.txt', 'z', 'ü.txt']);
    assert.deepEqual(many(r.CommonPrefixes).map((c: any) => c.Prefix), ['b/', 'c d/', 'c+d/']);
    const first = r.Contents[0];
    assert.deepEqual(Object.keys(first), ['Key', 'LastModified', 'ETag', 'Size', 'Owner', 'StorageClass']);
    assert.match(first.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(first.ETag, /^"[0-9a-f]{32}"$/);
    assert.equal(first.StorageClass, 'STANDARD');
    assert.equal(first.Owner.ID, 'p-alice');
    assert.equal(r.IsTruncated, 'false');
    assert.equal(r.NextMarker, undefined);
  });

  it('v1 pagination: NextMarker only with a delimiter; without one the last Key continues', async () => {
    const page = (await list('max-keys=2')).doc.ListBucketResult;
    assert.deepEqual([page.IsTruncated, page.NextMarker, page.Contents.map((c: any) => c.Key)], ['true', undefined, ['a.txt', 'b/1']]);
    const rest = (await list('marker=b%2F1')).doc.ListBucketResult;
    assert.deepEqual(rest.Contents.map((c: any) => c.Key), ['b/2', 'c d/x', 'c+d/y', 'z', 'ü.txt']);
    const delimited = (await list('delimiter=%2F&max-keys=2')).doc.ListBucketResult;
    assert.deepEqual([delimited.IsTruncated, delimited.NextMarker], ['true', 'b/']);
    const after = (await list('delimiter=%2F&max-keys=2&marker=b%2F')).doc.ListBucketResult;
    assert.deepEqual([many(after.Contents).map((c: any) => c.Key), many(after.CommonPrefixes).map((c: any) => c.Prefix)], [[], ['c d/', 'c+d/']]);
  });

  it('v2: KeyCount, opaque continuation tokens, StartAfter, Owner only with fetch-owner', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { xml, doc } = await list(`list-type=2&max-keys=3${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`);
      const r = doc.ListBucketResult;
      pages++;
      if (pages === 1) assert.deepEqual(elementOrder(xml, 'ListBucketResult').slice(0, 6), ['Name', 'Prefix', 'NextContinuationToken', 'KeyCount', 'MaxKeys', 'IsTruncated']);
      assert.equal(r.ContinuationToken, token);
      assert.equal(Number(r.KeyCount), many(r.Contents).length);
      for (const c of many(r.Contents) as any[]) {
        assert.equal(c.Owner, undefined);
        seen.push(c.Key);
      }
      token = r.IsTruncated === 'true' ? r.NextContinuationToken : undefined;
      assert.ok(r.IsTruncated === 'false' || token);
    } while (token);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 3);
    const started = (await list('list-type=2&start-after=c%2Bd%2Fy&fetch-owner=true')).doc.ListBucketResult;
    assert.deepEqual([started.StartAfter, started.Contents.map((c: any) => c.Key), started.Contents[0].Owner.ID], ['c+d/y', ['z', 'ü.txt'], 'p-alice']);
    const bad = await stage.fails('GET bucket -', { caller: alice, bucket: 'lst', query: 'list-type=2&continuation-token=%25%25' });
    assert.equal(bad.code, 'InvalidArgument');
    assert.equal(continuationToken('b/2'), Buffer.from('b/2').toString('base64'));
  });

  it('encoding-type=url encodes keys, prefixes, delimiter and markers, and says so', async () => {
    const r = (await list('list-type=2&encoding-type=url&delimiter=%2F&prefix=c&start-after=c%20')).doc.ListBucketResult;
    assert.deepEqual([r.EncodingType, r.Prefix, r.Delimiter, r.StartAfter], ['url', 'c', '/', 'c%20']);
    assert.deepEqual(many(r.CommonPrefixes).map((c: any) => c.Prefix), ['c%20d/', 'c%2Bd/']);
    const v1 = (await list('encoding-type=url&prefix=%C3%BC')).doc.ListBucketResult;
    assert.deepEqual([v1.Prefix, v1.Contents.Key ?? v1.Contents[0].Key], ['%C3%BC', '%C3%BC.txt']);
  });

  it('max-keys=0 lists nothing and is not truncated', async () => {
    const r = (await list('list-type=2&max-keys=0')).doc.ListBucketResult;
    assert.deepEqual([r.KeyCount, r.IsTruncated, r.Contents, r.NextContinuationToken], ['0', 'false', undefined, undefined]);
  });

  it('ListObjectVersions: Version and DeleteMarker interleaved in key order, newest first, null versions named "null"', async () => {
    await stage.store.createBucket(alice, 'ver', {});
    const put = (key: string, body: string) => stage.store.putObject(alice, 'ver', key, Readable.from([Buffer.from(body)]), {});
    await put('a', 'null version');
    await stage.store.updateBucket(alice, 'ver', { versioning: 'Enabled' });
    const a2 = await put('a', 'second');
    const marker = await stage.store.deleteObject(alice, 'ver', 'a', {});
    const b1 = await put('b', 'b');
    const { xml, doc } = await list('versions', 'ver');
    const order = [...xml.matchAll(/<(Version|DeleteMarker)>.*?<Key>([^<]*)<\/Key>.*?<VersionId>([^<]*)<\/VersionId><IsLatest>(\w+)<\/IsLatest>/g)]
      .map((m) => [m[1], m[2], m[3], m[4]]);
    assert.deepEqual(order, [
      ['DeleteMarker', 'a', marker.versionId, 'true'],
      ['Version', 'a', a2.versionId, 'false'],
      ['Version', 'a', 'null', 'false'],
      ['Version', 'b', b1.versionId, 'true'],
    ]);
    assert.deepEqual(elementOrder(xml, 'ListVersionsResult').slice(0, 6), ['Name', 'Prefix', 'KeyMarker', 'VersionIdMarker', 'MaxKeys', 'IsTruncated']);
    assert.equal(doc.ListVersionsResult.DeleteMarker.Owner.ID, 'p-alice');

    const first = (await list('versions&max-keys=2', 'ver')).doc.ListVersionsResult;
    assert.deepEqual([first.IsTruncated, first.NextKeyMarker, first.NextVersionIdMarker], ['true', 'a', a2.versionId]);
    const next = (await list(`versions&key-marker=a&version-id-marker=${a2.versionId}`, 'ver')).doc.ListVersionsResult;
    assert.deepEqual([next.KeyMarker, next.VersionIdMarker, many(next.Version).map((v: any) => `${v.Key}@${v.VersionId}`)], ['a', a2.versionId, ['a@null', `b@${b1.versionId}`]]);
    const lonely = await stage.fails('GET bucket versions', { caller: alice, bucket: 'ver', query: `versions&version-id-marker=${a2.versionId}` });
    assert.equal(lonely.code, 'InvalidArgument');
  });
});
