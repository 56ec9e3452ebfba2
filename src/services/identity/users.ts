import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, Unauthorized, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { UserTable } from './tables.ts';
import { defaultDomain, enforce, flag, mergeExtra, nowIso, splitExtra, type IdentityDeps } from './deps.ts';
import type { Domains } from './domains.ts';
import { hashSecret, verifySecret, DUMMY_HASH } from './passwords.ts';

export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  password_expires_at: null;
  options: Record<string, unknown>;
  default_project_id?: string;
  [extra: string]: unknown;
}

export interface UserInput {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
  password?: string | null;
  default_project_id?: string | null;
  [extra: string]: unknown;
}

const KNOWN = ['id', 'name', 'domain_id', 'enabled', 'password', 'default_project_id', 'options', 'password_expires_at', 'federated'] as const;

export function toUser(row: UserTable): User {
  const user: User = {
    ...(JSON.parse(row.extra) as object),
    id: row.id,
    name: row.name,
    domain_id: row.domain_id,
    enabled: bool(row.enabled),
    password_expires_at: null,
    options: JSON.parse(row.options) as Record<string, unknown>,
  };
  if (row.default_project_id) user.default_project_id = row.default_project_id;
  return user;
}

export class Users {
  constructor(private readonly d: IdentityDeps, private readonly domains: Domains) {}

  async find(id: string): Promise<UserTable | undefined> {
    return this.d.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<UserTable> {
    const row = await this.find(id);
    if (!row) throw notFound('user', id);
    return row;
  }

  async byName(name: string, domainId: string): Promise<UserTable | undefined> {
    return this.d.db.selectFrom('users').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
  }

  async list(ctx: AuthContext, f: { name?: string; domain_id?: string; enabled?: boolean }): Promise<User[]> {
    const domainId = f.domain_id ?? (ctx.scope.kind === 'domain' ? ctx.scope.domain.id : undefined);
    enforce(this.d, ctx, 'list_users', { target: domainId === undefined ? {} : { domain_id: domainId } });
    let q = this.d.db.selectFrom('users').selectAll().orderBy('name');
    if (domainId !== undefined) q = q.where('domain_id', '=', domainId);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.enabled !== undefined) q = q.where('enabled', '=', flag(f.enabled));
    return (await q.execute()).map(toUser);
  }

  async get(ctx: AuthContext, id: string): Promise<User> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'get_user', { target: { user: { id, domain_id: row.domain_id } } });
    return toUser(row);
  }

  async create(ctx: AuthContext, input: UserInput & { name: string }): Promise<User> {
    const domainId = input.domain_id ?? defaultDomain(ctx);
    enforce(this.d, ctx, 'create_user', { target: { user: { domain_id: domainId } } });
    if (!(await this.domains.find(domainId))) throw new BadRequest(`Could not find domain: ${domainId}.`);
    if (await this.byName(input.name, domainId)) throw new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${input.name} at domain ID ${domainId}.`);
    const now = nowIso();
    const row: UserTable = {
      id: hexId(),
      name: input.name,
      domain_id: domainId,
      enabled: flag(input.enabled),
      password_hash: typeof input.password === 'string' ? await hashSecret(input.password) : null,
      password_created_at: typeof input.password === 'string' ? now : null,
      default_project_id: input.default_project_id ?? null,
      extra: splitExtra(input, KNOWN),
      options: JSON.stringify(input.options ?? {}),
      created_at: now,
    };
    await this.d.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async update(ctx: AuthContext, id: string, patch: UserInput): Promise<User> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_user', { target: { user: { id, domain_id: row.domain_id } } });
    if (patch.domain_id !== undefined && patch.domain_id !== row.domain_id) throw new BadRequest('Update of `domain_id` is not allowed.');
    if (patch.name !== undefined && patch.name !== row.name && (await this.byName(patch.name, row.domain_id))) {
      throw new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${patch.name} at domain ID ${row.domain_id}.`);
    }
    const passwordChanged = patch.password !== undefined;
    const next: UserTable = {
      ...row,
      name: patch.name ?? row.name,
      enabled: patch.enabled === undefined ? row.enabled : flag(patch.enabled),
      default_project_id: patch.default_project_id === undefined ? row.default_project_id : patch.default_project_id,
      extra: mergeExtra(row.extra, patch, KNOWN),
      options: patch.options === undefined ? row.options : JSON.stringify({ ...JSON.parse(row.options), ...(patch.options as object) }),
    };
    if (passwordChanged) {
      next.password_hash = typeof patch.password === 'string' ? await hashSecret(patch.password) : null;
      next.password_created_at = nowIso();
    }
    await this.d.db.updateTable('users').set(next).where('id', '=', id).execute();
    if (passwordChanged || (bool(row.enabled) && !bool(next.enabled))) await this.d.revocations.revoke({ user_id: id });
    return toUser(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'delete_user', { target: { user: { id, domain_id: row.domain_id } } });
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('assignments').where('actor_id', '=', id).execute();
      await tx.deleteFrom('users').where('id', '=', id).execute();
    });
    await this.d.revocations.revoke({ user_id: id });
  }

  /** Self-service password change: proves the old password instead of needing a privileged role. */
  async changePassword(id: string, original: string, password: string): Promise<void> {
    const row = await this.find(id);
    if (!row || !(await this.checkPassword(row, original))) {
      throw new Unauthorized('The request you have made requires authentication.');
    }
    await this.d.db.updateTable('users')
      .set({ password_hash: await hashSecret(password), password_created_at: nowIso() })
      .where('id', '=', id).execute();
    await this.d.revocations.revoke({ user_id: id });
  }

  /** Constant work whether or not the user or its password exists, so timing reveals nothing. */
  async checkPassword(row: UserTable | undefined, password: string): Promise<boolean> {
    const ok = await verifySecret(password, row?.password_hash ?? DUMMY_HASH);
    return ok && row?.password_hash != null;
  }
}
