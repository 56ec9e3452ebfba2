import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwiftError } from './errors.ts';
import { checkMetadata, metaHeaders, requestMeta, takeSetting } from './metadata.ts';

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('Swift metadata', () => {
  it('reads X-<Target>-Meta-* as UTF-8, and removals as empty values for accounts and containers', () => {
    const headers = { 'x-container-meta-color': ' blue ', 'x-container-meta-name': latin1('Grüße'), 'x-remove-container-meta-old': 'x', 'x-object-meta-other': 'no' };
    assert.deepEqual(requestMeta(headers, 'container'), { color: 'blue', name: 'Grüße', old: '' });
  });

  it('keeps empty values and ignores removal headers for objects, whose metadata is replaced whole', () => {
    assert.deepEqual(requestMeta({ 'x-object-meta-a': '1', 'x-object-meta-b': '', 'x-remove-object-meta-c': 'x' }, 'object'), { a: '1', b: '' });
  });

  it('reads underscores in header names as hyphens, as WSGI hands them to Swift', () => {
    assert.deepEqual(requestMeta({ 'x-container-meta-test_container_meta': 'v', 'x_remove_container_meta_old': 'x' }, 'container'), { 'test-container-meta': 'v', old: '' });
    assert.deepEqual(requestMeta({ 'x_object_meta_review_state': 'ok' }, 'object'), { 'review-state': 'ok' });
  });

  it('enforces Swift\'s constraints with its messages', () => {
    const bad = (meta: Record<string, string>, body: string) => assert.throws(() => checkMetadata(meta, 'object'), (e: unknown) => e instanceof SwiftError && e.status === 400 && e.body === body);
    bad({ ['n'.repeat(129)]: 'v' }, `Metadata name too long: X-Object-Meta-N${'n'.repeat(128)}`);
    bad({ big: 'ü'.repeat(129) }, 'Metadata value longer than 256: X-Object-Meta-Big');
    bad(Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`k${i}`, 'v'])), 'Too many metadata items; max 90');
    bad(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(250)])), 'Total metadata too large; max 4096');
    checkMetadata({ ['n'.repeat(128)]: 'v'.repeat(256) }, 'object');
  });

  it('sends names title-cased as Swift does and values as their UTF-8 bytes', () => {
    assert.deepEqual(metaHeaders({ 'foo_bar': 'x', 'temp-url-key': 'ü' }, 'account'), { 'X-Account-Meta-Foo_Bar': 'x', 'X-Account-Meta-Temp-Url-Key': latin1('ü') });
  });

  it('takes settings out of the metadata', () => {
    const meta = { 'quota-bytes': '10', color: 'red' };
    assert.equal(takeSetting(meta, 'quota-bytes'), '10');
    assert.equal(takeSetting(meta, 'quota-count'), undefined);
    assert.deepEqual(meta, { color: 'red' });
  });
});
