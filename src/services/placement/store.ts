import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import { now, providerNotFound, Raced } from './deps.ts';
import type { PlacementInventoryTable, PlacementProviderTable } from './tables.ts';

/** Queries several placement modules share; each takes the db or the transaction it runs in. */
export type ProviderRow = Selectable<PlacementProviderTable>;
export type InventoryRow = Selectable<PlacementInventoryTable>;

export async function providerRow(db: Db, uuid: string): Promise<ProviderRow> {
  const row = await db.selectFrom('placement_providers').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!row) throw providerNotFound(uuid);
  return row;
}

/**
 * Moves the provider from generation `expected` to the next, or throws `Raced` when someone
 * else moved it first: the compare-and-set that keeps concurrent writers from both passing
 * a capacity check they each read before the other wrote.
 */
export async function bumpProvider(db: Db, uuid: string, expected: number): Promise<number> {
  const res = await db.updateTable('placement_providers').set({ generation: expected + 1, updated_at: now() })
    .where('uuid', '=', uuid).where('generation', '=', expected).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new Raced(`resource provider generation conflict on ${uuid}`);
  return expected + 1;
}

export async function inventoriesOf(db: Db, uuid: string): Promise<InventoryRow[]> {
  return db.selectFrom('placement_inventories').selectAll().where('provider_uuid', '=', uuid).orderBy('resource_class').execute();
}

/** What is allocated per class on one provider. */
export async function usageOf(db: Db, uuid: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('placement_allocations').select(['resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
    .where('provider_uuid', '=', uuid).groupBy('resource_class').execute();
  return new Map(rows.map((r) => [r.resource_class, Number(r.used)]));
}

/** What is allocated per provider and class, everywhere: `usage.get(provider)?.get(class)`. */
export async function allUsage(db: Db): Promise<Map<string, Map<string, number>>> {
  const rows = await db.selectFrom('placement_allocations').select(['provider_uuid', 'resource_class', (eb) => eb.fn.sum<number>('used').as('used')])
    .groupBy(['provider_uuid', 'resource_class']).execute();
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let m = out.get(r.provider_uuid);
    if (!m) out.set(r.provider_uuid, (m = new Map()));
    m.set(r.resource_class, Number(r.used));
  }
  return out;
}

/** `provider → values` for a two-column link table. */
export function group<T>(rows: { provider_uuid: string; v: T }[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.provider_uuid);
    if (list) list.push(r.v);
    else out.set(r.provider_uuid, [r.v]);
  }
  return out;
}
