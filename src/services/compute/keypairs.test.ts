import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { computeDeps, fails } from './test-kit.ts';
import { Keypairs, sshFingerprint } from './keypairs.ts';
import { Quotas } from './quotas.ts';

// Keys are checked with the tools that will use them: ssh-keygen and openssl.
let db: Db;
let keypairs: Keypairs;
let quotas: Quotas;
let dir: string;
const alice = projectContext('p-1', ['member', 'reader'], 'alice');
const bob = projectContext('p-1', ['member', 'reader'], 'bob');
const admin = projectContext('p-admin', ['admin', 'member', 'reader'], 'root');


function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const sshKeygen = (...args: string[]) => execFileSync('ssh-keygen', args, { encoding: 'utf8' }).trim();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keypairs-test-'));
  const d = await computeDeps();
  db = d.db;
  quotas = new Quotas(d);
  keypairs = new Keypairs(d, quotas);
});
after(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('a generated keypair is RSA 2048; ssh-keygen reads the private key, derives the public key and the same MD5 fingerprint', async () => {
  const k = await keypairs.create(alice, { name: 'gen' });
  assert.equal(k.type, 'ssh');
  assert.equal(k.user_id, 'alice');
  assert.match(k.public_key, /^ssh-rsa AAAA[A-Za-z0-9+/]+=* Generated-by-Nova$/);
  assert.match(k.private_key!, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  const derived = sshKeygen('-y', '-f', file('gen', k.private_key!));
  assert.equal(derived, k.public_key.replace(/ Generated-by-Nova$/, ''));
  const listed = sshKeygen('-l', '-E', 'md5', '-f', file('gen.pub', `${k.public_key}\n`));
  assert.match(listed, /^2048 MD5:/);
  assert.equal(listed.split(' ')[1], `MD5:${k.fingerprint}`);
  const shown = await keypairs.show(alice, 'gen');
  assert.equal(Object.hasOwn(shown, 'private_key'), false, 'the private key is returned once, never stored');
  assert.equal(shown.fingerprint, k.fingerprint);
  assert.match(shown.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
});

test('imported ed25519, ECDSA and RSA keys get ssh-keygen\'s MD5 fingerprints', async () => {
  for (const [type, bits] of [['ed25519', ''], ['ecdsa', '384'], ['rsa', '3072']] as const) {
    const path = join(dir, `import-${type}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-C', 'me@host', '-f', path]);
    const pub = readFileSync(`${path}.pub`, 'utf8');
    const k = await keypairs.create(alice, { name: `imp-${type}`, public_key: pub });
    assert.equal(k.public_key, pub, 'stored as given');
    assert.equal(Object.hasOwn(k, 'private_key'), false);
    assert.equal(`MD5:${k.fingerprint}`, sshKeygen('-l', '-E', 'md5', '-f', `${path}.pub`).split(' ')[1], type);
  }
});

test('garbage public keys, unsafe names and duplicates are refused as Nova refuses them', async () => {
  const bad = /^Keypair data is invalid: failed to generate fingerprint$/;
  await assert.rejects(keypairs.create(alice, { name: 'bad', public_key: 'ssh-rsa not-base64!' }), fails(400, bad));
  await assert.rejects(keypairs.create(alice, { name: 'bad', public_key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQ' }), fails(400, bad));
  await assert.rejects(keypairs.create(alice, { name: 'bad', public_key: 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==' }), fails(400, bad));
  assert.throws(() => sshFingerprint(''), fails(400, bad));
  await assert.rejects(keypairs.create(alice, { name: 'semi;colon' }), fails(400, /^Keypair data is invalid: Keypair name contains unsafe characters$/));
  await assert.rejects(keypairs.create(alice, { name: '   ' }), fails(400, /between 1 and 255 characters/));
  await assert.rejects(keypairs.create(alice, { name: 'gen' }), fails(409, /^Key pair 'gen' already exists\.$/));
  assert.equal((await keypairs.create(bob, { name: 'gen', public_key: (await keypairs.show(alice, 'gen')).public_key })).name, 'gen', 'names are per user');
});

test('x509 keypairs: openssl makes a self-signed client certificate; the fingerprint is its SHA-1, the private key PKCS#12', async () => {
  const k = await keypairs.create(alice, { name: 'cert', type: 'x509' });
  assert.equal(k.type, 'x509');
  assert.match(k.public_key, /^-----BEGIN CERTIFICATE-----\n/);
  const cert = file('cert.pem', k.public_key);
  const sha1 = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' }).trim().split('=')[1]!;
  assert.equal(k.fingerprint, sha1.toLowerCase());
  assert.match(execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject'], { encoding: 'utf8' }), /CN ?= ?alice/);
  const p12 = join(dir, 'cert.p12');
  writeFileSync(p12, Buffer.from(k.private_key!, 'base64'));
  assert.match(execFileSync('openssl', ['pkcs12', '-in', p12, '-nodes', '-passin', 'pass:'], { encoding: 'utf8' }), /BEGIN PRIVATE KEY/);
  const imported = await keypairs.create(bob, { name: 'cert', type: 'x509', public_key: k.public_key });
  assert.equal(imported.fingerprint, k.fingerprint);
  await assert.rejects(keypairs.create(bob, { name: 'c2', type: 'x509', public_key: 'nope' }), fails(400, /^Keypair data is invalid: failed to generate X509 fingerprint/));
});

test('list pages in creation order behind a name marker; users see only their own unless admin', async () => {
  const all = await keypairs.list(alice, {});
  assert.deepEqual(all.items.map((k) => k.name), ['gen', 'imp-ed25519', 'imp-ecdsa', 'imp-rsa', 'cert']);
  const first = await keypairs.list(alice, { limit: 2 });
  assert.deepEqual(first.items.map((k) => k.name), ['gen', 'imp-ed25519']);
  assert.equal(first.nextMarker, 'imp-ed25519');
  assert.deepEqual((await keypairs.list(alice, { marker: 'imp-ed25519' })).items.map((k) => k.name), ['imp-ecdsa', 'imp-rsa', 'cert']);
  await assert.rejects(keypairs.list(alice, { marker: 'zzz' }), fails(400, /^Marker zzz could not be found\.$/));
  await assert.rejects(keypairs.list(bob, { userId: 'alice' }), fails(403));
  await assert.rejects(keypairs.show(bob, 'imp-rsa'), fails(404, /^Keypair imp-rsa not found for user bob$/));
  assert.equal((await keypairs.list(admin, { userId: 'alice' })).items.length, 5);
  assert.equal((await keypairs.show(admin, 'gen', 'alice')).user_id, 'alice');
  const forAlice = await keypairs.create(admin, { name: 'from-admin', user_id: 'alice' });
  assert.equal(forAlice.user_id, 'alice');
  assert.equal((await keypairs.get('alice', 'from-admin'))?.fingerprint, forAlice.fingerprint);
  assert.equal(await keypairs.get('alice', 'missing'), undefined);
  await keypairs.delete(alice, 'from-admin');
  await assert.rejects(keypairs.delete(alice, 'from-admin'), fails(404));
});

test('the key_pairs quota counts each user\'s keypairs against the project\'s limit', async () => {
  const carol = projectContext('p-quota', ['member', 'reader'], 'carol');
  await quotas.update(admin, 'p-quota', { key_pairs: 1 }, false);
  const pub = (await keypairs.show(alice, 'imp-ed25519')).public_key;
  await keypairs.create(carol, { name: 'one', public_key: pub });
  await assert.rejects(keypairs.create(carol, { name: 'two', public_key: pub }), fails(403, /^Quota exceeded, too many key pairs\.$/));
  await keypairs.delete(carol, 'one');
  await keypairs.create(carol, { name: 'two', public_key: pub });
});
