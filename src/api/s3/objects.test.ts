import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { checksumOf } from '../../services/object-storage/checksums.ts';
import { ObjectStage, type ObjectRequest } from './object-test-kit.ts';
import { parseTagging } from './objects.ts';
import { S3Error } from './s3-error.ts';

const alice = projectContext('p-alice', ['member']);
const bob = projectContext('p-bob', ['member']);
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

describe('S3 object operations', () => {
  let stage: ObjectStage;
  const put = (key: string, body: string, headers: ObjectRequest['headers'] = {}, bucket = 'objs') =>
    stage.call('PUT object -', { caller: alice, bucket, key, body, headers });
  const get = (key: string, r: Omit<ObjectRequest, 'key'> = {}) => stage.call('GET object -', { caller: alice, bucket: 'objs', key, ...r });

  before(async () => {
    stage = await ObjectStage.open();
    await stage.store.createBucket(alice, 'objs', {});
  });
  after(() => stage.close());

  it('PUT stores metadata and standard headers; GET and HEAD answer them as S3 does', async () => {
    const put1 = await put('dir/file.txt', 'hello world', {
      'content-type': 'text/plain', 'cache-control': 'max-age=60', 'content-disposition': 'inline',
      'x-amz-meta-owner': 'alice', 'x-amz-meta-city': '=?UTF-8?B?S8O2bG4=?=', 'x-amz-tagging': 'team=a&env=dev',
    });
    assert.equal(put1.status, 200);
    assert.equal(put1.headers.etag, `"${md5('hello world')}"`);
    assert.equal(put1.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(put1.headers['x-amz-version-id'], undefined, 'an unversioned bucket has no version ids');

    for (const route of ['GET object -', 'HEAD object -']) {
      const r = await stage.call(route, { caller: alice, bucket: 'objs', key: 'dir/file.txt' });
      assert.equal(r.status, 200);
      assert.equal(r.headers.etag, put1.headers.etag);
      assert.equal(r.headers['content-type'], 'text/plain');
      assert.equal(r.headers['content-length'], '11');
      assert.equal(r.headers['cache-control'], 'max-age=60');
      assert.equal(r.headers['content-disposition'], 'inline');
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.match(r.headers['last-modified']!, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
      assert.equal(r.headers['x-amz-meta-owner'], 'alice');
      // Non-ASCII metadata goes back out as an RFC 2047 encoded word.
      assert.equal(r.headers['x-amz-meta-city'], `=?UTF-8?B?${Buffer.from('Köln').toString('base64')}?=`);
      assert.equal(r.headers['x-amz-tagging-count'], '2');
      assert.equal(r.body, route === 'GET object -' ? 'hello world' : '');
    }
    assert.equal((await put('untyped', 'x')).status, 200);
    assert.equal((await get('untyped')).headers['content-type'], 'binary/octet-stream');
  });

  it('ranged GET answers 206 with Content-Range; a Range S3 cannot serve is the whole object', async () => {
    await put('digits', '0123456789');
    const cases: [string, string, string][] = [['bytes=0-3', '0123', 'bytes 0-3/10'], ['bytes=4-6', '456', 'bytes 4-6/10'], ['bytes=-3', '789', 'bytes 7-9/10'], ['bytes=8-100', '89', 'bytes 8-9/10']];
    for (const [range, body, contentRange] of cases) {
      const r = await get('digits', { headers: { range } });
      assert.deepEqual([r.status, r.body, r.headers['content-range'], r.headers['content-length']], [206, body, contentRange, String(body.length)], range);
    }
    const whole = await get('digits', { headers: { range: 'bytes=5-2' } });
    assert.deepEqual([whole.status, whole.body, whole.headers['content-range']], [200, '0123456789', undefined]);
    const past = await stage.fails('GET object -', { caller: alice, bucket: 'objs', key: 'digits', headers: { range: 'bytes=10-' } });
    assert.deepEqual([past.code, past.status], ['InvalidRange', 416]);
    const both = await stage.fails('GET object -', { caller: alice, bucket: 'objs', key: 'digits', query: 'partNumber=1', headers: { range: 'bytes=0-1' } });
    assert.equal(both.code, 'InvalidRequest');
  });

  it('conditional GET and HEAD: 304 for If-None-Match / If-Modified-Since, 412 for If-Match / If-Unmodified-Since', async () => {
    const { headers } = await put('cond', 'data');
    const etag = headers.etag!;
    const later = new Date(Date.now() + 60_000).toUTCString();
    const earlier = new Date(Date.now() - 3_600_000).toUTCString();
    for (const route of ['GET object -', 'HEAD object -']) {
      const r = (h: Record<string, string>) => stage.fails(route, { caller: alice, bucket: 'objs', key: 'cond', headers: h });
      assert.equal((await r({ 'if-none-match': etag })).status, 304);
      assert.equal((await r({ 'if-modified-since': later })).status, 304);
      assert.equal((await r({ 'if-match': '"0000"' })).code, 'PreconditionFailed');
      assert.equal((await r({ 'if-unmodified-since': earlier })).status, 412);
      assert.equal((await stage.call(route, { caller: alice, bucket: 'objs', key: 'cond', headers: { 'if-match': etag, 'if-modified-since': earlier } })).status, 200);
    }
  });

  it('response-* overrides apply to signed requests only', async () => {
    await put('report.csv', 'a,b');
    const r = await get('report.csv', { query: 'response-content-type=text%2Fcsv&response-content-disposition=attachment%3B%20filename%3Dr.csv' });
    assert.equal(r.headers['content-type'], 'text/csv');
    assert.equal(r.headers['content-disposition'], 'attachment; filename=r.csv');
    await stage.store.createBucket(alice, 'public', { acl: 'public-read' });
    await put('p.txt', 'p', {}, 'public');
    assert.equal((await stage.call('GET object -', { bucket: 'public', key: 'p.txt' })).body, 'p');
    const anonymous = await stage.fails('GET object -', { bucket: 'public', key: 'p.txt', query: 'response-content-type=text%2Fhtml' });
    assert.deepEqual([anonymous.code, anonymous.status], ['InvalidRequest', 400]);
    const control = await stage.fails('GET object -', { caller: alice, bucket: 'objs', key: 'report.csv', query: 'response-content-disposition=a%0D%0ASet-Cookie%3A%20x' });
    assert.equal(control.code, 'InvalidArgument');
  });

  it('CopyObject keeps metadata (COPY) or takes the request\'s (REPLACE); a copy onto itself must change something', async () => {
    await put('src', 'copy me', { 'content-type': 'text/x-src', 'x-amz-meta-a': '1', 'x-amz-tagging': 't=1' });
    const copied = await stage.call('PUT object -', { caller: alice, bucket: 'objs', key: 'dst', headers: { 'x-amz-copy-source': '/objs/src', 'x-amz-meta-b': 'ignored' } });
    assert.match(copied.headers['content-type']!, /application\/xml/);
    assert.match(copied.body, new RegExp(`<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z</LastModified><ETag>&quot;${md5('copy me')}&quot;</ETag></CopyObjectResult>`));
    let dst = await get('dst');
    assert.deepEqual([dst.body, dst.headers['content-type'], dst.headers['x-amz-meta-a'], dst.headers['x-amz-meta-b'], dst.headers['x-amz-tagging-count']], ['copy me', 'text/x-src', '1', undefined, '1']);

    await stage.call('PUT object -', {
      caller: alice, bucket: 'objs', key: 'dst',
      headers: { 'x-amz-copy-source': 'objs/src', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-tagging-directive': 'REPLACE', 'content-type': 'text/new', 'x-amz-meta-b': '2' },
    });
    dst = await get('dst');
    assert.deepEqual([dst.headers['content-type'], dst.headers['x-amz-meta-a'], dst.headers['x-amz-meta-b'], dst.headers['x-amz-tagging-count']], ['text/new', undefined, '2', undefined]);

    const itself = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'src', headers: { 'x-amz-copy-source': 'objs/src' } });
    assert.deepEqual([itself.code, itself.status], ['InvalidRequest', 400]);
    assert.match(itself.message, /copy an object to itself/);
    await stage.call('PUT object -', { caller: alice, bucket: 'objs', key: 'src', headers: { 'x-amz-copy-source': 'objs/src', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-c': '3' } });
    assert.equal((await get('src')).headers['x-amz-meta-c'], '3');

    const directive = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'x', headers: { 'x-amz-copy-source': 'objs/src', 'x-amz-metadata-directive': 'MOVE' } });
    assert.equal(directive.code, 'InvalidArgument');
    const missing = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'x', headers: { 'x-amz-copy-source': 'objs/nope' } });
    assert.equal(missing.code, 'NoSuchKey');
    const unmet = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'x', headers: { 'x-amz-copy-source': 'objs/src', 'x-amz-copy-source-if-match': '"0"' } });
    assert.equal(unmet.status, 412);
  });

  it('versioning: DELETE leaves a marker, versions read by id, CopyObject names the source version', async () => {
    await stage.store.createBucket(alice, 'vers', {});
    await stage.store.updateBucket(alice, 'vers', { versioning: 'Enabled' });
    const v1 = (await put('k', 'one', {}, 'vers')).headers['x-amz-version-id']!;
    const v2 = (await put('k', 'two', {}, 'vers')).headers['x-amz-version-id']!;
    assert.ok(v1 && v2 && v1 !== v2);
    const del = await stage.call('DELETE object -', { caller: alice, bucket: 'vers', key: 'k' });
    assert.equal(del.status, 204);
    assert.equal(del.headers['x-amz-delete-marker'], 'true');
    const marker = del.headers['x-amz-version-id']!;
    assert.ok(marker);
    assert.equal((await stage.fails('GET object -', { caller: alice, bucket: 'vers', key: 'k' })).code, 'NoSuchKey');
    const old = await stage.call('GET object -', { caller: alice, bucket: 'vers', key: 'k', query: `versionId=${v1}` });
    assert.deepEqual([old.body, old.headers['x-amz-version-id']], ['one', v1]);
    const copy = await stage.call('PUT object -', { caller: alice, bucket: 'vers', key: 'k', headers: { 'x-amz-copy-source': `vers/k?versionId=${v1}` } });
    assert.equal(copy.headers['x-amz-copy-source-version-id'], v1);
    assert.equal((await stage.call('GET object -', { caller: alice, bucket: 'vers', key: 'k' })).body, 'one');
    const removeMarker = await stage.call('DELETE object -', { caller: alice, bucket: 'vers', key: 'k', query: `versionId=${marker}` });
    assert.deepEqual([removeMarker.headers['x-amz-version-id'], removeMarker.headers['x-amz-delete-marker']], [marker, 'true']);
  });

  it('object tagging: PUT, GET, DELETE, with S3\'s checks', async () => {
    await put('tagged', 'x');
    const body = '<Tagging><TagSet><Tag><Key>k 1</Key><Value> v </Value></Tag><Tag><Key>e</Key><Value></Value></Tag></TagSet></Tagging>';
    assert.equal((await stage.call('PUT object tagging', { caller: alice, bucket: 'objs', key: 'tagged', query: 'tagging', body })).status, 200);
    const got = await stage.call('GET object tagging', { caller: alice, bucket: 'objs', key: 'tagged', query: 'tagging' });
    assert.equal(got.body, '<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k 1</Key><Value> v </Value></Tag><Tag><Key>e</Key><Value></Value></Tag></TagSet></Tagging>');
    assert.equal((await stage.call('DELETE object tagging', { caller: alice, bucket: 'objs', key: 'tagged', query: 'tagging' })).status, 204);
    assert.match((await stage.call('GET object tagging', { caller: alice, bucket: 'objs', key: 'tagged', query: 'tagging' })).body, /<TagSet><\/TagSet>/);
    const badMd5 = await stage.fails('PUT object tagging', { caller: alice, bucket: 'objs', key: 'tagged', body, headers: { 'content-md5': createHash('md5').update('x').digest('base64') } });
    assert.equal(badMd5.code, 'BadDigest');
    assert.deepEqual(parseTagging('<Tagging><TagSet>\n</TagSet></Tagging>'), {});
    assert.throws(() => parseTagging('<Tagging/>'), (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML');
    assert.throws(() => parseTagging('<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>'), (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML');
  });

  it('objects take their bucket\'s ACL: an ACL that would differ is AccessControlListNotSupported', async () => {
    await put('acl', 'x');
    const acl = await stage.call('GET object acl', { caller: alice, bucket: 'objs', key: 'acl', query: 'acl' });
    assert.match(acl.body, /<Owner><ID>p-alice<\/ID><DisplayName>p-alice<\/DisplayName><\/Owner><AccessControlList><Grant><Grantee [^>]*xsi:type="CanonicalUser"><ID>p-alice<\/ID>.*<Permission>FULL_CONTROL<\/Permission><\/Grant><\/AccessControlList>/);
    assert.equal((await put('acl', 'y', { 'x-amz-acl': 'private' })).status, 200);
    assert.equal((await put('acl', 'y', { 'x-amz-acl': 'bucket-owner-full-control' })).status, 200);
    assert.equal((await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'acl', body: 'z', headers: { 'x-amz-acl': 'public-read' } })).code, 'AccessControlListNotSupported');
    assert.equal((await stage.call('PUT object acl', { caller: alice, bucket: 'objs', key: 'acl', query: 'acl', headers: { 'x-amz-acl': 'private' } })).status, 200);
    assert.equal((await stage.fails('PUT object acl', { caller: alice, bucket: 'objs', key: 'acl', query: 'acl', headers: { 'x-amz-acl': 'public-read' } })).code, 'AccessControlListNotSupported');
    assert.equal((await stage.fails('GET object acl', { caller: alice, bucket: 'objs', key: 'none', query: 'acl' })).code, 'NoSuchKey');
    assert.equal((await stage.fails('GET object -', { caller: bob, bucket: 'objs', key: 'acl' })).code, 'AccessDenied');
  });

  it('SSE-C: the key goes with every read; its MD5 is echoed', async () => {
    const key = Buffer.alloc(32, 5);
    const sse = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
    };
    const stored = await put('secret', 'classified', sse);
    assert.equal(stored.headers['x-amz-server-side-encryption-customer-key-md5'], sse['x-amz-server-side-encryption-customer-key-md5']);
    assert.equal(stored.headers['x-amz-server-side-encryption'], undefined);
    assert.equal((await get('secret', { headers: sse })).body, 'classified');
    const without = await stage.fails('GET object -', { caller: alice, bucket: 'objs', key: 'secret' });
    assert.deepEqual([without.code, without.status], ['InvalidRequest', 400]);
  });

  it('checksums: verified on PUT, echoed, and sent on GET only when asked for the whole object', async () => {
    const crc = checksumOf('CRC32', Buffer.from('checked'));
    const stored = await put('sum', 'checked', { 'x-amz-checksum-crc32': crc });
    assert.equal(stored.headers['x-amz-checksum-crc32'], crc);
    const wrong = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'sum2', body: 'checked', headers: { 'x-amz-checksum-crc32': checksumOf('CRC32', Buffer.from('other')) } });
    assert.equal(wrong.code, 'BadDigest');
    assert.equal((await get('sum')).headers['x-amz-checksum-crc32'], undefined);
    const asked = await get('sum', { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    assert.deepEqual([asked.headers['x-amz-checksum-crc32'], asked.headers['x-amz-checksum-type']], [crc, 'FULL_OBJECT']);
    assert.equal((await get('sum', { headers: { 'x-amz-checksum-mode': 'ENABLED', range: 'bytes=0-1' } })).headers['x-amz-checksum-crc32'], undefined);
  });

  it('keys are any UTF-8 up to 1024 bytes: `../`, leading slashes, `+` and spaces are plain characters', async () => {
    for (const key of ['../up', '/lead', '//double', 'a+b c', 'ünï/cødé ✓', 'trailing/', 'k'.repeat(1024)]) {
      await put(key, key);
      assert.equal((await get(key)).body, key, key);
    }
    const long = await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: 'k'.repeat(1025), body: 'x' });
    assert.deepEqual([long.code, long.status], ['KeyTooLongError', 400]);
    assert.equal((await stage.fails('PUT object -', { caller: alice, bucket: 'objs', key: '€'.repeat(342), body: 'x' })).code, 'KeyTooLongError');
  });
});
