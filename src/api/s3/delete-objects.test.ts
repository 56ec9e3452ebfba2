import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import { parseDelete } from './delete-objects.ts';
import { ObjectStage } from './object-test-kit.ts';
import { S3Error } from './s3-error.ts';
import { parseXml } from './xml.ts';

const alice = projectContext('p-alice', ['member']);
const bob = projectContext('p-bob', ['member']);
const malformed = (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML';
const deleteXml = (objects: { key: string; versionId?: string }[], quiet?: boolean) =>
  `<Delete>${quiet === undefined ? '' : `<Quiet>${quiet}</Quiet>`}${objects.map((o) =>
    `<Object><Key>${o.key}</Key>${o.versionId ? `<VersionId>${o.versionId}</VersionId>` : ''}</Object>`).join('')}</Delete>`;

test('DeleteObjects bodies: 1 to 1000 objects, keys verbatim (whitespace is part of a key)', () => {
  assert.deepEqual(parseDelete('<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n <Object><Key> spaced </Key></Object>\n <Object><Key>v</Key><VersionId>null</VersionId></Object></Delete>'), {
    quiet: false, objects: [{ key: ' spaced ' }, { key: 'v', versionId: 'null' }],
  });
  assert.equal(parseDelete(deleteXml([{ key: 'a' }], true)).quiet, true);
  const thousand = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}` }));
  assert.equal(parseDelete(deleteXml(thousand)).objects.length, 1000);
  assert.throws(() => parseDelete(deleteXml([...thousand, { key: 'one-too-many' }])), malformed);
  assert.throws(() => parseDelete('<Delete></Delete>'), malformed);
  assert.throws(() => parseDelete('<Delete><Object><VersionId>x</VersionId></Object></Delete>'), malformed);
  assert.throws(() => parseDelete('<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>'), malformed);
});

describe('DeleteObjects', () => {
  let stage: ObjectStage;
  const remove = (body: string, caller = alice, headers: Record<string, string> = { 'content-md5': createHash('md5').update(body).digest('base64') }) =>
    stage.call('POST bucket delete', { caller, bucket: 'del', query: 'delete', body, headers });
  const put = (key: string) => stage.store.putObject(alice, 'del', key, Readable.from([Buffer.from(key)]), {});

  before(async () => {
    stage = await ObjectStage.open();
    await stage.store.createBucket(alice, 'del', {});
  });
  after(() => stage.close());

  it('deletes each key, reports every one (missing keys too), and only errors when Quiet', async () => {
    for (const key of ['a', 'b', 'c']) await put(key);
    const r = await remove(deleteXml([{ key: 'a' }, { key: 'b' }, { key: 'missing' }]));
    assert.equal(r.status, 200);
    assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?><DeleteResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><Deleted><Key>a<\/Key><\/Deleted>/);
    const deleted = (parseXml(r.body) as any).DeleteResult.Deleted.map((d: any) => d.Key);
    assert.deepEqual(deleted, ['a', 'b', 'missing']);
    assert.equal((await stage.fails('GET object -', { caller: alice, bucket: 'del', key: 'a' })).code, 'NoSuchKey');
    const quiet = await remove(deleteXml([{ key: 'c' }], true));
    assert.equal(quiet.body, '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>');
  });

  it('needs Content-MD5 or an x-amz-checksum-* and checks it', async () => {
    const body = deleteXml([{ key: 'x' }]);
    assert.equal((await stage.fails('POST bucket delete', { caller: alice, bucket: 'del', query: 'delete', body })).code, 'InvalidRequest');
    const sha = createHash('sha256').update(body).digest('base64');
    assert.equal((await remove(body, alice, { 'x-amz-checksum-sha256': sha })).status, 200);
    const wrong = await stage.fails('POST bucket delete', { caller: alice, bucket: 'del', query: 'delete', body, headers: { 'content-md5': createHash('md5').update('other').digest('base64') } });
    assert.equal(wrong.code, 'BadDigest');
  });

  it('versioned: a delete marker per key, versions removed by id, markers named in the result', async () => {
    await stage.store.createBucket(alice, 'delv', {});
    await stage.store.updateBucket(alice, 'delv', { versioning: 'Enabled' });
    const v = await stage.store.putObject(alice, 'delv', 'k', Readable.from([Buffer.from('v')]), {});
    const body = deleteXml([{ key: 'k' }]);
    const md5 = createHash('md5').update(body).digest('base64');
    const first = (parseXml((await stage.call('POST bucket delete', { caller: alice, bucket: 'delv', query: 'delete', body, headers: { 'content-md5': md5 } })).body) as any).DeleteResult.Deleted;
    assert.equal(first.DeleteMarker, 'true');
    assert.ok(first.DeleteMarkerVersionId);
    assert.equal(first.VersionId, undefined);
    const byId = deleteXml([{ key: 'k', versionId: first.DeleteMarkerVersionId }, { key: 'k', versionId: v.versionId! }]);
    const second = (parseXml((await stage.call('POST bucket delete', {
      caller: alice, bucket: 'delv', query: 'delete', body: byId, headers: { 'content-md5': createHash('md5').update(byId).digest('base64') },
    })).body) as any).DeleteResult.Deleted;
    assert.deepEqual(second, [
      { Key: 'k', VersionId: first.DeleteMarkerVersionId, DeleteMarker: 'true', DeleteMarkerVersionId: first.DeleteMarkerVersionId },
      { Key: 'k', VersionId: v.versionId },
    ]);
    assert.equal((await stage.store.listObjectVersions(alice, 'delv', { limit: 10 })).versions.length, 0);
  });

  it('a key the caller may not delete is an Error entry, not a failed request', async () => {
    await put('kept');
    const r = await remove(deleteXml([{ key: 'kept' }]), bob);
    assert.equal(r.status, 200);
    const error = (parseXml(r.body) as any).DeleteResult.Error;
    assert.deepEqual([error.Key, error.Code, error.Message], ['kept', 'AccessDenied', 'Access Denied']);
    assert.equal((await stage.call('GET object -', { caller: alice, bucket: 'del', key: 'kept' })).body, 'kept');
  });
});
