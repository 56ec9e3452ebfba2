import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ALICE, SwiftStage } from './test-kit.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('Swift objects', () => {
  let stage: SwiftStage;
  const url = `${ALICE}/docs`;
  before(async () => {
    stage = await SwiftStage.open();
    await stage.request('PUT', url);
  });
  after(() => stage.close());

  it('stores an object (201 with its MD5) and serves it with Swift\'s headers', async () => {
    const put = await stage.request('PUT', `${url}/dir/report.txt`, {
      body: 'hello world',
      headers: { 'X-Object-Meta-Author': latin1('Jürgen'), 'X-Object-Meta-Review_State': 'ok', 'Content-Disposition': 'inline', 'Content-Encoding': 'identity' },
    });
    assert.equal(put.status, 201);
    assert.equal(put.headers.etag, md5('hello world'));
    assert.equal(put.headers['content-length'], '0');
    const get = await stage.request('GET', `${url}/dir/report.txt`);
    assert.equal(get.status, 200);
    assert.equal(get.body, 'hello world');
    assert.equal(get.headers.etag, md5('hello world'));
    assert.equal(get.headers['content-type'], 'text/plain');
    assert.equal(get.headers['content-length'], '11');
    assert.equal(get.headers['accept-ranges'], 'bytes');
    assert.equal(Buffer.from(get.headers['x-object-meta-author']!, 'latin1').toString('utf8'), 'Jürgen');
    assert.equal(get.headers['x-object-meta-review-state'], 'ok');
    assert.equal(get.headers['content-disposition'], 'inline');
    assert.equal(get.headers['content-encoding'], 'identity');
    assert.match(get.headers['x-timestamp']!, /^\d{10}\.\d{5}$/);
    const seconds = Math.ceil(Number(get.headers['x-timestamp']));
    assert.equal(get.headers['last-modified'], new Date(seconds * 1000).toUTCString());
    const head = await stage.request('HEAD', `${url}/dir/report.txt`);
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], '11');
  });

  it('keeps the content type given, guesses a missing one from the name, and on request', async () => {
    await stage.request('PUT', `${url}/pic.png`, { body: 'x' });
    assert.equal((await stage.request('HEAD', `${url}/pic.png`)).headers['content-type'], 'image/png');
    await stage.request('PUT', `${url}/data.json`, { body: '{}', headers: { 'Content-Type': 'text/plain', 'X-Detect-Content-Type': 'true' } });
    assert.equal((await stage.request('HEAD', `${url}/data.json`)).headers['content-type'], 'application/json');
    await stage.request('PUT', `${url}/blob`, { body: 'x' });
    assert.equal((await stage.request('HEAD', `${url}/blob`)).headers['content-type'], 'application/octet-stream');
    await stage.request('PUT', `${url}/named`, { body: 'x', headers: { 'Content-Type': latin1('text/plain; title=Grüße') } });
    assert.equal((await stage.request('HEAD', `${url}/named`)).headers['content-type'], latin1('text/plain; title=Grüße'));
  });

  it('checks the ETag the client sends (422) and needs a length or chunks (411)', async () => {
    const bad = await stage.request('PUT', `${url}/checked`, { body: 'data', headers: { ETag: md5('other') } });
    assert.equal(bad.status, 422);
    assert.equal((await stage.request('HEAD', `${url}/checked`)).status, 404);
    assert.equal((await stage.request('PUT', `${url}/checked`, { body: 'data', headers: { ETag: `"${md5('data')}"` } })).status, 201);
    assert.equal((await stage.request('PUT', `${url}/nolength`)).status, 411);
    // A streamed request body goes out chunked, without a length.
    const base = await stage.app.listen({ host: '127.0.0.1', port: 0 });
    const chunked = await fetch(`${base}${url}/chunked`, {
      method: 'PUT', headers: { 'X-Auth-Token': 'alice' }, body: Readable.toWeb(Readable.from([Buffer.from('ab'), Buffer.from('c')])) as ReadableStream, duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 201);
    assert.equal((await stage.request('GET', `${url}/chunked`)).body, 'abc');
  });

  it('creates only with If-None-Match: * when asked (412 over an existing object)', async () => {
    assert.equal((await stage.request('PUT', `${url}/once`, { body: '1', headers: { 'If-None-Match': '*' } })).status, 201);
    assert.equal((await stage.request('PUT', `${url}/once`, { body: '2', headers: { 'If-None-Match': '*' } })).status, 412);
    assert.equal((await stage.request('PUT', `${url}/once`, { body: '2', headers: { 'If-None-Match': 'abc' } })).status, 400);
    assert.equal((await stage.request('GET', `${url}/once`)).body, '1');
  });

  it('answers conditional GETs and HEADs with 304 and 412', async () => {
    const etag = md5('hello world');
    const lastModified = (await stage.request('HEAD', `${url}/dir/report.txt`)).headers['last-modified']!;
    const status = async (headers: Record<string, string>, method = 'GET') => (await stage.request(method, `${url}/dir/report.txt`, { headers })).status;
    assert.equal(await status({ 'If-None-Match': `"${etag}"` }), 304);
    assert.equal(await status({ 'If-None-Match': 'other' }), 200);
    assert.equal(await status({ 'If-Match': 'other' }), 412);
    assert.equal(await status({ 'If-Match': etag }, 'HEAD'), 200);
    assert.equal(await status({ 'If-Modified-Since': lastModified }), 304);
    assert.equal(await status({ 'If-Modified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' }), 200);
    assert.equal(await status({ 'If-Unmodified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' }, 'HEAD'), 412);
  });

  it('serves one byte range with 206, ignores a range set, and refuses what is out of range with 416', async () => {
    const part = await stage.request('GET', `${url}/dir/report.txt`, { headers: { Range: 'bytes=6-' } });
    assert.equal(part.status, 206);
    assert.equal(part.body, 'world');
    assert.equal(part.headers['content-range'], 'bytes 6-10/11');
    assert.equal((await stage.request('GET', `${url}/dir/report.txt`, { headers: { Range: 'bytes=-5' } })).body, 'world');
    assert.equal((await stage.request('GET', `${url}/dir/report.txt`, { headers: { Range: 'bytes=0-1,3-4' } })).status, 200);
    assert.equal((await stage.request('GET', `${url}/dir/report.txt`, { headers: { Range: 'bytes=9-2' } })).status, 200);
    const beyond = await stage.request('GET', `${url}/dir/report.txt`, { headers: { Range: 'bytes=11-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], 'bytes */11');
  });

  it('replaces metadata with POST (202), keeping the data; sets and clears expiry', async () => {
    await stage.request('PUT', `${url}/meta`, { body: 'keep', headers: { 'X-Object-Meta-A': '1', 'X-Object-Meta-B': '2' } });
    const post = await stage.request('POST', `${url}/meta`, { headers: { 'X-Object-Meta-C': '3', 'X-Object-Meta-Blank': '', 'Content-Type': 'text/csv', 'X-Delete-After': '3600' } });
    assert.equal(post.status, 202);
    let head = await stage.request('HEAD', `${url}/meta`);
    assert.equal(head.headers['x-object-meta-a'], undefined);
    assert.equal(head.headers['x-object-meta-c'], '3');
    assert.equal(head.headers['x-object-meta-blank'], '');
    assert.equal(head.headers['content-type'], 'text/csv');
    assert.ok(Math.abs(Number(head.headers['x-delete-at']) - (Date.now() / 1000 + 3600)) < 5);
    await stage.request('POST', `${url}/meta`, { headers: { 'X-Object-Meta-C': '4' } });
    head = await stage.request('HEAD', `${url}/meta`);
    assert.equal(head.headers['x-delete-at'], undefined);
    assert.equal((await stage.request('GET', `${url}/meta`)).body, 'keep');
    const past = await stage.request('POST', `${url}/meta`, { headers: { 'X-Delete-At': '1000' } });
    assert.equal(past.status, 400);
    assert.equal(past.body, 'X-Delete-At in past');
    assert.equal((await stage.request('POST', `${url}/meta`, { headers: { 'X-Delete-After': 'soon' } })).body, 'Non-integer X-Delete-After');
    assert.equal((await stage.request('POST', `${url}/missing`, { headers: { 'X-Object-Meta-A': '1' } })).status, 404);
  });

  it('makes an object expire at X-Delete-At; its container may then go before the sweep', async () => {
    await stage.request('PUT', `${ALICE}/brief`);
    await stage.request('PUT', `${ALICE}/brief/ephemeral`, { body: 'x', headers: { 'X-Delete-At': String(Math.floor(Date.now() / 1000) + 1) } });
    assert.equal((await stage.request('GET', `${ALICE}/brief/ephemeral`)).status, 200);
    assert.equal((await stage.request('DELETE', `${ALICE}/brief`)).status, 409);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await stage.request('GET', `${ALICE}/brief/ephemeral`)).status, 404);
    assert.equal((await stage.request('DELETE', `${ALICE}/brief`)).status, 204);
  });

  it('deletes with 204; a missing object is 404', async () => {
    await stage.request('PUT', `${url}/gone`, { body: 'x', headers: { 'X-Object-Meta-Empty': '' } });
    assert.equal((await stage.request('HEAD', `${url}/gone`)).headers['x-object-meta-empty'], '');
    const deleted = await stage.request('DELETE', `${url}/gone`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal((await stage.request('DELETE', `${url}/gone`)).status, 404);
    assert.equal((await stage.request('GET', `${url}/gone`)).status, 404);
  });

  it('copies with X-Copy-From and COPY, merging metadata unless it is fresh', async () => {
    const deleteAt = String(Math.floor(Date.now() / 1000) + 3600);
    await stage.request('PUT', `${url}/src`, { body: 'source', headers: { 'X-Object-Meta-Origin': 'src', 'X-Object-Meta-Keep': 'yes', 'Content-Type': 'text/x-src', 'X-Delete-At': deleteAt } });
    const put = await stage.request('PUT', `${url}/copy1`, { body: '', headers: { 'X-Copy-From': '/docs/src', 'X-Object-Meta-Origin': 'copy', 'X-Object-Meta-Blank': '' } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.etag, md5('source'));
    assert.equal(put.headers['x-copied-from'], 'docs/src');
    assert.equal(put.headers['x-copied-from-account'], 'AUTH_p-alice');
    assert.ok(put.headers['x-copied-from-last-modified']);
    // The answer carries the new object's metadata, the source's expiry included.
    assert.equal(put.headers['x-object-meta-origin'], 'copy');
    assert.equal(put.headers['x-object-meta-keep'], 'yes');
    assert.equal(put.headers['x-object-meta-blank'], '');
    assert.equal(put.headers['x-delete-at'], deleteAt);
    const merged = await stage.request('GET', `${url}/copy1`);
    assert.equal(merged.body, 'source');
    assert.equal(merged.headers['x-object-meta-origin'], 'copy');
    assert.equal(merged.headers['x-object-meta-keep'], 'yes');
    assert.equal(merged.headers['content-type'], 'text/x-src');
    assert.equal(merged.headers['x-object-meta-blank'], '');
    assert.equal(merged.headers['x-delete-at'], deleteAt);
    const copy = await stage.request('COPY', `${url}/src`, { headers: { Destination: 'docs/copy%202', 'X-Fresh-Metadata': 'true', 'X-Object-Meta-New': '1' } });
    assert.equal(copy.status, 201);
    assert.equal(copy.headers['x-object-meta-keep'], undefined);
    const fresh = await stage.request('HEAD', `${url}/copy 2`.replace(' ', '%20'));
    assert.equal(fresh.headers['x-object-meta-new'], '1');
    assert.equal(fresh.headers['x-object-meta-keep'], undefined);
    assert.equal(fresh.headers['x-delete-at'], undefined);
    assert.equal((await stage.request('PUT', `${url}/copy3`, { body: 'x', headers: { 'X-Copy-From': 'docs/src' } })).body, 'Copy requests require a zero byte body');
    assert.equal((await stage.request('COPY', `${url}/src`, { headers: { Destination: 'nocontainer' } })).status, 412);
    assert.equal((await stage.request('PUT', `${url}/copy4`, { body: '', headers: { 'X-Copy-From': 'docs/absent' } })).status, 404);
  });

  it('keeps every slash and unicode in names, and refuses names over 1024 bytes', async () => {
    const name = 'a//b/ü ö/';
    assert.equal((await stage.request('PUT', `${url}/${encodeURIComponent(name).replace(/%2F/g, '/')}`, { body: 'odd' })).status, 201);
    assert.equal((await stage.request('GET', `${url}/a//b/%C3%BC%20%C3%B6/`)).body, 'odd');
    const listed = JSON.parse((await stage.request('GET', `${url}?format=json&prefix=a/`)).body) as { name: string }[];
    assert.deepEqual(listed.map((o) => o.name), [name]);
    const long = await stage.request('PUT', `${url}/${'x'.repeat(1025)}`, { body: 'x' });
    assert.equal(long.status, 400);
    assert.equal(long.body, 'Object name length of 1025 longer than 1024');
  });
});
