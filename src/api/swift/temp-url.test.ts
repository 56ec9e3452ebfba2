import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseExpires, parseSignature, tempUrlHeaders, tempUrlHmac } from './temp-url.ts';
import { ALICE, SwiftStage } from './test-kit.ts';

// Signatures computed with Python's hmac for the example of Swift's tempurl documentation.
const DOC_PATH = '/v1/AUTH_account/container/object';
const DOC_SHA1 = 'd9fc2067e52b06598421664cf6610bfc8fc431f6';
const DOC_SHA256 = '05cb4ea08a08f2fdaef35d0f344975370077835c23bdc9342099ecbf03bc0378';
const DOC_SHA512 = 'sha512:zZD1u2V0ZLDxhhrRPFrYzGf1H0yIHc6Qv8kAhpMcy4mguNI8bP99Sv4C2HOwA1OF0wJUl7vX8Mo11hv5k223fQ==';

describe('temp URL signatures', () => {
  it('computes HMAC-SHA1/256/512 over METHOD, expiry and path as Swift does', () => {
    assert.equal(tempUrlHmac('sha1', 'mykey', 'GET', 1323479485, DOC_PATH), DOC_SHA1);
    assert.equal(tempUrlHmac('sha256', 'mykey', 'GET', 1323479485, DOC_PATH), DOC_SHA256);
    assert.equal(tempUrlHmac('sha1', 'mykey', 'GET', 1323479485, 'prefix:/v1/AUTH_account/container/pre'), 'cb097a6c739aa387edd7cfdf9c021ab0722dc955');
  });

  it('reads hex SHA-1 and SHA-256 and <digest>:base64 (URL-safe or not, padded or not)', () => {
    assert.deepEqual(parseSignature(DOC_SHA1), { digest: 'sha1', hex: DOC_SHA1 });
    assert.deepEqual(parseSignature(DOC_SHA256.toUpperCase()), { digest: 'sha256', hex: DOC_SHA256 });
    const sha512 = tempUrlHmac('sha512', 'mykey', 'GET', 1323479485, DOC_PATH);
    assert.deepEqual(parseSignature(DOC_SHA512), { digest: 'sha512', hex: sha512 });
    const standard = `sha512:${Buffer.from(sha512, 'hex').toString('base64').replace(/=+$/, '')}`;
    assert.deepEqual(parseSignature(standard), { digest: 'sha512', hex: sha512 });
    assert.equal(parseSignature(sha512), undefined, 'SHA-512 must be prefixed');
    assert.equal(parseSignature('xyz'), undefined);
    assert.equal(parseSignature('sha256:!!'), undefined);
  });

  it('reads expiries as seconds or ISO 8601 UTC, a past or bad one as 0', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(parseExpires('1900000000', now), 1900000000);
    assert.equal(parseExpires('2030-01-01T00:00:00Z', now), Date.UTC(2030, 0, 1) / 1000);
    assert.equal(parseExpires('1000', now), 0);
    assert.equal(parseExpires('2030-01-01', now), 0);
    assert.equal(parseExpires(null, now), 0);
  });

  it('shows only public metadata and names the download', () => {
    const headers = { 'X-Object-Meta-Secret': 's', 'X-Object-Meta-Public-Tag': 't', 'Content-Type': 'text/plain', 'Content-Disposition': 'attachment; filename="own"' };
    const grant = { scope: 'account' as const, container: 'c', expires: 1900000000, inline: false };
    assert.deepEqual(tempUrlHeaders(grant, 'dir/My File.pdf', headers), {
      'X-Object-Meta-Public-Tag': 't', 'Content-Type': 'text/plain', 'Content-Disposition': 'attachment; filename="own"', Expires: 'Sun, 17 Mar 2030 17:46:40 GMT',
    });
    assert.equal(tempUrlHeaders(grant, 'dir/My File.pdf', {})['Content-Disposition'], 'attachment; filename="My File.pdf"; filename*=UTF-8\'\'My%20File.pdf');
    assert.equal(tempUrlHeaders({ ...grant, inline: true }, 'o', headers)['Content-Disposition'], 'inline');
    assert.equal(tempUrlHeaders({ ...grant, inline: true, filename: 'a b' }, 'o', {})['Content-Disposition'], 'inline; filename="a b"; filename*=UTF-8\'\'a%20b');
    assert.equal(tempUrlHeaders({ ...grant, filename: 'x' }, 'o', headers)['Content-Disposition'], 'attachment; filename="x"; filename*=UTF-8\'\'x');
  });
});

describe('temp URLs on the wire', () => {
  let stage: SwiftStage;
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const sign = (key: string, method: string, path: string, digest: 'sha1' | 'sha256' = 'sha256', at = expires) =>
    `temp_url_sig=${createHmac(digest, key).update(`${method}\n${at}\n${path}`).digest('hex')}&temp_url_expires=${at}`;

  before(async () => {
    stage = await SwiftStage.open();
    await stage.request('POST', ALICE, { headers: { 'X-Account-Meta-Temp-URL-Key': 'acct-key' } });
    await stage.request('PUT', `${ALICE}/shared`, { headers: { 'X-Container-Meta-Temp-URL-Key-2': 'cont-key' } });
    await stage.request('PUT', `${ALICE}/other`);
    await stage.request('PUT', `${ALICE}/shared/dir/report.txt`, { body: 'quarterly', headers: { 'X-Object-Meta-Secret': 'x', 'X-Object-Meta-Public-Owner': 'alice' } });
    await stage.request('PUT', `${ALICE}/other/o`, { body: 'other' });
  });
  after(() => stage.close());

  it('serves a GET signed with the account key, as a download, hiding private metadata', async () => {
    const res = await stage.request('GET', `${ALICE}/shared/dir/report.txt?${sign('acct-key', 'GET', '/v1/AUTH_p-alice/shared/dir/report.txt')}`, { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'quarterly');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="report.txt"; filename*=UTF-8\'\'report.txt');
    assert.equal(res.headers.expires, new Date(expires * 1000).toUTCString());
    assert.equal(res.headers['x-object-meta-public-owner'], 'alice');
    assert.equal(res.headers['x-object-meta-secret'], undefined);
  });

  it('accepts the path with the /swift mount, a HEAD signed for GET, and SHA-1', async () => {
    const full = `${ALICE}/shared/dir/report.txt`;
    assert.equal((await stage.request('GET', `${full}?${sign('acct-key', 'GET', full)}&inline`, { token: null })).headers['content-disposition'], 'inline');
    const head = await stage.request('HEAD', `${full}?${sign('acct-key', 'GET', '/v1/AUTH_p-alice/shared/dir/report.txt', 'sha1')}`, { token: null });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '9');
  });

  it('lets a PUT signed for PUT write, and refuses it a manifest', async () => {
    const path = '/v1/AUTH_p-alice/shared/upload.bin';
    const put = await stage.request('PUT', `${ALICE}/shared/upload.bin?${sign('cont-key', 'PUT', path)}`, { token: null, body: 'uploaded' });
    assert.equal(put.status, 201);
    assert.equal((await stage.request('GET', `${ALICE}/shared/upload.bin`)).body, 'uploaded');
    const dlo = await stage.request('PUT', `${ALICE}/shared/upload.bin?${sign('cont-key', 'PUT', path)}`, { token: null, body: '', headers: { 'X-Object-Manifest': 'other/o' } });
    assert.equal(dlo.status, 400);
    assert.equal(dlo.body, "The header 'X-Object-Manifest' is not allowed in this tempurl");
  });

  it('answers 401 "Temp URL invalid" for another method, path, key or an expired URL', async () => {
    const path = '/v1/AUTH_p-alice/shared/dir/report.txt';
    const url = `${ALICE}/shared/dir/report.txt`;
    for (const query of [
      sign('acct-key', 'PUT', path),
      sign('acct-key', 'GET', '/v1/AUTH_p-alice/shared/dir/other.txt'),
      sign('wrong-key', 'GET', path),
      sign('acct-key', 'GET', path, 'sha256', Math.floor(Date.now() / 1000) - 10),
      `temp_url_sig=abc&temp_url_expires=${expires}`,
      `temp_url_expires=${expires}`,
    ]) {
      const res = await stage.request('GET', `${url}?${query}`, { token: null });
      assert.equal(res.status, 401, query);
      assert.equal(res.body, '401 Unauthorized: Temp URL invalid\n');
      assert.equal(res.headers['www-authenticate'], 'Swift realm="AUTH_p-alice"');
    }
    assert.equal((await stage.request('DELETE', `${url}?${sign('acct-key', 'GET', path)}`, { token: null })).status, 401);
  });

  it('keeps a container key to its container', async () => {
    const res = await stage.request('GET', `${ALICE}/other/o?${sign('cont-key', 'GET', '/v1/AUTH_p-alice/other/o')}`, { token: null });
    assert.equal(res.status, 401);
    const copy = await stage.request('PUT', `${ALICE}/shared/stolen?${sign('cont-key', 'PUT', '/v1/AUTH_p-alice/shared/stolen')}`, { token: null, body: '', headers: { 'X-Copy-From': 'other/o' } });
    assert.equal(copy.status, 401);
    assert.equal((await stage.request('HEAD', `${ALICE}/shared/stolen`)).status, 404);
  });

  it('grants every object under a prefix with temp_url_prefix', async () => {
    const query = `${sign('acct-key', 'GET', 'prefix:/v1/AUTH_p-alice/shared/dir/')}&temp_url_prefix=dir/`;
    assert.equal((await stage.request('GET', `${ALICE}/shared/dir/report.txt?${query}`, { token: null })).status, 200);
    assert.equal((await stage.request('GET', `${ALICE}/shared/upload.bin?${query}`, { token: null })).status, 401);
  });
});
