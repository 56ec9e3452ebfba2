import type { AuthContext } from '../../platform/auth.ts';
import { BadRequest, Conflict, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { GroupTable } from './tables.ts';
import { defaultDomain, enforce, mergeExtra, splitExtra, type IdentityDeps } from './deps.ts';
import type { Domains } from './domains.ts';
import { toUser, type User, type Users } from './users.ts';

export interface Group {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  [extra: string]: unknown;
}

export interface GroupInput {
  name?: string;
  domain_id?: string;
  description?: string;
  [extra: string]: unknown;
}

const KNOWN = ['id', 'name', 'domain_id', 'description'] as const;

function toGroup(row: GroupTable): Group {
  return { ...(JSON.parse(row.extra) as object), id: row.id, name: row.name, domain_id: row.domain_id, description: row.description };
}

export class Groups {
  constructor(private readonly d: IdentityDeps, private readonly domains: Domains, private readonly users: Users) {}

  async find(id: string): Promise<GroupTable | undefined> {
    return this.d.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<GroupTable> {
    const row = await this.find(id);
    if (!row) throw notFound('group', id);
    return row;
  }

  async idsOfUser(userId: string): Promise<string[]> {
    const rows = await this.d.db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.group_id);
  }

  async memberIds(groupId: string): Promise<string[]> {
    const rows = await this.d.db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute();
    return rows.map((r) => r.user_id);
  }

  async list(ctx: AuthContext, f: { name?: string; domain_id?: string }): Promise<Group[]> {
    const domainId = f.domain_id ?? (ctx.scope.kind === 'domain' ? ctx.scope.domain.id : undefined);
    enforce(this.d, ctx, 'list_groups', { target: domainId === undefined ? {} : { group: { domain_id: domainId } } });
    let q = this.d.db.selectFrom('groups').selectAll().orderBy('name');
    if (domainId !== undefined) q = q.where('domain_id', '=', domainId);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    return (await q.execute()).map(toGroup);
  }

  async get(ctx: AuthContext, id: string): Promise<Group> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'get_group', { target: { group: { id, domain_id: row.domain_id } } });
    return toGroup(row);
  }

  async create(ctx: AuthContext, input: GroupInput & { name: string }): Promise<Group> {
    const domainId = input.domain_id ?? defaultDomain(ctx);
    enforce(this.d, ctx, 'create_group', { target: { group: { domain_id: domainId } } });
    if (!(await this.domains.find(domainId))) throw new BadRequest(`Could not find domain: ${domainId}.`);
    const dup = await this.d.db.selectFrom('groups').select('id').where('name', '=', input.name).where('domain_id', '=', domainId).executeTakeFirst();
    if (dup) throw new Conflict(`Conflict occurred attempting to store group - Duplicate entry found with name ${input.name}.`);
    const row: GroupTable = { id: hexId(), name: input.name, domain_id: domainId, description: input.description ?? '', extra: splitExtra(input, KNOWN) };
    await this.d.db.insertInto('groups').values(row).execute();
    return toGroup(row);
  }

  async update(ctx: AuthContext, id: string, patch: GroupInput): Promise<Group> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_group', { target: { group: { id, domain_id: row.domain_id } } });
    if (patch.domain_id !== undefined && patch.domain_id !== row.domain_id) throw new BadRequest('Update of `domain_id` is not allowed.');
    const next: GroupTable = { ...row, name: patch.name ?? row.name, description: patch.description ?? row.description, extra: mergeExtra(row.extra, patch, KNOWN) };
    await this.d.db.updateTable('groups').set(next).where('id', '=', id).execute();
    return toGroup(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'delete_group', { target: { group: { id, domain_id: row.domain_id } } });
    const members = await this.memberIds(id);
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('assignments').where('actor_id', '=', id).execute();
      await tx.deleteFrom('groups').where('id', '=', id).execute();
    });
    for (const userId of members) await this.d.revocations.revoke({ user_id: userId });
  }

  async listUsers(ctx: AuthContext, id: string): Promise<User[]> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'list_users_in_group', { target: { group: { id, domain_id: row.domain_id } } });
    const rows = await this.d.db.selectFrom('users').selectAll()
      .where('id', 'in', this.d.db.selectFrom('group_members').select('user_id').where('group_id', '=', id))
      .orderBy('name').execute();
    return rows.map(toUser);
  }

  async listForUser(ctx: AuthContext, userId: string): Promise<Group[]> {
    const user = await this.users.require(userId);
    enforce(this.d, ctx, 'list_groups_for_user', { user_id: userId, target: { user: { id: userId, domain_id: user.domain_id } } });
    const rows = await this.d.db.selectFrom('groups').selectAll()
      .where('id', 'in', this.d.db.selectFrom('group_members').select('group_id').where('user_id', '=', userId))
      .orderBy('name').execute();
    return rows.map(toGroup);
  }

  private async membershipTarget(groupId: string, userId: string) {
    const group = await this.require(groupId);
    const user = await this.users.require(userId);
    return { target: { group: { id: groupId, domain_id: group.domain_id }, user: { id: userId, domain_id: user.domain_id } } };
  }

  async addUser(ctx: AuthContext, groupId: string, userId: string): Promise<void> {
    enforce(this.d, ctx, 'add_user_to_group', await this.membershipTarget(groupId, userId));
    await this.d.db.insertInto('group_members').values({ group_id: groupId, user_id: userId })
      .onConflict((oc) => oc.doNothing()).execute();
  }

  async removeUser(ctx: AuthContext, groupId: string, userId: string): Promise<void> {
    enforce(this.d, ctx, 'remove_user_from_group', await this.membershipTarget(groupId, userId));
    const res = await this.d.db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('membership', `user ${userId} in group ${groupId}`);
    await this.d.revocations.revoke({ user_id: userId });
  }

  async checkUser(ctx: AuthContext, groupId: string, userId: string): Promise<void> {
    enforce(this.d, ctx, 'check_user_in_group', await this.membershipTarget(groupId, userId));
    const row = await this.d.db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('membership', `user ${userId} in group ${groupId}`);
  }
}
