import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Identity } from '../../services/identity/index.ts';
import { swiftFrameworkError, swiftPlugin } from './plugin.ts';
import { ALICE, SwiftStage } from './test-kit.ts';

describe('Swift plugin', () => {
  let stage: SwiftStage;
  before(async () => {
    stage = await SwiftStage.open();
  });
  after(() => stage.close());

  it('stamps every answer with a transaction id, errors and unknown paths included', async () => {
    for (const [method, url] of [['GET', '/swift/info'], ['GET', `${ALICE}/nothing`], ['GET', '/swift/elsewhere'], ['PUT', `${ALICE}/c/o`]]) {
      const res = await stage.request(method!, url!);
      assert.match(res.headers['x-trans-id']!, /^tx[0-9a-f]{21}-[0-9a-f]{10}$/, `${method} ${url}`);
    }
    assert.equal((await stage.request('GET', '/swift/elsewhere')).body, '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>');
  });

  it('answers the health check under /swift and at the listener root, with Swift\'s headers', async () => {
    for (const [method, url] of [['GET', '/swift/healthcheck'], ['POST', '/swift/healthcheck'], ['GET', '/healthcheck']]) {
      const res = await stage.request(method!, url!, { token: null });
      assert.equal(res.status, 200, `${method} ${url}`);
      assert.equal(res.body, 'OK');
      assert.equal(res.headers['content-type'], 'text/plain');
      assert.equal(res.headers['content-length'], '2');
      assert.match(res.headers['x-trans-id']!, /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    }
    // A request signed for S3 is ListObjects of a bucket named so.
    const s3 = await stage.request('GET', '/healthcheck', { token: null, headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=x' } });
    assert.notEqual(s3.body, 'OK');
    assert.equal(s3.headers['x-trans-id'], undefined);
  });

  it('answers OPTIONS with what each level allows, and refuses CORS preflights', async () => {
    const account = await stage.request('OPTIONS', ALICE, { token: null });
    assert.equal(account.status, 200);
    assert.equal(account.headers.allow, 'GET, HEAD, PUT, POST, DELETE, OPTIONS');
    assert.equal((await stage.request('OPTIONS', `${ALICE}/c/o`, { token: null })).headers.allow, 'GET, HEAD, PUT, POST, DELETE, COPY, OPTIONS');
    assert.equal((await stage.request('OPTIONS', `${ALICE}/c/o`, { token: null, headers: { Origin: 'https://example.com' } })).status, 401);
  });

  it('answers a path that does not decode with 412 when the listener hands it over', async () => {
    const app: FastifyInstance = Fastify({ frameworkErrors: swiftFrameworkError });
    app.addHttpMethod('COPY', { hasBody: true });
    await app.register(swiftPlugin, { prefix: '/swift', objects: stage.store, identity: {} as Identity });
    const res = await app.inject({ method: 'GET', url: `${ALICE}/c/%FF%FE` });
    assert.equal(res.statusCode, 412);
    assert.equal(res.body, 'Invalid UTF8 or contains NULL');
    assert.ok(res.headers['x-trans-id']);
    await app.close();
  });
});
