import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { uuid as newUuid } from '../../platform/ids.ts';
import { fits } from './capacity.ts';
import { badRequest, CODES, conflict, enforce, GenerationConflict, inTransaction, notFound, now, retrying, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { firstUnknownClass } from './resource-classes.ts';
import { allUsage, bumpProvider, group, providerRow, type ProviderRow } from './store.ts';
import { unknownTraits } from './traits.ts';

export interface Provider {
  uuid: string;
  name: string;
  generation: number;
  parentProviderUuid: string | null;
  rootProviderUuid: string;
  updatedAt: string;
}

export interface ProviderFilter {
  name?: string;
  uuid?: string;
  /** Providers in the same tree as this one. */
  inTree?: string;
  /** Providers with room for all these amounts (units respected). */
  resources?: Record<string, number>;
  /** Each entry: the provider is in at least one of these aggregates; entries AND together. */
  memberOf?: string[][];
  required?: string[];
  forbidden?: string[];
}

export interface ProviderCreate {
  name: string;
  uuid?: string;
  parentProviderUuid?: string | null;
}

export interface ProviderUpdate {
  name: string;
  /** Undefined leaves the parent alone; placement before 1.37 only sets one where there was none. */
  parentProviderUuid?: string | null;
}

/** Traits or aggregates of a provider with the generation they were read at. */
export interface Tagged {
  values: string[];
  generation: number;
}

const view = (r: ProviderRow): Provider => ({
  uuid: r.uuid, name: r.name, generation: r.generation, parentProviderUuid: r.parent_uuid, rootProviderUuid: r.root_uuid, updatedAt: r.updated_at,
});

const staleGeneration = () => new GenerationConflict('Resource provider\'s generation already changed. Please update the generation and try again.');

/** Resource providers: the tree they form, their traits and their aggregates. */
export class Providers {
  constructor(private readonly d: PlacementDeps) {}

  async list(ctx: AuthContext, f: ProviderFilter = {}): Promise<Provider[]> {
    enforce(this.d, ctx, ACTIONS.providerList);
    const db = this.d.db;
    let q = db.selectFrom('placement_providers').selectAll();
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.uuid !== undefined) q = q.where('uuid', '=', f.uuid);
    if (f.inTree !== undefined) {
      const anchor = await db.selectFrom('placement_providers').select('root_uuid').where('uuid', '=', f.inTree).executeTakeFirst();
      if (!anchor) return [];
      q = q.where('root_uuid', '=', anchor.root_uuid);
    }
    let rows = await q.orderBy('created_at').orderBy('name').execute();
    if (f.resources) {
      const unknown = await firstUnknownClass(db, Object.keys(f.resources));
      if (unknown) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${unknown}.`);
      const wanted = f.resources;
      const usage = await allUsage(db);
      const inventories = await db.selectFrom('placement_inventories').selectAll().where('resource_class', 'in', Object.keys(wanted)).execute();
      const fitting = new Map<string, number>();
      for (const inv of inventories) {
        const used = usage.get(inv.provider_uuid)?.get(inv.resource_class) ?? 0;
        if (fits(inv, used, wanted[inv.resource_class]!)) fitting.set(inv.provider_uuid, (fitting.get(inv.provider_uuid) ?? 0) + 1);
      }
      rows = rows.filter((r) => fitting.get(r.uuid) === Object.keys(wanted).length);
    }
    if (f.required?.length || f.forbidden?.length) {
      const missing = await unknownTraits(db, [...(f.required ?? []), ...(f.forbidden ?? [])]);
      if (missing.length) throw badRequest(`Invalid trait(s) in "required" parameter: No such trait(s): ${missing.join(', ')}.`);
      const traits = group((await db.selectFrom('placement_provider_traits').select(['provider_uuid', 'trait as v']).execute()));
      rows = rows.filter((r) => {
        const has = new Set(traits.get(r.uuid) ?? []);
        return (f.required ?? []).every((t) => has.has(t)) && !(f.forbidden ?? []).some((t) => has.has(t));
      });
    }
    if (f.memberOf?.length) {
      const aggs = group(await db.selectFrom('placement_provider_aggregates').select(['provider_uuid', 'aggregate_uuid as v']).execute());
      rows = rows.filter((r) => {
        const has = new Set(aggs.get(r.uuid) ?? []);
        return f.memberOf!.every((any) => any.some((a) => has.has(a)));
      });
    }
    return rows.map(view);
  }

  async get(ctx: AuthContext, uuid: string): Promise<Provider> {
    enforce(this.d, ctx, ACTIONS.providerShow);
    return view(await providerRow(this.d.db, uuid));
  }

  async create(ctx: AuthContext, c: ProviderCreate): Promise<Provider> {
    enforce(this.d, ctx, ACTIONS.providerCreate);
    return view(await this.insert(c));
  }

  /** Creates the provider; used by the API and by `ensureProvider`. */
  async insert(c: ProviderCreate, db: Db = this.d.db): Promise<ProviderRow> {
    const uuid = c.uuid ?? newUuid();
    return inTransaction(db, async (tx) => {
      if (await tx.selectFrom('placement_providers').select('uuid').where('uuid', '=', uuid).executeTakeFirst()) {
        throw conflict(`Conflicting resource provider uuid: ${uuid} already exists.`, CODES.duplicateName);
      }
      if (await tx.selectFrom('placement_providers').select('uuid').where('name', '=', c.name).executeTakeFirst()) {
        throw conflict(`Conflicting resource provider name: ${c.name} already exists.`, CODES.duplicateName);
      }
      let root = uuid;
      if (c.parentProviderUuid) {
        const parent = await tx.selectFrom('placement_providers').select('root_uuid').where('uuid', '=', c.parentProviderUuid).executeTakeFirst();
        if (!parent) throw badRequest(`Unable to create resource provider "${c.name}", ${uuid}: parent provider UUID does not exist.`);
        root = parent.root_uuid;
      }
      const t = now();
      const row: ProviderRow = { uuid, name: c.name, generation: 0, parent_uuid: c.parentProviderUuid ?? null, root_uuid: root, created_at: t, updated_at: t };
      await tx.insertInto('placement_providers').values(row).execute();
      return row;
    });
  }

  async update(ctx: AuthContext, uuid: string, u: ProviderUpdate): Promise<Provider> {
    enforce(this.d, ctx, ACTIONS.providerUpdate);
    return view(await this.d.db.transaction().execute(async (tx) => {
      const row = await providerRow(tx, uuid);
      const failed = (why: string) => badRequest(`Unable to save resource provider ${uuid}: Object action update failed because: ${why}`);
      const set: Partial<ProviderRow> = { name: u.name, updated_at: now() };
      if (u.parentProviderUuid !== undefined && u.parentProviderUuid !== row.parent_uuid) {
        if (row.parent_uuid !== null) throw failed(u.parentProviderUuid === null ? 'un-parenting a provider is not currently allowed.' : 're-parenting a provider is not currently allowed.');
        const parent = await tx.selectFrom('placement_providers').select(['uuid', 'root_uuid']).where('uuid', '=', u.parentProviderUuid!).executeTakeFirst();
        if (!parent) throw failed('parent provider UUID does not exist.');
        // The provider is a root here, so its subtree is exactly the providers rooted at it.
        if (parent.root_uuid === uuid) throw failed('creating loop in the provider tree is not allowed.');
        set.parent_uuid = parent.uuid;
        await tx.updateTable('placement_providers').set({ root_uuid: parent.root_uuid }).where('root_uuid', '=', uuid).execute();
      }
      const clash = await tx.selectFrom('placement_providers').select('uuid').where('name', '=', u.name).where('uuid', '!=', uuid).executeTakeFirst();
      if (clash) throw conflict(`Conflicting resource provider ${u.name} already exists.`, CODES.duplicateName);
      await tx.updateTable('placement_providers').set(set).where('uuid', '=', uuid).execute();
      return providerRow(tx, uuid);
    }));
  }

  async delete(ctx: AuthContext, uuid: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.providerDelete);
    await this.d.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('placement_providers').select('uuid').where('uuid', '=', uuid).executeTakeFirst();
      if (!row) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
      if (await tx.selectFrom('placement_allocations').select('consumer_uuid').where('provider_uuid', '=', uuid).executeTakeFirst()) {
        throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, CODES.providerInUse);
      }
      if (await tx.selectFrom('placement_providers').select('uuid').where('parent_uuid', '=', uuid).executeTakeFirst()) {
        throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, CODES.cannotDeleteParent);
      }
      await tx.deleteFrom('placement_inventories').where('provider_uuid', '=', uuid).execute();
      await tx.deleteFrom('placement_provider_traits').where('provider_uuid', '=', uuid).execute();
      await tx.deleteFrom('placement_provider_aggregates').where('provider_uuid', '=', uuid).execute();
      await tx.deleteFrom('placement_providers').where('uuid', '=', uuid).execute();
    });
  }

  async traits(ctx: AuthContext, uuid: string): Promise<Tagged> {
    enforce(this.d, ctx, ACTIONS.providerTraitList);
    const row = await providerRow(this.d.db, uuid);
    return { values: await traitsOf(this.d.db, uuid), generation: row.generation };
  }

  async setTraits(ctx: AuthContext, uuid: string, generation: number, traits: string[]): Promise<Tagged> {
    enforce(this.d, ctx, ACTIONS.providerTraitUpdate);
    return this.replaceTraits(uuid, traits, generation);
  }

  async clearTraits(ctx: AuthContext, uuid: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.providerTraitDelete);
    await this.replaceTraits(uuid, []);
  }

  /** Sets exactly `traits`, checking the client's generation when it sent one. */
  async replaceTraits(uuid: string, traits: string[], generation?: number, db: Db = this.d.db): Promise<Tagged> {
    return inTransaction(db, async (tx) => {
      const row = await providerRow(tx, uuid);
      if (generation !== undefined && generation !== row.generation) throw staleGeneration();
      const missing = await unknownTraits(tx, traits);
      if (missing.length) throw badRequest(`No such trait(s): ${missing.join(', ')}`);
      await tx.deleteFrom('placement_provider_traits').where('provider_uuid', '=', uuid).execute();
      const unique = [...new Set(traits)].sort();
      if (unique.length) await tx.insertInto('placement_provider_traits').values(unique.map((trait) => ({ provider_uuid: uuid, trait }))).execute();
      return { values: unique, generation: await bumpProvider(tx, uuid, row.generation) };
    });
  }

  async aggregates(ctx: AuthContext, uuid: string): Promise<Tagged> {
    enforce(this.d, ctx, ACTIONS.aggregateList);
    const row = await providerRow(this.d.db, uuid);
    const aggs = await this.d.db.selectFrom('placement_provider_aggregates').select('aggregate_uuid').where('provider_uuid', '=', uuid).orderBy('aggregate_uuid').execute();
    return { values: aggs.map((a) => a.aggregate_uuid), generation: row.generation };
  }

  /** Microversion 1.19 sends a generation, checks it and bumps it; earlier ones do neither. */
  async setAggregates(ctx: AuthContext, uuid: string, aggregates: string[], generation?: number): Promise<Tagged> {
    enforce(this.d, ctx, ACTIONS.aggregateUpdate);
    return retrying(this.d.db, async (tx) => {
      const row = await providerRow(tx, uuid);
      if (generation !== undefined && generation !== row.generation) throw staleGeneration();
      await tx.deleteFrom('placement_provider_aggregates').where('provider_uuid', '=', uuid).execute();
      const unique = [...new Set(aggregates)].sort();
      if (unique.length) await tx.insertInto('placement_provider_aggregates').values(unique.map((a) => ({ provider_uuid: uuid, aggregate_uuid: a }))).execute();
      return { values: unique, generation: generation === undefined ? row.generation : await bumpProvider(tx, uuid, row.generation) };
    });
  }
}

async function traitsOf(db: Db, uuid: string): Promise<string[]> {
  return (await db.selectFrom('placement_provider_traits').select('trait').where('provider_uuid', '=', uuid).orderBy('trait').execute()).map((r) => r.trait);
}

