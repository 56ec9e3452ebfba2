import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, BOB, SwiftStage } from './test-kit.ts';

describe('Swift containers', () => {
  let stage: SwiftStage;
  before(async () => {
    stage = await SwiftStage.open();
  });
  after(() => stage.close());

  it('creates with 201, answers 202 when it exists, and keeps metadata, ACLs and quotas', async () => {
    const created = await stage.request('PUT', `${ALICE}/photos`, {
      headers: { 'X-Container-Meta-Color': 'blue', 'X-Container-Read': '.r:*', 'X-Container-Meta-Quota-Count': '5' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body, '');
    assert.match(created.headers['x-trans-id']!, /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    assert.equal(created.headers['x-openstack-request-id'], created.headers['x-trans-id']);
    const again = await stage.request('PUT', `${ALICE}/photos`, { headers: { 'X-Container-Meta-Size': 'L', 'X-Remove-Container-Meta-Color': 'x' } });
    assert.equal(again.status, 202);
    assert.equal(again.body, '<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>');
    const head = await stage.request('HEAD', `${ALICE}/photos`);
    assert.equal(head.status, 204);
    assert.equal(head.headers['x-container-meta-size'], 'L');
    assert.equal(head.headers['x-container-meta-color'], undefined);
    assert.equal(head.headers['x-container-read'], '.r:*');
    assert.equal(head.headers['x-container-meta-quota-count'], '5');
    assert.equal(head.headers['x-container-object-count'], '0');
    assert.equal(head.headers['x-storage-policy'], 'Policy-0');
    assert.match(head.headers['x-timestamp']!, /^\d{10}\.\d{5}$/);
  });

  it('updates with POST (204): metadata, removal of an ACL, quota', async () => {
    await stage.request('PUT', `${ALICE}/posted`, { headers: { 'X-Container-Write': 'p-bob:*' } });
    const post = await stage.request('POST', `${ALICE}/posted`, {
      headers: { 'X-Container-Meta-A': '1', 'X-Container-Meta-Under_Score': 'u', 'X-Remove-Container-Write': 'x', 'X-Container-Meta-Quota-Bytes': '4' },
    });
    assert.equal(post.status, 204);
    assert.equal(post.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal(post.body, '');
    const head = await stage.request('HEAD', `${ALICE}/posted`);
    assert.equal(head.headers['x-container-meta-a'], '1');
    assert.equal(head.headers['x-container-meta-under-score'], 'u');
    assert.equal(head.headers['x-container-write'], undefined);
    assert.equal(head.headers['x-container-meta-quota-bytes'], '4');
    assert.equal((await stage.request('PUT', `${ALICE}/posted/big`, { body: 'too big' })).body, 'Upload exceeds quota.');
    assert.equal((await stage.request('PUT', `${ALICE}/posted/ok`, { body: 'fit' })).status, 201);
    assert.equal((await stage.request('POST', `${ALICE}/posted`, { headers: { 'X-Container-Meta-Quota-Bytes': 'lots' } })).body, 'Invalid bytes quota.');
  });

  it('lists objects as text, JSON and XML with Swift\'s fields; an empty text listing is 204', async () => {
    await stage.request('PUT', `${ALICE}/list`);
    assert.equal((await stage.request('GET', `${ALICE}/list`)).status, 204);
    assert.equal((await stage.request('GET', `${ALICE}/list?format=json`)).body, '[]');
    for (const name of ['a.txt', 'b/1', 'b/2', 'b/c/3', 'd']) await stage.request('PUT', `${ALICE}/list/${name}`, { body: name, headers: { 'Content-Type': 'text/plain' } });
    const text = await stage.request('GET', `${ALICE}/list`);
    assert.equal(text.body, 'a.txt\nb/1\nb/2\nb/c/3\nd\n');
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(text.headers['x-container-object-count'], '5');
    const json = await stage.request('GET', `${ALICE}/list?format=json&delimiter=/`);
    const entries = JSON.parse(json.body) as Record<string, unknown>[];
    assert.deepEqual(entries.map((e) => e.name ?? e.subdir), ['a.txt', 'b/', 'd']);
    assert.deepEqual(Object.keys(entries[0]!), ['name', 'hash', 'bytes', 'content_type', 'last_modified']);
    assert.equal(entries[0]!.hash, 'a5e54d1fd7bb69a228ef0dcd2431367e');
    assert.equal(entries[0]!.bytes, 5);
    assert.equal(entries[0]!.content_type, 'text/plain');
    assert.match(entries[0]!.last_modified as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const xml = await stage.request('GET', `${ALICE}/list?prefix=b/&delimiter=/`, { headers: { Accept: 'application/xml' } });
    assert.equal(xml.headers['content-type'], 'application/xml; charset=utf-8');
    assert.match(xml.body, /<container name="list"><object><name>b\/1<\/name>.*<subdir name="b\/c\/"><name>b\/c\/<\/name><\/subdir><\/container>$/);
  });

  it('pages with limit and marker across subdirs, bounds with end_marker, reverses, and keeps path\'s own level', async () => {
    const names = async (query: string) => (await stage.request('GET', `${ALICE}/list?${query}`)).body.split('\n').filter(Boolean);
    assert.deepEqual(await names('delimiter=/&limit=2'), ['a.txt', 'b/']);
    assert.deepEqual(await names('delimiter=/&limit=2&marker=b/'), ['d']);
    assert.deepEqual(await names('marker=a.txt&end_marker=b/c/3'), ['b/1', 'b/2']);
    assert.deepEqual(await names('reverse=true&limit=3'), ['d', 'b/c/3', 'b/2']);
    assert.deepEqual(await names('reverse=true&marker=b/2&end_marker=a.txt'), ['b/1']);
    assert.deepEqual(await names('reverse=1&delimiter=/'), ['d', 'b/', 'a.txt']);
    assert.deepEqual(await names('path=b'), ['b/1', 'b/2']);
    assert.deepEqual(await names('prefix=b/&limit=0'), []);
    assert.equal((await stage.request('GET', `${ALICE}/list?limit=10001`)).status, 412);
  });

  it('deletes an empty container (204), not a full one (409), and a missing one is 404', async () => {
    await stage.request('PUT', `${ALICE}/full`);
    await stage.request('PUT', `${ALICE}/full/o`, { body: 'x' });
    const full = await stage.request('DELETE', `${ALICE}/full`);
    assert.equal(full.status, 409);
    assert.equal(full.body, '<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>');
    await stage.request('DELETE', `${ALICE}/full/o`);
    const deleted = await stage.request('DELETE', `${ALICE}/full`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.headers['content-type'], 'text/html; charset=UTF-8');
    const missing = await stage.request('DELETE', `${ALICE}/full`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>');
  });

  it('keeps projects apart: another project gets 403, nobody 401, and a container is only in its own account', async () => {
    await stage.request('PUT', `${ALICE}/private`);
    await stage.request('PUT', `${ALICE}/private/secret`, { body: 's' });
    for (const [method, url] of [['GET', `${ALICE}/private`], ['GET', `${ALICE}/private/secret`], ['PUT', `${ALICE}/private/x`], ['DELETE', `${ALICE}/private/secret`]] as const) {
      assert.equal((await stage.request(method, url, { token: 'bob', body: method === 'PUT' ? 'x' : undefined })).status, 403, `${method} ${url}`);
    }
    const anonymous = await stage.request('GET', `${ALICE}/private`, { token: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Swift realm="AUTH_p-alice"');
    assert.equal((await stage.request('GET', `${ALICE}/private`, { token: 'expired-or-forged' })).status, 401);
    assert.equal((await stage.request('PUT', `${ALICE}/bobs`, { token: 'bob' })).status, 403);
    assert.equal((await stage.request('PUT', `${BOB}/bobs`, { token: 'bob' })).status, 201);
    assert.equal((await stage.request('HEAD', `${ALICE}/bobs`, { token: 'bob' })).status, 404);
    assert.equal((await stage.request('PUT', `${ALICE}/bobs`)).status, 409);
  });

  it('opens public containers to anonymous reads; listings only with .rlistings; shows ACLs to owners only', async () => {
    await stage.request('PUT', `${ALICE}/www`, { headers: { 'X-Container-Read': '.r:*' } });
    await stage.request('PUT', `${ALICE}/www/index.html`, { body: '<p>hi</p>' });
    const page = await stage.request('GET', `${ALICE}/www/index.html`, { token: null });
    assert.equal(page.status, 200);
    assert.equal(page.body, '<p>hi</p>');
    assert.equal(page.headers['content-type'], 'text/html');
    assert.equal((await stage.request('GET', `${ALICE}/www`, { token: null })).status, 401);
    assert.equal((await stage.request('PUT', `${ALICE}/www/index.html`, { token: null, body: 'defaced' })).status, 401);
    await stage.request('POST', `${ALICE}/www`, { headers: { 'X-Container-Read': '.r:*,.rlistings' } });
    const listing = await stage.request('GET', `${ALICE}/www`, { token: null });
    assert.equal(listing.body, 'index.html\n');
    assert.equal(listing.headers['x-container-read'], undefined);
    assert.equal((await stage.request('GET', `${ALICE}/www`)).headers['x-container-read'], '.r:*,.rlistings');
  });

  it('lets a project named in X-Container-Write write, and a reader read but not write', async () => {
    await stage.request('PUT', `${ALICE}/dropbox`, { headers: { 'X-Container-Write': 'p-bob:*' } });
    assert.equal((await stage.request('PUT', `${ALICE}/dropbox/from-bob`, { token: 'bob', body: 'hi' })).status, 201);
    assert.equal((await stage.request('GET', `${ALICE}/dropbox/from-bob`, { token: 'aliceReader' })).body, 'hi');
    assert.equal((await stage.request('PUT', `${ALICE}/dropbox/r`, { token: 'aliceReader', body: 'x' })).status, 403);
  });

  it("refuses names Swift refuses and takes Swift names S3 would not (swiftclient's `_segments`)", async () => {
    const long = await stage.request('PUT', `${ALICE}/${'c'.repeat(257)}`);
    assert.equal(long.body, 'Container name length of 257 longer than 256');
    assert.equal((await stage.request('PUT', `${ALICE}/Media_segments`)).status, 201);
    assert.equal((await stage.request('PUT', `${ALICE}/Media_segments/part`, { body: 'p' })).status, 201);
    assert.equal((await stage.request('GET', `${ALICE}/Media_segments/part`)).body, 'p');
  });
});
