import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseObjectManifest, slicePieces, sloEtag, type Piece } from './large-objects.ts';
import { ALICE, SwiftStage } from './test-kit.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('large object pieces', () => {
  const pieces: Piece[] = [{ bucket: 'b', key: 'one', start: 0, end: 3 }, { data: Buffer.from('xyz') }, { bucket: 'b', key: 'two', start: 10, end: 14 }];

  it('trims the pieces to a range of their concatenation', () => {
    assert.deepEqual(slicePieces(pieces, { start: 2, end: 8 }), [
      { bucket: 'b', key: 'one', start: 2, end: 3 }, { data: Buffer.from('xyz') }, { bucket: 'b', key: 'two', start: 10, end: 11 },
    ]);
    assert.deepEqual(slicePieces(pieces, { start: 5, end: 5 }), [{ data: Buffer.from('y') }]);
    assert.deepEqual(slicePieces(pieces, { start: 0, end: 11 }), pieces);
  });

  it('computes the SLO ETag as Swift documents it', () => {
    assert.equal(sloEtag([
      { name: '/c/1', bytes: 1, hash: 'etagoftheobjectsegment1' }, { name: '/c/2', bytes: 1, hash: 'etagoftheobjectsegment2' },
    ]), '38e059e0d4f3d3b88069837219feaffd');
    assert.equal(sloEtag([
      { name: '/c/1', bytes: 9, hash: 'etagoftheobjectsegmentone', range: '1-2' }, { name: '/c/2', bytes: 9, hash: 'etagoftheobjectsegmenttwo', range: '3-4' },
    ]), '6adb50f812ff266d4d65bedcfde60908');
    assert.equal(sloEtag([{ data: Buffer.from('abc').toString('base64') }]), md5(md5('abc')));
  });

  it('reads X-Object-Manifest as quoted container/prefix', () => {
    assert.deepEqual(parseObjectManifest('segs/my%20file/'), { bucket: 'segs', prefix: 'my file/' });
    for (const bad of ['segs', 'segs/', '/segs/p', 'segs//p', 'segs/p?x', 'segs/%ZZ']) assert.equal(parseObjectManifest(bad), undefined, bad);
  });
});

describe('Swift large objects', () => {
  let stage: SwiftStage;
  const parts = ['first-', 'second-', 'third'];
  before(async () => {
    stage = await SwiftStage.open();
    await stage.request('PUT', `${ALICE}/videos`);
    await stage.request('PUT', `${ALICE}/segs`);
    for (const [i, part] of parts.entries()) await stage.request('PUT', `${ALICE}/segs/movie/${String(i).padStart(3, '0')}`, { body: part });
  });
  after(() => stage.close());

  it('serves a DLO as its segments in name order, with the quoted MD5 of their ETags', async () => {
    const put = await stage.request('PUT', `${ALICE}/videos/movie.dlo`, { body: '', headers: { 'X-Object-Manifest': 'segs/movie/', 'Content-Type': 'video/mp4' } });
    assert.equal(put.status, 201);
    const get = await stage.request('GET', `${ALICE}/videos/movie.dlo`);
    assert.equal(get.body, parts.join(''));
    assert.equal(get.headers.etag, `"${md5(parts.map(md5).join(''))}"`);
    assert.equal(get.headers['x-object-manifest'], 'segs/movie/');
    assert.equal(get.headers['content-type'], 'video/mp4');
    const ranged = await stage.request('GET', `${ALICE}/videos/movie.dlo`, { headers: { Range: 'bytes=4-9' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.body, parts.join('').slice(4, 10));
    assert.equal(ranged.headers['content-range'], `bytes 4-9/${parts.join('').length}`);
    const head = await stage.request('HEAD', `${ALICE}/videos/movie.dlo`);
    assert.equal(head.headers['content-length'], String(parts.join('').length));
    const manifest = await stage.request('GET', `${ALICE}/videos/movie.dlo?multipart-manifest=get`);
    assert.equal(manifest.body, '');
    assert.equal(manifest.headers.etag, md5(''));
    // A DLO grows with its prefix.
    await stage.request('PUT', `${ALICE}/segs/movie/003`, { body: '-fourth' });
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.dlo`)).body, `${parts.join('')}-fourth`);
    await stage.request('DELETE', `${ALICE}/segs/movie/003`);
    assert.equal((await stage.request('PUT', `${ALICE}/videos/bad.dlo`, { body: '', headers: { 'X-Object-Manifest': 'segs' } })).body, 'X-Object-Manifest must be in the format container/prefix');
  });

  it('turns an object into a DLO with a POST of X-Object-Manifest, and back with a POST without it', async () => {
    await stage.request('PUT', `${ALICE}/videos/later.dlo`, { body: '' });
    assert.equal((await stage.request('POST', `${ALICE}/videos/later.dlo`, { headers: { 'X-Object-Manifest': 'segs/movie/' } })).status, 202);
    const head = await stage.request('HEAD', `${ALICE}/videos/later.dlo`);
    assert.equal(head.headers['x-object-manifest'], 'segs/movie/');
    assert.equal(head.headers.etag, `"${md5(parts.map(md5).join(''))}"`);
    assert.equal((await stage.request('GET', `${ALICE}/videos/later.dlo`)).body, parts.join(''));
    assert.equal((await stage.request('POST', `${ALICE}/videos/later.dlo`, { headers: { 'X-Object-Manifest': 'segs' } })).status, 400);
    await stage.request('POST', `${ALICE}/videos/later.dlo`, { headers: { 'X-Object-Meta-A': '1' } });
    const plain = await stage.request('GET', `${ALICE}/videos/later.dlo`);
    assert.equal(plain.headers['x-object-manifest'], undefined);
    assert.equal(plain.headers.etag, md5(''));
    assert.equal(plain.body, '');
  });

  it('serves an SLO as its segments, ranges across them, and lists it with its size and ETag', async () => {
    const manifest = parts.map((p, i) => ({ path: `/segs/movie/${String(i).padStart(3, '0')}`, etag: md5(p), size_bytes: p.length }));
    const put = await stage.request('PUT', `${ALICE}/videos/movie.slo?multipart-manifest=put`, { body: JSON.stringify(manifest), headers: { 'Content-Type': 'video/mp4' } });
    assert.equal(put.status, 201);
    const etag = md5(parts.map(md5).join(''));
    assert.equal(put.headers.etag, `"${etag}"`);
    const get = await stage.request('GET', `${ALICE}/videos/movie.slo`);
    assert.equal(get.body, parts.join(''));
    assert.equal(get.headers.etag, `"${etag}"`);
    assert.equal(get.headers['x-static-large-object'], 'True');
    assert.equal(get.headers['content-type'], 'video/mp4');
    assert.ok(get.headers['x-manifest-etag']);
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.slo`, { headers: { Range: 'bytes=3-8' } })).body, parts.join('').slice(3, 9));
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.slo`, { headers: { 'If-None-Match': etag } })).status, 304);
    const head = await stage.request('HEAD', `${ALICE}/videos/movie.slo`);
    assert.equal(head.headers['content-length'], String(parts.join('').length));
    const listed = (JSON.parse((await stage.request('GET', `${ALICE}/videos?format=json&prefix=movie.slo`)).body) as Record<string, unknown>[])[0]!;
    assert.equal(listed.bytes, parts.join('').length);
    assert.equal(listed.slo_etag, `"${etag}"`);
    assert.equal(listed.content_type, 'video/mp4');
  });

  it('returns the stored manifest with multipart-manifest=get, and the PUT form with format=raw', async () => {
    const stored = await stage.request('GET', `${ALICE}/videos/movie.slo?multipart-manifest=get`);
    assert.equal(stored.headers['content-type'], 'application/json; charset=utf-8');
    const segments = JSON.parse(stored.body) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(segments[0]!).sort(), ['bytes', 'content_type', 'hash', 'last_modified', 'name']);
    assert.equal(segments[0]!.name, '/segs/movie/000');
    assert.equal(stored.headers.etag, md5(stored.body));
    const raw = await stage.request('GET', `${ALICE}/videos/movie.slo?multipart-manifest=get&format=raw`);
    assert.deepEqual(JSON.parse(raw.body), parts.map((p, i) => ({ etag: md5(p), path: `/segs/movie/${String(i).padStart(3, '0')}`, size_bytes: p.length })));
    assert.equal(raw.headers['content-type'], 'video/mp4');
  });

  it('nests SLOs, uses segment ranges and inline data', async () => {
    const inner = [{ path: '/segs/movie/000' }, { path: '/segs/movie/001' }];
    assert.equal((await stage.request('PUT', `${ALICE}/videos/inner?multipart-manifest=put`, { body: JSON.stringify(inner) })).status, 201);
    const innerHead = await stage.request('HEAD', `${ALICE}/videos/inner`);
    const outer = [
      { path: '/videos/inner', etag: innerHead.headers.etag!.replace(/"/g, ''), size_bytes: Number(innerHead.headers['content-length']), range: '3-9' },
      { data: Buffer.from('<inline>').toString('base64') },
      { path: '/segs/movie/002', range: '-3' },
    ];
    const put = await stage.request('PUT', `${ALICE}/videos/outer?multipart-manifest=put`, { body: JSON.stringify(outer) });
    assert.equal(put.status, 201, put.body);
    assert.equal((await stage.request('GET', `${ALICE}/videos/outer`)).body, `${'first-second-'.slice(3, 10)}<inline>ird`);
  });

  it('breaks off (409) when a segment changed since the manifest was written', async () => {
    await stage.request('PUT', `${ALICE}/segs/fragile`, { body: 'original' });
    await stage.request('PUT', `${ALICE}/videos/fragile?multipart-manifest=put`, { body: JSON.stringify([{ path: '/segs/fragile' }]) });
    await stage.request('PUT', `${ALICE}/segs/fragile`, { body: 'replaced' });
    assert.equal((await stage.request('GET', `${ALICE}/videos/fragile`)).status, 409);
  });

  it('copies a large object as its data unless the manifest itself is asked for', async () => {
    const copied = await stage.request('PUT', `${ALICE}/videos/flat`, { body: '', headers: { 'X-Copy-From': 'videos/movie.slo' } });
    assert.equal(copied.status, 201);
    const flat = await stage.request('GET', `${ALICE}/videos/flat`);
    assert.equal(flat.body, parts.join(''));
    assert.equal(flat.headers['x-static-large-object'], undefined);
    assert.equal(flat.headers.etag, md5(parts.join('')));
    await stage.request('PUT', `${ALICE}/videos/manifest-copy?multipart-manifest=get`, { body: '', headers: { 'X-Copy-From': 'videos/movie.slo' } });
    const manifestCopy = await stage.request('GET', `${ALICE}/videos/manifest-copy`);
    assert.equal(manifestCopy.headers['x-static-large-object'], 'True');
    assert.equal(manifestCopy.body, parts.join(''));
    await stage.request('COPY', `${ALICE}/videos/movie.dlo`, { headers: { Destination: '/videos/dlo-flat' } });
    assert.equal((await stage.request('GET', `${ALICE}/videos/dlo-flat`)).headers['x-object-manifest'], undefined);
  });

  it('lets anonymous readers of a public container read a large object whose segments are public too', async () => {
    await stage.request('POST', `${ALICE}/videos`, { headers: { 'X-Container-Read': '.r:*' } });
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.slo`, { token: null })).status, 409);
    await stage.request('POST', `${ALICE}/segs`, { headers: { 'X-Container-Read': '.r:*,.rlistings' } });
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.slo`, { token: null })).body, parts.join(''));
    assert.equal((await stage.request('GET', `${ALICE}/videos/movie.dlo`, { token: null })).body, parts.join(''));
  });
});
