import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwiftError } from './errors.ts';
import { accountProject, containerAndObject, parsePath } from './path.ts';

const status = (s: number, body?: string) => (err: unknown) => err instanceof SwiftError && err.status === s && (body === undefined || err.body === body);

describe('Swift paths', () => {
  it('splits account, container and object, the object keeping every slash', () => {
    assert.deepEqual(parsePath('/v1/AUTH_p'), { version: 'v1', account: 'AUTH_p', container: undefined, object: undefined });
    assert.deepEqual(parsePath('/v1/AUTH_p/'), { version: 'v1', account: 'AUTH_p', container: undefined, object: undefined });
    assert.deepEqual(parsePath('/v1/AUTH_p/c/'), { version: 'v1', account: 'AUTH_p', container: 'c', object: undefined });
    assert.deepEqual(parsePath('/v1.0/AUTH_p/c/a//b/'), { version: 'v1.0', account: 'AUTH_p', container: 'c', object: 'a//b/' });
  });

  it('unquotes the whole path before splitting it, as Swift does', () => {
    assert.deepEqual(parsePath('/v1/AUTH_p/c%2Fx/%C3%BC%20y'), { version: 'v1', account: 'AUTH_p', container: 'c', object: 'x/ü y' });
  });

  it('answers 412 for bad encodings and NUL, 404 for what is no Swift path', () => {
    assert.throws(() => parsePath('/v1/AUTH_p/c/%FF'), status(412, 'Invalid UTF8 or contains NULL'));
    assert.throws(() => parsePath('/v1/AUTH_p/c/a%00'), status(412));
    assert.throws(() => parsePath('/v2/AUTH_p'), status(404));
    assert.throws(() => parsePath('/v1/AUTH_p//o'), status(404));
    assert.throws(() => parsePath('/v1'), status(404));
  });

  it('takes the project from keystoneauth\'s AUTH_ prefix only', () => {
    assert.equal(accountProject('AUTH_0123abc'), '0123abc');
    assert.equal(accountProject('AUTH_'), undefined);
    assert.equal(accountProject('acct'), undefined);
  });

  it('reads X-Copy-From and Destination with or without a leading slash', () => {
    assert.deepEqual(containerAndObject('/c/a%20b/c', 'X-Copy-From'), { container: 'c', object: 'a b/c' });
    assert.deepEqual(containerAndObject('c/o', 'Destination'), { container: 'c', object: 'o' });
    assert.throws(() => containerAndObject('c', 'Destination'), status(412, 'Destination header must be of the form <container name>/<object name>'));
    assert.throws(() => containerAndObject('/c/', 'X-Copy-From'), status(412));
  });
});
