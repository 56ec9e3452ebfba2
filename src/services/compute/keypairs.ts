import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPair, X509Certificate, type JsonWebKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Selectable } from 'kysely';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest } from '../../platform/errors.ts';
import { isoNaive } from '../../platform/time.ts';
import { callerProject, conflict, enforce, notFound, type ComputeDeps } from './deps.ts';
import { MAX_LIMIT } from './flavors.ts';
import type { Quotas } from './quotas.ts';
import type { KeypairTable } from './tables.ts';

export type KeypairType = 'ssh' | 'x509';

export interface Keypair {
  /** Nova's database id, shown by `GET /os-keypairs/{name}`. */
  id: number;
  name: string;
  user_id: string;
  type: KeypairType;
  public_key: string;
  fingerprint: string;
  created_at: string;
}

export interface KeypairCreate {
  name: string;
  /** Imported as given; absent means generate one and return its private key once. */
  public_key?: string;
  type?: KeypairType;
  /** 2.10: admins create keypairs for other users. */
  user_id?: string;
}

/** Nova's `InvalidKeypair`: 400 `Keypair data is invalid: <reason>`. */
const invalidKeypair = (reason: string, cause?: unknown) => new BadRequest(`Keypair data is invalid: ${reason}`, { cause });

const execFileAsync = promisify(execFile);
const generateKeyPairAsync = promisify(generateKeyPair);

/** `aa:bb:...`: hex digest with colons, as Nova prints fingerprints. */
const colons = (hex: string) => hex.toLowerCase().match(/../g)!.join(':');

/** An SSH wire-format `string`: 32-bit big-endian length, then the bytes. */
function sshString(b: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(b.length);
  return Buffer.concat([length, b]);
}

/** A big-endian unsigned number without redundant leading zero bytes. */
function unsigned(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** An SSH `mpint` of an unsigned number: a zero byte first when the top bit is set. */
function mpint(b: Buffer): Buffer {
  const v = unsigned(b);
  return sshString(v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

const EC_SIZES: Record<string, [string, number]> = { nistp256: ['P-256', 32], nistp384: ['P-384', 48], nistp521: ['P-521', 66] };

/**
 * The key blob of an OpenSSH public key line (`<type> <base64> [comment]`), checked field by
 * field and loaded as a key the way Nova's `load_ssh_public_key` does, so garbage is refused.
 */
function sshKeyBlob(line: string): Buffer {
  const [type, data] = line.trim().split(/\s+/);
  if (!type || !data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalidKeypair('failed to generate fingerprint');
  const blob = Buffer.from(data, 'base64');
  const fields: Buffer[] = [];
  for (let off = 0; off < blob.length;) {
    const n = off + 4 <= blob.length ? blob.readUInt32BE(off) : -1;
    if (n < 0 || off + 4 + n > blob.length) throw invalidKeypair('failed to generate fingerprint');
    fields.push(blob.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  const b64 = (b: Buffer) => b.toString('base64url');
  const f = (i: number) => fields[i] ?? Buffer.alloc(0);
  const curve = EC_SIZES[type.replace(/^ecdsa-sha2-/, '')];
  const point = f(2);
  const typed = f(0).toString() === type;
  let jwk: JsonWebKey | undefined;
  if (typed && type === 'ssh-rsa' && fields.length === 3) jwk = { kty: 'RSA', e: b64(unsigned(f(1))), n: b64(unsigned(f(2))) };
  if (typed && type === 'ssh-ed25519' && fields.length === 2 && f(1).length === 32) jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(f(1)) };
  if (typed && curve && fields.length === 3 && `ecdsa-sha2-${f(1).toString()}` === type && point.length === 1 + 2 * curve[1] && point[0] === 4) {
    jwk = { kty: 'EC', crv: curve[0], x: b64(point.subarray(1, 1 + curve[1])), y: b64(point.subarray(1 + curve[1])) };
  }
  try {
    if (!jwk) throw new Error('unsupported or malformed key');
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw invalidKeypair('failed to generate fingerprint', cause);
  }
  return blob;
}

/** Nova's SSH fingerprint: MD5 of the key blob (`ssh-keygen -l -E md5`). */
export function sshFingerprint(publicKey: string): string {
  return colons(createHash('md5').update(sshKeyBlob(publicKey)).digest('hex'));
}

/** Nova's X.509 fingerprint: SHA-1 of the DER certificate, lower-case with colons. */
function x509Fingerprint(pem: string): string {
  try {
    return colons(new X509Certificate(pem).fingerprint.replaceAll(':', ''));
  } catch (cause) {
    throw invalidKeypair(`failed to generate X509 fingerprint. Error message: ${(cause as Error).message}`, cause);
  }
}

/** As Nova generates one: RSA 2048, the private key as PKCS#1 PEM (OpenSSH reads it), the public key in OpenSSH form. */
async function generateSshKeypair(): Promise<{ privateKey: string; publicKey: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))]);
  return { privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova` };
}

/**
 * As Nova's `generate_winrm_x509_cert`: a self-signed client certificate for `CN=<user>` with the
 * user's UPN, and the private key with it as base64 PKCS#12 (empty password), made by openssl.
 */
async function generateX509Keypair(userId: string): Promise<{ privateKey: string; publicKey: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sovcloud-x509-'));
  try {
    const conf = join(dir, 'req.conf');
    await writeFile(conf, [
      '[ req ]', 'distinguished_name = req_distinguished_name', '[ req_distinguished_name ]', '[ v3_req_client ]',
      'extendedKeyUsage = clientAuth', `subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${userId}@localhost`, '',
    ].join('\n'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const p12 = join(dir, 'key.p12');
    const subject = `/CN=${userId.replace(/[\\/=+,]/g, '\\$&')}`;
    await execFileAsync('openssl', ['req', '-x509', '-nodes', '-days', '3650', '-config', conf, '-newkey', 'rsa:2048', '-outform', 'PEM',
      '-keyout', key, '-out', cert, '-subj', subject, '-extensions', 'v3_req_client']);
    await execFileAsync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-password', 'pass:', '-out', p12]);
    return { privateKey: (await readFile(p12)).toString('base64'), publicKey: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function toKeypair(r: Selectable<KeypairTable>): Keypair {
  return { id: r.id, name: r.name, user_id: r.user_id, type: r.type as KeypairType, public_key: r.public_key, fingerprint: r.fingerprint, created_at: r.created_at };
}

/** Keypairs belong to users, not projects; the `key_pairs` quota of the caller's project counts the user's. */
export class Keypairs {
  constructor(private readonly d: ComputeDeps, private readonly quotas: Quotas) {}

  /** For booting with `key_name`: the user's keypair, or undefined. */
  async get(userId: string, name: string): Promise<Keypair | undefined> {
    const row = await this.d.db.selectFrom('keypairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    return row ? toKeypair(row) : undefined;
  }

  /** A user's keypairs in creation order, paged behind the `marker` name. */
  async list(ctx: AuthContext, q: { userId?: string; limit?: number; marker?: string }): Promise<{ items: Keypair[]; nextMarker?: string }> {
    const userId = q.userId ?? ctx.user.id;
    enforce(this.d, ctx, 'os_compute_api:os-keypairs:index', { user_id: userId, project_id: callerProject(ctx) });
    let query = this.d.db.selectFrom('keypairs').selectAll().where('user_id', '=', userId).orderBy('id');
    if (q.marker !== undefined) {
      const marker = await this.get(userId, q.marker);
      if (!marker) throw new BadRequest(`Marker ${q.marker} could not be found.`);
      query = query.where('id', '>', marker.id);
    }
    const limit = Math.min(q.limit ?? MAX_LIMIT, MAX_LIMIT);
    const items = (await query.limit(limit).execute()).map(toKeypair);
    return items.length > 0 && items.length === limit ? { items, nextMarker: items.at(-1)!.name } : { items };
  }

  async show(ctx: AuthContext, name: string, userId = ctx.user.id): Promise<Keypair> {
    enforce(this.d, ctx, 'os_compute_api:os-keypairs:show', { user_id: userId, project_id: callerProject(ctx) });
    const k = await this.get(userId, name);
    if (!k) throw notFound(`Keypair ${name} not found for user ${userId}`);
    return k;
  }

  async create(ctx: AuthContext, input: KeypairCreate): Promise<Keypair & { private_key?: string }> {
    const userId = input.user_id ?? ctx.user.id;
    const projectId = callerProject(ctx);
    enforce(this.d, ctx, 'os_compute_api:os-keypairs:create', { user_id: userId, project_id: projectId });
    const name = input.name.trim();
    const type = input.type ?? 'ssh';
    if (!/^[A-Za-z0-9_\- ]*$/.test(name)) throw invalidKeypair('Keypair name contains unsafe characters');
    if (name.length < 1 || name.length > 255) throw invalidKeypair('Keypair name must be string and between 1 and 255 characters long');
    // Checked before the costly key generation and again in the inserting transaction, as Nova rechecks.
    await this.quotas.checkKeypair(this.d.db, projectId, userId);

    let privateKey: string | undefined;
    let publicKey = input.public_key;
    if (publicKey === undefined) {
      ({ privateKey, publicKey } = type === 'x509' ? await generateX509Keypair(userId) : await generateSshKeypair());
    }
    const fingerprint = type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
    const row = await this.d.db.transaction().execute(async (tx) => {
      await this.quotas.checkKeypair(tx, projectId, userId);
      if (await tx.selectFrom('keypairs').select('id').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst()) {
        throw conflict(`Key pair '${name}' already exists.`);
      }
      return tx.insertInto('keypairs').values({ user_id: userId, name, type, public_key: publicKey, fingerprint, created_at: isoNaive(new Date()) })
        .returningAll().executeTakeFirstOrThrow();
    });
    return { ...toKeypair(row), ...(privateKey === undefined ? {} : { private_key: privateKey }) };
  }

  async delete(ctx: AuthContext, name: string, userId = ctx.user.id): Promise<void> {
    enforce(this.d, ctx, 'os_compute_api:os-keypairs:delete', { user_id: userId, project_id: callerProject(ctx) });
    const res = await this.d.db.deleteFrom('keypairs').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`Keypair ${name} not found for user ${userId}`);
  }
}
