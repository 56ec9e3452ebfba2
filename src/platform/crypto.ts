import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with one key: authenticated encryption for tokens and for secrets at rest.
 * Output layout: iv | ciphertext | tag.
 */
export class SealingKey {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a sealing key is 32 bytes');
  }

  seal(plain: Buffer, aad?: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    if (aad) cipher.setAAD(aad);
    return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  /** Returns undefined for anything not sealed by this key (forged, truncated, other key). */
  open(sealed: Buffer, aad?: Buffer): Buffer | undefined {
    if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

/**
 * Master keys live in `<stateDir>/keys/`, a 0700 directory apart from the database, so a copy of
 * the database alone reveals no secret. A missing key is created once, atomically.
 */
export function loadKey(stateDir: string, name: string): SealingKey {
  const dir = join(stateDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.key`);
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32).toString('base64'));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return new SealingKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}
