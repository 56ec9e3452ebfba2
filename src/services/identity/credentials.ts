import { createHash } from 'node:crypto';
import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, Conflict, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { CredentialTable } from './tables.ts';
import { enforce, type IdentityDeps } from './deps.ts';
import { randomSecret } from './passwords.ts';
import type { Projects } from './projects.ts';
import type { Users } from './users.ts';

export interface Credential {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  blob: string;
  [extra: string]: unknown;
}

export interface Ec2Credential {
  access: string;
  secret: string;
  user_id: string;
  tenant_id: string | null;
  trust_id: null;
}

const AAD = Buffer.from('sovcloud-credential');

/** Keystone derives an ec2 credential's id from its access key, so both APIs find the same row. */
function ec2Id(access: string): string {
  return createHash('sha256').update(access).digest('hex');
}

export class Credentials {
  constructor(private readonly d: IdentityDeps, private readonly users: Users, private readonly projects: Projects) {}

  private seal(blob: string): string {
    return this.d.credentialKey.seal(Buffer.from(blob), AAD).toString('base64');
  }

  private open(row: CredentialTable): string {
    const plain = this.d.credentialKey.open(Buffer.from(row.encrypted_blob, 'base64'), AAD);
    if (!plain) throw new Error(`credential ${row.id} cannot be decrypted with the current credential key`);
    return plain.toString();
  }

  private toCredential(row: CredentialTable): Credential {
    return { ...(JSON.parse(row.extra) as object), id: row.id, user_id: row.user_id, project_id: row.project_id, type: row.type, blob: this.open(row) };
  }

  private toEc2(row: CredentialTable): Ec2Credential {
    const blob = JSON.parse(this.open(row)) as { access: string; secret: string };
    return { access: blob.access, secret: blob.secret, user_id: row.user_id, tenant_id: row.project_id, trust_id: null };
  }

  private async requireRow(id: string): Promise<CredentialTable> {
    const row = await this.d.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('credential', id);
    return row;
  }

  // generic /v3/credentials
  async list(ctx: AuthContext, f: { user_id?: string; type?: string }): Promise<Credential[]> {
    // Whoever may list every credential gets them all; anyone else sees only their own.
    const all = this.d.policy.check('identity:list_credentials', ctx.credentials, {});
    if (!all && f.user_id !== undefined && f.user_id !== ctx.user.id) return [];
    const userId = all ? f.user_id : ctx.user.id;
    let q = this.d.db.selectFrom('credentials').selectAll().orderBy('id');
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    return (await q.execute()).map((r) => this.toCredential(r));
  }

  async get(ctx: AuthContext, id: string): Promise<Credential> {
    const row = await this.requireRow(id);
    enforce(this.d, ctx, 'get_credential', { target: { credential: { user_id: row.user_id } } });
    return this.toCredential(row);
  }

  async create(ctx: AuthContext, input: { user_id: string; type: string; blob: string; project_id?: string | null; [k: string]: unknown }): Promise<Credential> {
    enforce(this.d, ctx, 'create_credential', { target: { credential: { user_id: input.user_id } } });
    await this.users.require(input.user_id);
    let id = hexId();
    let accessKey: string | null = null;
    if (input.type === 'ec2') {
      const blob = parseEc2Blob(input.blob);
      if (!input.project_id) throw new BadRequest('Invalid input for field project_id: an ec2 credential needs a project_id.');
      accessKey = blob.access;
      id = ec2Id(blob.access);
    }
    if (input.project_id) await this.projects.require(input.project_id);
    const { user_id, type, blob, project_id, id: _ignored, ...extra } = input;
    void _ignored;
    const row: CredentialTable = { id, user_id, project_id: project_id ?? null, type, encrypted_blob: this.seal(blob), access_key: accessKey, extra: JSON.stringify(extra) };
    await this.insert(row);
    return this.toCredential(row);
  }

  async update(ctx: AuthContext, id: string, patch: { type?: string; blob?: string; project_id?: string | null; user_id?: string }): Promise<Credential> {
    const row = await this.requireRow(id);
    enforce(this.d, ctx, 'update_credential', { target: { credential: { user_id: row.user_id } } });
    if (patch.user_id !== undefined && patch.user_id !== row.user_id) throw new BadRequest('Update of `user_id` is not allowed.');
    const type = patch.type ?? row.type;
    const blob = patch.blob ?? this.open(row);
    if (type === 'ec2' && ec2Id(parseEc2Blob(blob).access) !== row.id) throw new BadRequest('An ec2 credential id must stay the sha256 of its access key.');
    const next: CredentialTable = {
      ...row, type, encrypted_blob: this.seal(blob), access_key: type === 'ec2' ? parseEc2Blob(blob).access : null,
      project_id: patch.project_id === undefined ? row.project_id : patch.project_id,
    };
    await this.d.db.updateTable('credentials').set(next).where('id', '=', id).execute();
    return this.toCredential(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.requireRow(id);
    enforce(this.d, ctx, 'delete_credential', { target: { credential: { user_id: row.user_id } } });
    await this.d.db.deleteFrom('credentials').where('id', '=', id).execute();
  }

  // /v3/users/{user_id}/credentials/OS-EC2
  async createEc2(ctx: AuthContext, userId: string, projectId: string): Promise<Ec2Credential> {
    await this.users.require(userId);
    enforce(this.d, ctx, 'ec2_create_credential', { user_id: userId, target: { user: { id: userId } } });
    await this.projects.require(projectId);
    const access = randomSecret(16).replace(/[-_]/g, '').slice(0, 20).toUpperCase().padEnd(20, 'X');
    const secret = randomSecret(30);
    const blob = JSON.stringify({ access, secret, trust_id: null });
    const row: CredentialTable = { id: ec2Id(access), user_id: userId, project_id: projectId, type: 'ec2', encrypted_blob: this.seal(blob), access_key: access, extra: '{}' };
    await this.insert(row);
    return this.toEc2(row);
  }

  async listEc2(ctx: AuthContext, userId: string): Promise<Ec2Credential[]> {
    await this.users.require(userId);
    enforce(this.d, ctx, 'ec2_list_credentials', { user_id: userId, target: { user: { id: userId } } });
    const rows = await this.d.db.selectFrom('credentials').selectAll().where('user_id', '=', userId).where('type', '=', 'ec2').execute();
    return rows.map((r) => this.toEc2(r));
  }

  async getEc2(ctx: AuthContext, userId: string, access: string): Promise<Ec2Credential> {
    const row = await this.d.db.selectFrom('credentials').selectAll().where('access_key', '=', access).executeTakeFirst();
    if (!row || row.user_id !== userId) throw notFound('credential', access);
    enforce(this.d, ctx, 'ec2_get_credential', { user_id: userId, target: { credential: { user_id: row.user_id } } });
    return this.toEc2(row);
  }

  async deleteEc2(ctx: AuthContext, userId: string, access: string): Promise<void> {
    const row = await this.d.db.selectFrom('credentials').selectAll().where('access_key', '=', access).executeTakeFirst();
    if (!row || row.user_id !== userId) throw notFound('credential', access);
    enforce(this.d, ctx, 'ec2_delete_credential', { user_id: userId, target: { credential: { user_id: row.user_id } } });
    await this.d.db.deleteFrom('credentials').where('id', '=', row.id).execute();
  }

  /** For S3: the secret and owner behind an access key, or undefined. */
  async findEc2(access: string): Promise<Ec2Credential | undefined> {
    const row = await this.d.db.selectFrom('credentials').selectAll().where('access_key', '=', access).where('type', '=', 'ec2').executeTakeFirst();
    return row ? this.toEc2(row) : undefined;
  }

  private async insert(row: CredentialTable): Promise<void> {
    const dup = await this.d.db.selectFrom('credentials').select('id').where('id', '=', row.id).executeTakeFirst();
    if (dup) throw new Conflict(`Conflict occurred attempting to store credential - Duplicate ID, ${row.id}.`);
    await this.d.db.insertInto('credentials').values(row).execute();
  }
}

function parseEc2Blob(blob: string): { access: string; secret: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw new BadRequest('Invalid blob in credential: an ec2 blob is a JSON object with access and secret.');
  }
  const p = parsed as { access?: unknown; secret?: unknown };
  if (typeof p?.access !== 'string' || !p.access) throw new BadRequest('Invalid blob in credential: an ec2 blob needs an access key.');
  return { access: p.access, secret: typeof p.secret === 'string' ? p.secret : '' };
}
