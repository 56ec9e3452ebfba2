import type { AuthContext } from '../../platform/auth.ts';
import { bool } from '../../platform/db/index.ts';
import { BadRequest, Conflict, Forbidden, notFound } from '../../platform/errors.ts';
import { hexId } from '../../platform/ids.ts';
import type { DomainTable } from './tables.ts';
import { enforce, flag, mergeExtra, nowIso, splitExtra, type IdentityDeps } from './deps.ts';

export interface Domain {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  tags: string[];
  options: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface DomainInput {
  name?: string;
  description?: string;
  enabled?: boolean;
  [extra: string]: unknown;
}

const KNOWN = ['id', 'name', 'description', 'enabled', 'tags', 'options', 'explicit_domain_id'] as const;

export function toDomain(row: DomainTable): Domain {
  return {
    ...(JSON.parse(row.extra) as object),
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: bool(row.enabled),
    tags: [],
    options: {},
  };
}

export class Domains {
  constructor(private readonly d: IdentityDeps) {}

  async find(id: string): Promise<DomainTable | undefined> {
    return this.d.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async require(id: string): Promise<DomainTable> {
    const row = await this.find(id);
    if (!row) throw notFound('domain', id);
    return row;
  }

  async byName(name: string): Promise<DomainTable | undefined> {
    return this.d.db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(ctx: AuthContext, filters: { name?: string; enabled?: boolean }): Promise<Domain[]> {
    enforce(this.d, ctx, 'list_domains');
    let q = this.d.db.selectFrom('domains').selectAll().orderBy('name');
    if (filters.name !== undefined) q = q.where('name', '=', filters.name);
    if (filters.enabled !== undefined) q = q.where('enabled', '=', flag(filters.enabled));
    // As in Keystone, a domain-scoped token sees only its own domain: managers of one domain
    // must not learn the names of the others.
    if (ctx.scope.kind === 'domain') q = q.where('id', '=', ctx.scope.domain.id);
    return (await q.execute()).map(toDomain);
  }

  async get(ctx: AuthContext, id: string): Promise<Domain> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'get_domain', { target: { domain: { id } } });
    return toDomain(row);
  }

  async create(ctx: AuthContext, input: DomainInput & { name: string }): Promise<Domain> {
    enforce(this.d, ctx, 'create_domain');
    if (await this.byName(input.name)) throw new Conflict(`Conflict occurred attempting to store domain - Duplicate entry found with name ${input.name}.`);
    const explicit = input.explicit_domain_id;
    if (explicit !== undefined && (typeof explicit !== 'string' || !/^[0-9a-f]{32}$/.test(explicit.replaceAll('-', '')))) {
      throw new BadRequest('explicit_domain_id must be a UUID.');
    }
    const row: DomainTable = {
      id: typeof explicit === 'string' ? explicit.replaceAll('-', '') : hexId(),
      name: input.name,
      description: input.description ?? '',
      enabled: flag(input.enabled),
      extra: splitExtra(input, KNOWN),
      created_at: nowIso(),
    };
    await this.d.db.insertInto('domains').values(row).execute();
    return toDomain(row);
  }

  async update(ctx: AuthContext, id: string, patch: DomainInput): Promise<Domain> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'update_domain', { target: { domain: { id } } });
    if (patch.name !== undefined && patch.name !== row.name && (await this.byName(patch.name))) {
      throw new Conflict(`Conflict occurred attempting to store domain - Duplicate entry found with name ${patch.name}.`);
    }
    const next: DomainTable = {
      ...row,
      name: patch.name ?? row.name,
      description: patch.description ?? row.description,
      enabled: patch.enabled === undefined ? row.enabled : flag(patch.enabled),
      extra: mergeExtra(row.extra, patch, KNOWN),
    };
    await this.d.db.updateTable('domains').set(next).where('id', '=', id).execute();
    if (bool(row.enabled) && !bool(next.enabled)) await this.d.revocations.revoke({ domain_id: id });
    return toDomain(next);
  }

  /** Keystone refuses to delete an enabled domain; deleting one removes everything it owns. */
  async delete(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.require(id);
    enforce(this.d, ctx, 'delete_domain', { target: { domain: { id } } });
    if (bool(row.enabled)) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
    await this.d.db.transaction().execute(async (tx) => {
      const projects = tx.selectFrom('projects').select('id').where('domain_id', '=', id);
      const users = tx.selectFrom('users').select('id').where('domain_id', '=', id);
      const groups = tx.selectFrom('groups').select('id').where('domain_id', '=', id);
      await tx.deleteFrom('assignments').where((eb) => eb.or([
        eb('target_id', '=', id), eb('target_id', 'in', projects), eb('actor_id', 'in', users), eb('actor_id', 'in', groups),
      ])).execute();
      await tx.deleteFrom('users').where('domain_id', '=', id).execute();
      await tx.deleteFrom('groups').where('domain_id', '=', id).execute();
      // children before parents: the parent_id foreign key forbids the reverse
      for (;;) {
        const leaves = await tx.selectFrom('projects as p').select('p.id').where('p.domain_id', '=', id)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('projects as c').select('c.id').whereRef('c.parent_id', '=', 'p.id'))))
          .execute();
        if (leaves.length === 0) break;
        await tx.deleteFrom('projects').where('id', 'in', leaves.map((l) => l.id)).execute();
      }
      await tx.deleteFrom('roles').where('domain_id', '=', id).execute();
      await tx.deleteFrom('domains').where('id', '=', id).execute();
    });
    await this.d.revocations.revoke({ domain_id: id });
  }
}
