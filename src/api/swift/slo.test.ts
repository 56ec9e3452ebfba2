import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SwiftError } from './errors.ts';
import { bulkBody, parseManifestInput } from './slo.ts';
import { ALICE, SwiftStage } from './test-kit.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('SLO manifest input', () => {
  const problems = (manifest: unknown) => {
    try {
      parseManifestInput(JSON.stringify(manifest), '/c/manifest');
    } catch (err) {
      assert.ok(err instanceof SwiftError && err.status === 400);
      return err.body;
    }
    return undefined;
  };

  it('takes path segments with optional etag, size and range, and inline data', () => {
    assert.deepEqual(parseManifestInput(JSON.stringify([{ path: 'c/a', etag: null, size_bytes: '5', range: '1-2' }, { data: 'YWJj' }]), '/c/m'), [
      { path: 'c/a', etag: null, size_bytes: 5, range: { start: 1, end: 2 } }, { data: 'YWJj' },
    ]);
  });

  it('lists every problem, one per line, in Swift\'s words', () => {
    assert.equal(problems([
      'x',
      { etag: 'e' },
      { path: '/c/o', extra: 1, more: 2 },
      { path: 5 },
      { path: '/c/o', etag: 5 },
      { path: '/container-only' },
      { path: '/c/o', size_bytes: 'many' },
      { path: '/c/o', size_bytes: 0 },
      { path: '/c/manifest' },
      { path: '/c/o', range: 'x-y' },
      { path: '/c/o', range: '0-1,3-4' },
      { path: '/c/o', size_bytes: 10, range: '10-' },
      { data: 'not base64!' },
      { path: '/c/o', size_bytes: 0 },
    ]), [
      'Index 0: not a JSON object', "Index 1: expected keys to include one of 'data' or 'path'", 'Index 2: extraneous keys "extra", "more"',
      'Index 3: "path" must be a string', 'Index 4: "etag" must be a string or null (if provided)',
      'Index 5: path does not refer to an object. Path must be of the form /container/object.', 'Index 6: invalid size_bytes',
      'Index 7: too small; each segment must be at least 1 byte.', 'Index 8: manifest must not include itself as a segment',
      'Index 9: invalid range', 'Index 10: multiple ranges (only one allowed)', 'Index 11: unsatisfiable range', 'Index 12: data must be valid base64', '',
    ].join('\n'));
    assert.equal(problems([{ data: 'YQ==' }]), 'Inline data segments require at least one object-backed segment.\n');
    assert.throws(() => parseManifestInput('{', '/c/m'), (e: unknown) => e instanceof SwiftError && e.body === 'Manifest must be valid JSON.\n');
    assert.throws(() => parseManifestInput('{}', '/c/m'), (e: unknown) => e instanceof SwiftError && e.body === 'Manifest must be a list.\n');
  });

  it('renders bulk outcomes as text, JSON and XML', () => {
    const fields = { 'Number Deleted': 2, 'Response Status': '200 OK' };
    assert.equal(bulkBody('text/plain', fields, [['/c/o', '409 Conflict']], 'delete'), 'Number Deleted: 2\nResponse Status: 200 OK\nErrors:\n/c/o, 409 Conflict\n');
    assert.deepEqual(JSON.parse(bulkBody('application/json', fields, [], 'delete')), { ...fields, Errors: [] });
    assert.equal(bulkBody('application/xml', {}, [['/c/<o>', 'Etag Mismatch']], 'upload'),
      '<upload>\n<errors>\n<object><name>/c/&lt;o&gt;</name><status>Etag Mismatch</status></object>\n</errors>\n</upload>\n');
  });
});

describe('Swift SLO writes and deletes', () => {
  let stage: SwiftStage;
  before(async () => {
    stage = await SwiftStage.open();
    await stage.request('PUT', `${ALICE}/mans`);
    await stage.request('PUT', `${ALICE}/segs`);
    for (const n of ['1', '2', '3', 'empty']) await stage.request('PUT', `${ALICE}/segs/${n}`, { body: n === 'empty' ? '' : `part${n}` });
  });
  after(() => stage.close());

  it('refuses a manifest whose segments do not match, naming each problem', async () => {
    const manifest = [
      { path: '/segs/1', etag: md5('wrong'), size_bytes: 5 },
      { path: '/segs/2', size_bytes: 99 },
      { path: '/segs/missing' },
      { path: '/segs/empty' },
      { path: '/segs/3', range: '10-' },
      { path: '/segs/3' },
    ];
    const res = await stage.request('PUT', `${ALICE}/mans/bad?multipart-manifest=put`, { body: JSON.stringify(manifest) });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.body, 'Errors:\n/segs/1, Etag Mismatch\n/segs/2, Size Mismatch\n/segs/missing, 404 Not Found\n'
      + '/segs/empty, Too small; each segment must be at least 1 byte.\n/segs/3, Unsatisfiable Range\n');
    const json = await stage.request('PUT', `${ALICE}/mans/bad?multipart-manifest=put`, { body: JSON.stringify(manifest.slice(2, 3)), headers: { Accept: 'application/json' } });
    assert.deepEqual(JSON.parse(json.body), { Errors: [['/segs/missing', '404 Not Found']] });
    assert.equal((await stage.request('HEAD', `${ALICE}/mans/bad`)).status, 404);
  });

  it('checks the client\'s ETag against the SLO\'s (422) and refuses X-Static-Large-Object on a plain PUT', async () => {
    const manifest = JSON.stringify([{ path: '/segs/1' }, { path: '/segs/2' }]);
    assert.equal((await stage.request('PUT', `${ALICE}/mans/etag?multipart-manifest=put`, { body: manifest, headers: { ETag: md5('x') } })).status, 422);
    const ok = await stage.request('PUT', `${ALICE}/mans/etag?multipart-manifest=put`, { body: manifest, headers: { ETag: `"${md5(md5('part1') + md5('part2'))}"` } });
    assert.equal(ok.status, 201);
    const reserved = await stage.request('PUT', `${ALICE}/mans/fake`, { body: '[]', headers: { 'X-Static-Large-Object': 'True' } });
    assert.equal(reserved.status, 400);
    assert.match(reserved.body, /^X-Static-Large-Object is a reserved header/);
    assert.equal((await stage.request('PUT', `${ALICE}/mans/x?multipart-manifest=put`, { body: '', headers: { 'X-Copy-From': 'segs/1' } })).status, 405);
  });

  it('reports the outcome in the body of a 202 with heartbeat=on', async () => {
    const res = await stage.request('PUT', `${ALICE}/mans/beat?multipart-manifest=put&heartbeat=on`, { body: JSON.stringify([{ path: '/segs/1' }]) });
    assert.equal(res.status, 202);
    assert.match(res.body, new RegExp(`^ \\r\\n\\r\\nEtag: "${md5(md5('part1'))}"\\nLast Modified: .+ GMT\\nResponse Body: \\nResponse Status: 201 Created\\nErrors:\\n$`));
    const failed = await stage.request('PUT', `${ALICE}/mans/beat2?multipart-manifest=put&heartbeat=on`, { body: JSON.stringify([{ path: '/segs/nope' }]), headers: { Accept: 'application/json' } });
    assert.equal(failed.status, 202);
    assert.deepEqual(JSON.parse(failed.body.trim()), {
      'Response Status': '400 Bad Request',
      'Response Body': 'Bad Request\nThe server could not comply with the request since it is either malformed or otherwise incorrect.',
      Errors: [['/segs/nope', '404 Not Found']],
    });
  });

  it('deletes the manifest and every segment, nested ones included, with multipart-manifest=delete', async () => {
    await stage.request('PUT', `${ALICE}/segs/d1`, { body: 'd1' });
    await stage.request('PUT', `${ALICE}/segs/d2`, { body: 'd2' });
    await stage.request('PUT', `${ALICE}/mans/inner?multipart-manifest=put`, { body: JSON.stringify([{ path: '/segs/d2' }]) });
    await stage.request('PUT', `${ALICE}/mans/outer?multipart-manifest=put`, { body: JSON.stringify([{ path: '/segs/d1' }, { path: '/mans/inner' }]) });
    await stage.request('DELETE', `${ALICE}/segs/d1`);
    const res = await stage.request('DELETE', `${ALICE}/mans/outer?multipart-manifest=delete`);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'Number Deleted: 3\nNumber Not Found: 1\nResponse Body: \nResponse Status: 200 OK\nErrors:\n');
    for (const gone of ['mans/outer', 'mans/inner', 'segs/d2']) assert.equal((await stage.request('HEAD', `${ALICE}/${gone}`)).status, 404, gone);
    const plain = await stage.request('DELETE', `${ALICE}/segs/1?multipart-manifest=delete`, { headers: { Accept: 'application/json' } });
    assert.deepEqual(JSON.parse(plain.body), {
      'Number Deleted': 0, 'Number Not Found': 0, 'Response Body': '', 'Response Status': '400 Bad Request', Errors: [['/segs/1', 'Not an SLO manifest']],
    });
    assert.equal((await stage.request('HEAD', `${ALICE}/segs/1`)).status, 200);
  });

  it('deletes just the manifest without the query', async () => {
    await stage.request('PUT', `${ALICE}/mans/only?multipart-manifest=put`, { body: JSON.stringify([{ path: '/segs/3' }]) });
    assert.equal((await stage.request('DELETE', `${ALICE}/mans/only`)).status, 204);
    assert.equal((await stage.request('GET', `${ALICE}/segs/3`)).body, 'part3');
  });
});
