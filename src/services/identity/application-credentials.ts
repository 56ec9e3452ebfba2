import type { AuthContext, Named } from '../../platform/auth.ts';
import { BadRequest, Conflict, Forbidden, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import { parseTimestamp } from '../../platform/time.ts';
import type { ApplicationCredentialTable } from './tables.ts';
import { enforce, type IdentityDeps } from './deps.ts';
import { hashSecret, randomSecret } from './passwords.ts';
import type { Roles } from './roles.ts';
import type { Users } from './users.ts';

export interface ApplicationCredential {
  id: string;
  name: string;
  description: string;
  user_id: string;
  project_id: string;
  roles: (Named & { domain_id: null })[];
  expires_at: string | null;
  unrestricted: boolean;
  access_rules: unknown[];
  secret?: string;
}

export interface ApplicationCredentialInput {
  name: string;
  description?: string | null;
  secret?: string;
  expires_at?: string | null;
  roles?: { id?: string; name?: string }[];
  unrestricted?: boolean;
  access_rules?: unknown[];
}

export class ApplicationCredentials {
  constructor(private readonly d: IdentityDeps, private readonly users: Users, private readonly roles: Roles) {}

  async find(id: string): Promise<ApplicationCredentialTable | undefined> {
    return this.d.db.selectFrom('application_credentials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byName(userId: string, name: string): Promise<ApplicationCredentialTable | undefined> {
    return this.d.db.selectFrom('application_credentials').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  }

  async render(row: ApplicationCredentialTable): Promise<ApplicationCredential> {
    const roles = await this.roles.named(JSON.parse(row.role_ids) as string[]);
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      user_id: row.user_id,
      project_id: row.project_id,
      roles: roles.map((r) => ({ ...r, domain_id: null })),
      expires_at: row.expires_at,
      unrestricted: row.unrestricted === 1,
      access_rules: JSON.parse(row.access_rules) as unknown[],
    };
  }

  async create(ctx: AuthContext, userId: string, input: ApplicationCredentialInput): Promise<ApplicationCredential> {
    await this.users.require(userId);
    enforce(this.d, ctx, 'create_application_credential', { user_id: userId, target: { user: { id: userId } } });
    if (ctx.scope.kind !== 'project') throw new BadRequest('Application credentials can only be created with a project-scoped token.');
    if (ctx.user.id !== userId) throw new Forbidden('Application credentials can only be created for the token owner.');
    if (ctx.applicationCredential && !ctx.applicationCredential.unrestricted) {
      throw new Forbidden('Using a restricted application credential to create application credentials is not allowed.');
    }
    if (await this.byName(userId, input.name)) throw new Conflict(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${input.name}.`);
    let expiresAt: string | null = null;
    if (input.expires_at) {
      const d = parseTimestamp(input.expires_at);
      if (!d) throw new BadRequest(`Invalid input for field 'expires_at': '${input.expires_at}' is not a timestamp.`);
      // Keystone keeps microseconds and answers naive UTC; clients compare with what they sent.
      const micros = (/\.(\d{1,6})/.exec(input.expires_at)?.[1] ?? '').padEnd(6, '0');
      expiresAt = `${d.toISOString().slice(0, 19)}.${micros}`;
    }
    const roleIds = input.roles?.length ? await this.resolveRoles(input.roles, ctx.roles) : ctx.roles.map((r) => r.id);
    const secret = input.secret ?? randomSecret(48);
    const row: ApplicationCredentialTable = {
      id: hexId(),
      name: input.name,
      user_id: userId,
      project_id: ctx.scope.project.id,
      description: input.description ?? '',
      secret_hash: await hashSecret(secret),
      expires_at: expiresAt,
      unrestricted: input.unrestricted ? 1 : 0,
      role_ids: JSON.stringify(roleIds),
      access_rules: JSON.stringify(input.access_rules ?? []),
    };
    await this.d.db.insertInto('application_credentials').values(row).execute();
    return { ...(await this.render(row)), secret };
  }

  /** Requested roles must be ones the token already carries: a credential never widens access. */
  private async resolveRoles(requested: { id?: string; name?: string }[], held: Named[]): Promise<string[]> {
    return requested.map((r) => {
      const match = held.find((h) => (r.id !== undefined && h.id === r.id) || (r.id === undefined && h.name === r.name));
      if (!match) throw new Forbidden(`Role ${r.id ?? r.name} is not held on this project and cannot be delegated.`);
      return match.id;
    });
  }

  async list(ctx: AuthContext, userId: string, f: { name?: string }): Promise<ApplicationCredential[]> {
    await this.users.require(userId);
    enforce(this.d, ctx, 'list_application_credentials', { user_id: userId, target: { user: { id: userId } } });
    let q = this.d.db.selectFrom('application_credentials').selectAll().where('user_id', '=', userId).orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    return Promise.all((await q.execute()).map((r) => this.render(r)));
  }

  async get(ctx: AuthContext, userId: string, id: string): Promise<ApplicationCredential> {
    enforce(this.d, ctx, 'get_application_credential', { user_id: userId, target: { user: { id: userId } } });
    const row = await this.find(id);
    if (!row || row.user_id !== userId) throw notFound('application credential', id);
    return this.render(row);
  }

  async delete(ctx: AuthContext, userId: string, id: string): Promise<void> {
    enforce(this.d, ctx, 'delete_application_credential', { user_id: userId, target: { user: { id: userId } } });
    const row = await this.find(id);
    if (!row || row.user_id !== userId) throw notFound('application credential', id);
    if (ctx.applicationCredential && !ctx.applicationCredential.unrestricted && ctx.applicationCredential.id !== id) {
      throw new Forbidden('A restricted application credential cannot delete other application credentials.');
    }
    await this.d.db.deleteFrom('application_credentials').where('id', '=', id).execute();
    await this.d.revocations.revoke({ application_credential_id: id });
  }
}
