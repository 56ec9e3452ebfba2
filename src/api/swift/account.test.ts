import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, SwiftStage } from './test-kit.ts';

describe('Swift accounts', () => {
  let stage: SwiftStage;
  before(async () => {
    stage = await SwiftStage.open();
  });
  after(() => stage.close());

  it('exists for every project: a new one is empty, its text listing 204', async () => {
    const head = await stage.request('HEAD', ALICE);
    assert.equal(head.status, 204);
    assert.equal(head.headers['x-account-container-count'], '0');
    assert.equal(head.headers['x-account-bytes-used'], '0');
    assert.match(head.headers['x-timestamp']!, /^\d{10}\.\d{5}$/);
    assert.equal((await stage.request('GET', ALICE)).status, 204);
    assert.equal((await stage.request('GET', `${ALICE}?format=json`)).body, '[]');
  });

  it('counts and lists containers with their usage', async () => {
    await stage.request('PUT', `${ALICE}/alpha`);
    await stage.request('PUT', `${ALICE}/beta`);
    await stage.request('PUT', `${ALICE}/beta/o`, { body: 'twelve bytes' });
    const head = await stage.request('HEAD', ALICE);
    assert.equal(head.headers['x-account-container-count'], '2');
    // The account is as old as its oldest container.
    const created = (await stage.request('HEAD', `${ALICE}/alpha`)).headers['x-timestamp'];
    assert.equal(head.headers['x-timestamp'], created);
    assert.equal(head.headers['x-put-timestamp'], created);
    assert.equal((await stage.request('GET', ALICE)).headers['x-timestamp'], created);
    assert.equal(head.headers['x-account-object-count'], '1');
    assert.equal(head.headers['x-account-bytes-used'], '12');
    assert.equal(head.headers['x-account-storage-policy-policy-0-bytes-used'], '12');
    const json = JSON.parse((await stage.request('GET', `${ALICE}?format=json`)).body) as Record<string, unknown>[];
    assert.deepEqual(json.map((c) => [c.name, c.count, c.bytes]), [['alpha', 0, 0], ['beta', 1, 12]]);
    assert.match(json[0]!.last_modified as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal((await stage.request('GET', `${ALICE}?marker=alpha`)).body, 'beta\n');
    assert.equal((await stage.request('GET', `${ALICE}?reverse=true&limit=1`)).body, 'beta\n');
    const xml = await stage.request('GET', `${ALICE}?format=xml&prefix=al`);
    assert.match(xml.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<account name="AUTH_p-alice">\n<container><name>alpha<\/name><count>0<\/count>/);
  });

  it('keeps metadata set by POST (204), incl. temp URL keys, and removes it', async () => {
    const post = await stage.request('POST', ALICE, { headers: { 'X-Account-Meta-Temp-URL-Key': 'k1', 'X-Account-Meta-Team': 'ops' } });
    assert.equal(post.status, 204);
    assert.equal(post.headers['content-type'], 'text/html; charset=UTF-8');
    let head = await stage.request('HEAD', ALICE);
    assert.equal(head.headers['x-account-meta-temp-url-key'], 'k1');
    assert.equal(head.headers['x-account-meta-team'], 'ops');
    await stage.request('POST', ALICE, { headers: { 'X-Remove-Account-Meta-Team': 'x' } });
    head = await stage.request('HEAD', ALICE);
    assert.equal(head.headers['x-account-meta-team'], undefined);
    assert.equal(head.headers['x-account-meta-temp-url-key'], 'k1');
  });

  it('lets only an admin set the bytes quota, which then limits uploads', async () => {
    assert.equal((await stage.request('POST', ALICE, { headers: { 'X-Account-Meta-Quota-Bytes': '20' } })).status, 403);
    assert.equal((await stage.request('POST', ALICE, { token: 'admin', headers: { 'X-Account-Meta-Quota-Bytes': '20' } })).status, 204);
    assert.equal((await stage.request('HEAD', ALICE)).headers['x-account-meta-quota-bytes'], '20');
    const over = await stage.request('PUT', `${ALICE}/alpha/big`, { body: 'more than eight bytes' });
    assert.equal(over.status, 413);
    assert.equal(over.body, 'Upload exceeds quota.');
    await stage.request('POST', ALICE, { token: 'admin', headers: { 'X-Remove-Account-Meta-Quota-Bytes': 'x' } });
    assert.equal((await stage.request('PUT', `${ALICE}/alpha/big`, { body: 'more than eight bytes' })).status, 201);
  });

  it('is the owner\'s only: others get 403, nobody 401; accounts are not created or deleted (405)', async () => {
    assert.equal((await stage.request('GET', ALICE, { token: 'bob' })).status, 403);
    assert.equal((await stage.request('HEAD', ALICE, { token: null })).status, 401);
    assert.equal((await stage.request('POST', ALICE, { token: 'bob', headers: { 'X-Account-Meta-X': 'y' } })).status, 403);
    assert.equal((await stage.request('PUT', ALICE)).status, 405);
    assert.equal((await stage.request('DELETE', ALICE)).status, 405);
    assert.equal((await stage.request('GET', '/swift/v1/acct-without-prefix')).status, 403);
  });

  it('publishes its capabilities at /info', async () => {
    const info = await stage.request('GET', '/swift/info', { token: null });
    assert.equal(info.status, 200);
    const caps = JSON.parse(info.body) as Record<string, Record<string, unknown>>;
    assert.equal(caps.swift!.max_file_size, 5 * 1024 ** 3);
    assert.equal(caps.swift!.container_listing_limit, 10000);
    assert.deepEqual(caps.tempurl!.allowed_digests, ['sha1', 'sha256', 'sha512']);
    assert.equal(caps.slo!.max_manifest_segments, 1000);
    for (const section of ['dlo', 'account_quotas', 'container_quotas']) assert.ok(section in caps, section);
  });
});
