import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CorsRule } from '../../services/object-storage/types.ts';
import { matchRule, preflight } from './cors.ts';
import { S3Error } from './s3-error.ts';

const rules: CorsRule[] = [
  { allowedOrigins: ['https://*.example.org'], allowedMethods: ['PUT'], allowedHeaders: ['x-amz-*', 'content-type'], exposeHeaders: ['ETag'], maxAgeSeconds: 600 },
  { allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: [], exposeHeaders: [] },
];

const s3Error = (code: string, status: number) => (e: unknown) => e instanceof S3Error && e.code === code && e.status === status;

describe('CORS', () => {
  it('matches the first rule allowing origin, method and every requested header', () => {
    assert.equal(matchRule(rules, 'https://app.example.org', 'PUT', ['x-amz-meta-a', 'content-type']), rules[0]);
    assert.equal(matchRule(rules, 'https://app.example.org', 'PUT', ['authorization']), undefined);
    assert.equal(matchRule(rules, 'http://app.example.org', 'PUT', []), undefined);
    assert.equal(matchRule(rules, 'https://elsewhere', 'GET', []), rules[1]);
    assert.equal(matchRule(rules, 'https://elsewhere', 'DELETE', []), undefined);
  });

  it('a preflight echoes a specific origin with credentials, and `*` without', () => {
    assert.deepEqual(preflight(rules, 'https://app.example.org', 'PUT', 'Content-Type, X-Amz-Date', 'OBJECT'), {
      'access-control-allow-origin': 'https://app.example.org',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'PUT',
      'access-control-allow-headers': 'content-type, x-amz-date',
      'access-control-expose-headers': 'ETag',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
    const open = preflight(rules, 'https://elsewhere', 'GET', undefined, 'BUCKET');
    assert.equal(open['access-control-allow-origin'], '*');
    assert.equal(open['access-control-allow-credentials'], undefined);
  });

  it('refuses as S3 does: no origin or method 400, no configuration or no matching rule 403', () => {
    assert.throws(() => preflight(rules, undefined, 'GET', undefined, 'BUCKET'), s3Error('BadRequest', 400));
    assert.throws(() => preflight(rules, 'https://a', 'PATCH', undefined, 'BUCKET'), s3Error('BadRequest', 400));
    assert.throws(() => preflight(undefined, 'https://a', 'GET', undefined, 'BUCKET'), (e: unknown) =>
      e instanceof S3Error && e.status === 403 && e.message === 'CORSResponse: CORS is not enabled for this bucket.');
    assert.throws(() => preflight(rules, 'https://a', 'DELETE', undefined, 'OBJECT'), (e: unknown) =>
      e instanceof S3Error && e.status === 403 && e.message.startsWith('CORSResponse: This CORS request is not allowed.') &&
      e.extra.Method === 'DELETE' && e.extra.ResourceType === 'OBJECT');
  });
});
