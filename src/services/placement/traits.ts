import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { badRequest, conflict, CUSTOM_NAME, enforce, notFound, now, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { STANDARD_TRAITS } from './standard.ts';

export interface TraitFilter {
  /** `name=in:A,B`. */
  names?: string[];
  /** `name=startswith:PREFIX`. */
  prefix?: string;
  /** Only traits some provider has (true) or none has (false). */
  associated?: boolean;
}

const traitsNotFound = (names: string[]) => notFound(`No such trait(s): ${names.join(', ')}.`);

/** The standard traits (code, os-traits) and CUSTOM_* ones (rows). */
export class Traits {
  constructor(private readonly d: PlacementDeps) {}

  async list(ctx: AuthContext, f: TraitFilter = {}): Promise<string[]> {
    enforce(this.d, ctx, ACTIONS.traitList);
    const custom = (await this.d.db.selectFrom('placement_traits').select('name').execute()).map((r) => r.name);
    let names = [...STANDARD_TRAITS, ...custom];
    if (f.names) names = names.filter((n) => f.names!.includes(n));
    if (f.prefix !== undefined) names = names.filter((n) => n.startsWith(f.prefix!));
    if (f.associated !== undefined) {
      const used = new Set((await this.d.db.selectFrom('placement_provider_traits').select('trait').distinct().execute()).map((r) => r.trait));
      names = names.filter((n) => used.has(n) === f.associated);
    }
    return names.sort();
  }

  /** Whether the trait exists; the answer to `GET /traits/{name}`. */
  async show(ctx: AuthContext, name: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.traitShow);
    if (!(await traitExists(this.d.db, name))) throw traitsNotFound([name]);
  }

  /** Creates a custom trait; false when it existed already. */
  async ensure(ctx: AuthContext, name: string): Promise<boolean> {
    enforce(this.d, ctx, ACTIONS.traitUpdate);
    if (!CUSTOM_NAME.test(name) || name.length > 255) {
      throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
    }
    return insertTrait(this.d.db, name);
  }

  async delete(ctx: AuthContext, name: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.traitDelete);
    if (STANDARD_TRAITS.has(name)) throw badRequest(`Cannot delete standard trait ${name}.`);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await traitExists(tx, name))) throw traitsNotFound([name]);
      const used = await tx.selectFrom('placement_provider_traits').select('provider_uuid').where('trait', '=', name).executeTakeFirst();
      if (used) throw conflict(`The trait ${name} is in use by a resource provider.`);
      await tx.deleteFrom('placement_traits').where('name', '=', name).execute();
    });
  }
}

export async function traitExists(db: Db, name: string): Promise<boolean> {
  if (STANDARD_TRAITS.has(name)) return true;
  return (await db.selectFrom('placement_traits').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
}

export async function insertTrait(db: Db, name: string): Promise<boolean> {
  if (STANDARD_TRAITS.has(name)) return false;
  const res = await db.insertInto('placement_traits').values({ name, created_at: now() })
    .onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The names among `names` that are no trait, in the order given. */
export async function unknownTraits(db: Db, names: Iterable<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const n of new Set(names)) if (!(await traitExists(db, n))) missing.push(n);
  return missing;
}
