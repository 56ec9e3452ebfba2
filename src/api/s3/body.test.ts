import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ObjectError } from '../../services/object-storage/errors.ts';
import type { Digests } from '../../services/object-storage/types.ts';
import { readSmallBody } from './body.ts';
import { S3Error } from './s3-error.ts';

const body = (text: string) => Readable.from([Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))]);
const md5 = (text: string) => createHash('md5').update(text).digest('base64');
const kind = (k: string) => (e: unknown) => e instanceof ObjectError && e.kind === k;
const code = (c: string) => (e: unknown) => e instanceof S3Error && e.code === c;

describe('readSmallBody', () => {
  it('reads the body whole and hands the verifier its digests', async () => {
    let seen: Digests | undefined;
    const data = await readSmallBody(body('<Tagging/>'), { size: 10, hashes: ['SHA256'], verify: (d) => void (seen = d) });
    assert.equal(data.toString(), '<Tagging/>');
    assert.equal(seen?.size, 10);
    assert.equal(seen?.md5Hex, createHash('md5').update('<Tagging/>').digest('hex'));
    assert.equal(seen?.checksums.SHA256, createHash('sha256').update('<Tagging/>').digest('base64'));
  });

  it('refuses more than the limit, less than declared, and whatever the verifier rejects', async () => {
    await assert.rejects(readSmallBody(body('0123456789'), {}, 9), code('MaxMessageLengthExceeded'));
    await assert.rejects(readSmallBody(body('0123'), { size: 5 }), kind('IncompleteBody'));
    await assert.rejects(readSmallBody(body('abc'), { verify: () => { throw new S3Error('XAmzContentSHA256Mismatch', 'm', 400); } }), code('XAmzContentSHA256Mismatch'));
  });

  it('checks Content-MD5 and a checksum, including one that arrives in a trailer', async () => {
    assert.equal((await readSmallBody(body('hello'), { contentMd5: md5('hello') })).toString(), 'hello');
    await assert.rejects(readSmallBody(body('hello'), { contentMd5: md5('hellO') }), kind('BadDigest'));
    await assert.rejects(readSmallBody(body('hello'), { contentMd5: 'not-md5' }), code('InvalidDigest'));
    const sha1 = createHash('sha1').update('hello').digest('base64');
    assert.equal((await readSmallBody(body('hello'), { checksum: { algorithm: 'SHA1', expected: () => sha1 } })).length, 5);
    await assert.rejects(readSmallBody(body('hellO'), { checksum: { algorithm: 'SHA1', expected: sha1 } }), (e: unknown) =>
      e instanceof ObjectError && e.kind === 'BadDigest' && e.message === 'The SHA1 you specified did not match the calculated checksum.');
  });
});
