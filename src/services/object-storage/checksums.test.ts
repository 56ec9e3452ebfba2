import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { checksumOf, compositeChecksum, crc32c, createDigest } from './checksums.ts';

const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

test('check values: "123456789" has CRC-32C e3069283 and CRC-32 cbf43926, as big-endian base64', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(checksumOf('CRC32C', Buffer.from('123456789')), '4waSgw==');
  assert.equal(checksumOf('CRC32', Buffer.from('123456789')), 'y/Q5Jg==');
});

test('CRC-32C matches the iSCSI test vectors of RFC 3720', () => {
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('SHA-1, SHA-256 and MD5 digests are base64', () => {
  assert.equal(hex(checksumOf('SHA1', Buffer.from('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(hex(checksumOf('SHA256', Buffer.from('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(checksumOf('MD5', Buffer.alloc(0)), '1B2M2Y8AsgTpgAmY7PhCfg==');
});

test('a digest fed in arbitrary pieces equals the digest of the whole', () => {
  const data = randomBytes(100_003);
  for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'MD5'] as const) {
    const digest = createDigest(algorithm);
    for (let at = 0; at < data.length;) {
      const size = Math.min(1 + Math.floor(Math.random() * 3000), data.length - at);
      digest.update(data.subarray(at, at + size));
      at += size;
    }
    assert.equal(digest.digest(), checksumOf(algorithm, data), algorithm);
  }
});

test('a composite checksum is the checksum of the parts\' binary checksums, suffixed with the part count', () => {
  const parts = [Buffer.from('hello'), Buffer.from('world')];
  const partCrcs = parts.map((part) => checksumOf('CRC32', part));
  const concatenated = Buffer.concat(partCrcs.map((crc) => Buffer.from(crc, 'base64')));
  const expected = Buffer.alloc(4);
  expected.writeUInt32BE(crc32(concatenated));
  assert.equal(compositeChecksum('CRC32', partCrcs), `${expected.toString('base64')}-2`);
  assert.notEqual(compositeChecksum('CRC32', partCrcs), `${checksumOf('CRC32', Buffer.from('helloworld'))}-2`);
});
