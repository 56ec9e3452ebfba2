import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { badRequest, conflict, CUSTOM_NAME, enforce, notFound, now, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { STANDARD_RESOURCE_CLASSES } from './standard.ts';

export interface ResourceClass {
  name: string;
  /** When a custom class was made; undefined for standard ones. */
  createdAt?: string;
}

const STANDARD = new Set(STANDARD_RESOURCE_CLASSES);

const classNotFound = (name: string) => notFound(`No such resource class ${name}.`);

/** The standard classes (code) and the custom ones (rows), in upstream's order: standard first. */
export class ResourceClasses {
  constructor(private readonly d: PlacementDeps) {}

  async list(ctx: AuthContext): Promise<ResourceClass[]> {
    enforce(this.d, ctx, ACTIONS.classList);
    const custom = await this.d.db.selectFrom('placement_resource_classes').selectAll().orderBy('created_at').orderBy('name').execute();
    return [...STANDARD_RESOURCE_CLASSES.map((name) => ({ name })), ...custom.map((r) => ({ name: r.name, createdAt: r.created_at }))];
  }

  async get(ctx: AuthContext, name: string): Promise<ResourceClass> {
    enforce(this.d, ctx, ACTIONS.classShow);
    if (STANDARD.has(name)) return { name };
    const row = await this.d.db.selectFrom('placement_resource_classes').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw classNotFound(name);
    return { name: row.name, createdAt: row.created_at };
  }

  async create(ctx: AuthContext, name: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.classCreate);
    if (!(await this.insert(name))) throw conflict(`Conflicting resource class already exists: ${name}`);
  }

  /** Microversion 1.7's PUT: creates a custom class or confirms it exists; true when created. */
  async ensure(ctx: AuthContext, name: string): Promise<boolean> {
    enforce(this.d, ctx, ACTIONS.classUpdate);
    return this.insert(name);
  }

  /** Microversions 1.2-1.6 rename a custom class, and with it every inventory and allocation of it. */
  async rename(ctx: AuthContext, name: string, to: string): Promise<ResourceClass> {
    enforce(this.d, ctx, ACTIONS.classUpdate);
    if (STANDARD.has(name)) throw badRequest(`Cannot update standard resource class ${name}`);
    customName(to);
    return this.d.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('placement_resource_classes').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) throw classNotFound(name);
      if (await exists(tx, to)) throw conflict(`Resource class already exists: ${to}`);
      await tx.insertInto('placement_resource_classes').values({ name: to, created_at: row.created_at }).execute();
      await tx.updateTable('placement_inventories').set({ resource_class: to }).where('resource_class', '=', name).execute();
      await tx.updateTable('placement_allocations').set({ resource_class: to }).where('resource_class', '=', name).execute();
      await tx.deleteFrom('placement_resource_classes').where('name', '=', name).execute();
      return { name: to, createdAt: row.created_at };
    });
  }

  async delete(ctx: AuthContext, name: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.classDelete);
    if (STANDARD.has(name)) throw badRequest(`Error in delete resource class: Cannot delete standard resource class ${name}.`);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await exists(tx, name))) throw classNotFound(name);
      const used = await tx.selectFrom('placement_inventories').select('provider_uuid').where('resource_class', '=', name).executeTakeFirst();
      if (used) throw conflict(`Error in delete resource class: Resource class ${name} in use.`);
      await tx.deleteFrom('placement_resource_classes').where('name', '=', name).execute();
    });
  }

  /** Creates a custom class if missing; false when it was there already. */
  async insert(name: string, db: Db = this.d.db): Promise<boolean> {
    customName(name);
    const res = await db.insertInto('placement_resource_classes').values({ name, created_at: now() })
      .onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}

function customName(name: string): void {
  if (!CUSTOM_NAME.test(name) || name.length > 255) {
    throw badRequest(`JSON does not validate: '${name}' does not match '^CUSTOM_[A-Z0-9_]+$'`);
  }
}

export async function exists(db: Db, name: string): Promise<boolean> {
  if (STANDARD.has(name)) return true;
  return (await db.selectFrom('placement_resource_classes').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
}

/** The first of `names` that is no resource class, or undefined when all are. */
export async function firstUnknownClass(db: Db, names: Iterable<string>): Promise<string | undefined> {
  for (const n of new Set(names)) if (!(await exists(db, n))) return n;
  return undefined;
}
