import type { AuthContext, Named } from '../../platform/auth.ts';
import { BadRequest, Conflict, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { RoleTable } from './tables.ts';
import { enforce, type IdentityDeps } from './deps.ts';

export interface Role {
  id: string;
  name: string;
  domain_id: string | null;
  description: string;
  options: Record<string, unknown>;
}

export interface RoleInput {
  name?: string;
  domain_id?: string | null;
  description?: string;
  options?: Record<string, unknown>;
}

function toRole(row: RoleTable): Role {
  return { id: row.id, name: row.name, domain_id: row.domain_id, description: row.description, options: JSON.parse(row.options) as Record<string, unknown> };
}

export class Roles {
  /** role id → directly implied role ids; small and read on every token issue, so cached. */
  private implications?: Map<string, string[]>;

  constructor(private readonly d: IdentityDeps) {}

  async find(id: string): Promise<RoleTable | undefined> {
    return this.d.db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<RoleTable> {
    const row = await this.find(id);
    if (!row) throw notFound('role', id);
    return row;
  }

  async byName(name: string, domainId: string | null = null): Promise<RoleTable | undefined> {
    let q = this.d.db.selectFrom('roles').selectAll().where('name', '=', name);
    q = domainId === null ? q.where('domain_id', 'is', null) : q.where('domain_id', '=', domainId);
    return q.executeTakeFirst();
  }

  async list(ctx: AuthContext, f: { name?: string; domain_id?: string }): Promise<Role[]> {
    enforce(this.d, ctx, 'list_roles');
    let q = this.d.db.selectFrom('roles').selectAll().orderBy('name');
    q = f.domain_id === undefined ? q.where('domain_id', 'is', null) : q.where('domain_id', '=', f.domain_id);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    return (await q.execute()).map(toRole);
  }

  async get(ctx: AuthContext, id: string): Promise<Role> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'get_role', { target: { role: { id, name: row.name, domain_id: row.domain_id } } });
    return toRole(row);
  }

  async create(ctx: AuthContext, input: RoleInput & { name: string }): Promise<Role> {
    enforce(this.d, ctx, 'create_role', { target: { role: { domain_id: input.domain_id ?? null } } });
    const domainId = input.domain_id ?? null;
    if (await this.byName(input.name, domainId)) throw new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${input.name}.`);
    const row: RoleTable = { id: hexId(), name: input.name, domain_id: domainId, description: input.description ?? '', options: JSON.stringify(input.options ?? {}) };
    await this.d.db.insertInto('roles').values(row).execute();
    return toRole(row);
  }

  async update(ctx: AuthContext, id: string, patch: RoleInput): Promise<Role> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_role', { target: { role: { id, domain_id: row.domain_id } } });
    if (patch.domain_id !== undefined && patch.domain_id !== row.domain_id) throw new BadRequest('Update of `domain_id` is not allowed.');
    if (patch.name !== undefined && patch.name !== row.name && (await this.byName(patch.name, row.domain_id))) {
      throw new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${patch.name}.`);
    }
    const next: RoleTable = {
      ...row,
      name: patch.name ?? row.name,
      description: patch.description ?? row.description,
      options: patch.options === undefined ? row.options : JSON.stringify(patch.options),
    };
    await this.d.db.updateTable('roles').set(next).where('id', '=', id).execute();
    return toRole(next);
  }

  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'delete_role', { target: { role: { id, domain_id: row.domain_id } } });
    await this.d.db.deleteFrom('roles').where('id', '=', id).execute();
    this.implications = undefined;
    await this.d.revocations.revoke({ role_id: id });
  }

  async listImplied(ctx: AuthContext, priorId?: string): Promise<{ prior: Named; implied: Named[] }[]> {
    enforce(this.d, ctx, 'list_implied_roles');
    if (priorId) await this.require(priorId);
    let q = this.d.db.selectFrom('implied_roles as i')
      .innerJoin('roles as p', 'p.id', 'i.prior_role_id')
      .innerJoin('roles as r', 'r.id', 'i.implied_role_id')
      .select(['p.id as pid', 'p.name as pname', 'r.id as rid', 'r.name as rname'])
      .orderBy('p.name').orderBy('r.name');
    if (priorId) q = q.where('i.prior_role_id', '=', priorId);
    const grouped = new Map<string, { prior: Named; implied: Named[] }>();
    for (const row of await q.execute()) {
      const entry = grouped.get(row.pid) ?? { prior: { id: row.pid, name: row.pname }, implied: [] };
      entry.implied.push({ id: row.rid, name: row.rname });
      grouped.set(row.pid, entry);
    }
    return [...grouped.values()];
  }

  async getImplied(ctx: AuthContext, priorId: string, impliedId: string): Promise<{ prior: Named; implied: Named }> {
    enforce(this.d, ctx, 'list_implied_roles');
    const prior = await this.require(priorId);
    const implied = await this.require(impliedId);
    const row = await this.d.db.selectFrom('implied_roles').selectAll().where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).executeTakeFirst();
    if (!row) throw notFound('implied role', `${priorId} implies ${impliedId}`);
    return { prior: { id: prior.id, name: prior.name }, implied: { id: implied.id, name: implied.name } };
  }

  async createImplied(ctx: AuthContext, priorId: string, impliedId: string): Promise<{ prior: Named; implied: Named }> {
    enforce(this.d, ctx, 'create_implied_role');
    const prior = await this.require(priorId);
    const implied = await this.require(impliedId);
    if ((await this.expand([impliedId])).includes(priorId)) {
      throw new BadRequest(`Implying ${implied.name} from ${prior.name} would create a cycle.`);
    }
    await this.d.db.insertInto('implied_roles').values({ prior_role_id: priorId, implied_role_id: impliedId })
      .onConflict((oc) => oc.doNothing()).execute();
    this.implications = undefined;
    return { prior: { id: prior.id, name: prior.name }, implied: { id: implied.id, name: implied.name } };
  }

  async deleteImplied(ctx: AuthContext, priorId: string, impliedId: string): Promise<void> {
    enforce(this.d, ctx, 'delete_implied_role');
    const res = await this.d.db.deleteFrom('implied_roles').where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).executeTakeFirst();
    if (res.numDeletedRows === 0n) throw notFound('implied role', `${priorId} implies ${impliedId}`);
    this.implications = undefined;
  }

  /** The given roles plus everything they imply, transitively. */
  async expand(roleIds: string[]): Promise<string[]> {
    if (!this.implications) {
      const map = new Map<string, string[]>();
      for (const r of await this.d.db.selectFrom('implied_roles').selectAll().execute()) {
        map.set(r.prior_role_id, [...(map.get(r.prior_role_id) ?? []), r.implied_role_id]);
      }
      this.implications = map;
    }
    const out = new Set(roleIds);
    const queue = [...roleIds];
    while (queue.length) {
      for (const next of this.implications.get(queue.pop()!) ?? []) {
        if (!out.has(next)) {
          out.add(next);
          queue.push(next);
        }
      }
    }
    return [...out];
  }

  async named(ids: string[]): Promise<Named[]> {
    if (ids.length === 0) return [];
    const rows = await this.d.db.selectFrom('roles').select(['id', 'name']).where('id', 'in', ids).orderBy('name').execute();
    return rows;
  }
}
