import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { capacity, type InventoryNumbers } from './capacity.ts';
import { badRequest, CODES, conflict, enforce, GenerationConflict, notFound, now, retrying, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { firstUnknownClass } from './resource-classes.ts';
import { bumpProvider, inventoriesOf, providerRow, usageOf, type InventoryRow } from './store.ts';

/** What a client may send for one class; omitted fields take upstream's defaults. */
export type InventoryInput = Pick<InventoryNumbers, 'total'> & Partial<Omit<InventoryNumbers, 'total'>>;

export interface ProviderInventories {
  generation: number;
  inventories: Record<string, InventoryNumbers>;
}

export interface InventoryOptions {
  /** Microversion 1.26 lets `reserved` equal `total` (a provider kept wholly in reserve). */
  reservedMayEqualTotal: boolean;
}

/** MySQL's signed INT, upstream's column limit. */
export const MAX_INT = 2147483647;
/** The largest single-precision float, upstream's limit for allocation_ratio. */
const MAX_RATIO = 3.40282e38;

const numbers = (r: InventoryRow): InventoryNumbers => ({
  total: r.total, reserved: r.reserved, min_unit: r.min_unit, max_unit: r.max_unit, step_size: r.step_size, allocation_ratio: r.allocation_ratio,
});

/** Applies upstream's defaults and range checks to one class's numbers. */
function withDefaults(i: InventoryInput): InventoryNumbers {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v)) throw badRequest(`JSON does not validate: ${JSON.stringify(v)} is not of type 'integer' (${name})`);
    if (v < min) throw badRequest(`JSON does not validate: ${v} is less than the minimum of ${min} (${name})`);
    if (v > MAX_INT) throw badRequest(`JSON does not validate: ${v} is greater than the maximum of ${MAX_INT} (${name})`);
    return v;
  };
  const ratio = i.allocation_ratio ?? 1.0;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0 || ratio > MAX_RATIO) {
    throw badRequest(`JSON does not validate: ${JSON.stringify(ratio)} is not a valid allocation_ratio`);
  }
  return {
    total: int('total', i.total, 1),
    reserved: int('reserved', i.reserved ?? 0, 0),
    min_unit: int('min_unit', i.min_unit ?? 1, 1),
    max_unit: int('max_unit', i.max_unit ?? MAX_INT, 1),
    step_size: int('step_size', i.step_size ?? 1, 1),
    allocation_ratio: ratio,
  };
}

/** A provider's inventory per resource class, guarded by the provider generation. */
export class Inventories {
  constructor(private readonly d: PlacementDeps) {}

  async list(ctx: AuthContext, uuid: string): Promise<ProviderInventories> {
    enforce(this.d, ctx, ACTIONS.inventoryList);
    return read(this.d.db, uuid);
  }

  async get(ctx: AuthContext, uuid: string, resourceClass: string): Promise<{ generation: number; inventory: InventoryNumbers }> {
    enforce(this.d, ctx, ACTIONS.inventoryShow);
    const all = await read(this.d.db, uuid);
    const inventory = all.inventories[resourceClass];
    if (!inventory) throw notFound(`No inventory of class ${resourceClass} for ${uuid}`);
    return { generation: all.generation, inventory };
  }

  /** `POST .../inventories`: adds one class that must not be there yet. */
  async create(ctx: AuthContext, uuid: string, generation: number, resourceClass: string, input: InventoryInput, o: InventoryOptions): Promise<{ generation: number; inventory: InventoryNumbers }> {
    enforce(this.d, ctx, ACTIONS.inventoryCreate);
    const inv = withDefaults(input);
    return retrying(this.d.db, async (tx) => {
      const current = await read(tx, uuid);
      checkGeneration(current.generation, generation);
      if (current.inventories[resourceClass]) throw conflict(`Update conflict: Inventory for ${resourceClass} on resource provider ${uuid} already exists.`, CODES.concurrentUpdate);
      const next = await write(tx, uuid, current, { ...current.inventories, [resourceClass]: inv }, o, 'create');
      return { generation: next, inventory: inv };
    });
  }

  /** `PUT .../inventories`: replaces the whole set, removing classes not named. */
  async replace(ctx: AuthContext, uuid: string, generation: number, inputs: Record<string, InventoryInput>, o: InventoryOptions): Promise<ProviderInventories> {
    enforce(this.d, ctx, ACTIONS.inventoryUpdate);
    return this.replaceAll(uuid, inputs, o, generation);
  }

  /** Replaces the whole set, checking the client's generation when it sent one. */
  async replaceAll(uuid: string, inputs: Record<string, InventoryInput>, o: InventoryOptions, generation?: number, db: Db = this.d.db): Promise<ProviderInventories> {
    const wanted = Object.fromEntries(Object.entries(inputs).map(([rc, i]) => [rc, withDefaults(i)]));
    const work = async (tx: Db) => {
      const current = await read(tx, uuid);
      if (generation !== undefined) checkGeneration(current.generation, generation);
      const next = await write(tx, uuid, current, wanted, o, 'update');
      return { generation: next, inventories: wanted };
    };
    return db.isTransaction ? work(db) : retrying(db, work);
  }

  /** `PUT .../inventories/{class}`: updates one class, which must exist. */
  async update(ctx: AuthContext, uuid: string, generation: number, resourceClass: string, input: InventoryInput, o: InventoryOptions): Promise<{ generation: number; inventory: InventoryNumbers }> {
    enforce(this.d, ctx, ACTIONS.inventoryUpdate);
    const inv = withDefaults(input);
    return retrying(this.d.db, async (tx) => {
      const current = await read(tx, uuid);
      checkGeneration(current.generation, generation);
      if (!current.inventories[resourceClass]) {
        throw badRequest(`No inventory record with resource class for resource provider ${uuid}: No inventory of class ${resourceClass} found.`);
      }
      const next = await write(tx, uuid, current, { ...current.inventories, [resourceClass]: inv }, o, 'update');
      return { generation: next, inventory: inv };
    });
  }

  /** `DELETE .../inventories/{class}`: refused while anything is allocated from it. */
  async delete(ctx: AuthContext, uuid: string, resourceClass: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.inventoryDelete);
    await retrying(this.d.db, async (tx) => {
      const current = await read(tx, uuid);
      if (!current.inventories[resourceClass]) {
        throw notFound(`No inventory of class ${resourceClass} found for delete: No inventory of class ${resourceClass} found for resource provider ${uuid}.`);
      }
      const rest = { ...current.inventories };
      delete rest[resourceClass];
      await write(tx, uuid, current, rest, { reservedMayEqualTotal: true }, 'delete');
    });
  }

  /** `DELETE .../inventories` (1.5): removes every class, refused while anything is allocated. */
  async clear(ctx: AuthContext, uuid: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.inventoryDelete);
    await retrying(this.d.db, async (tx) => {
      await write(tx, uuid, await read(tx, uuid), {}, { reservedMayEqualTotal: true }, 'delete');
    });
  }
}

async function read(db: Db, uuid: string): Promise<ProviderInventories> {
  const row = await providerRow(db, uuid);
  const rows = await inventoriesOf(db, uuid);
  return { generation: row.generation, inventories: Object.fromEntries(rows.map((r) => [r.resource_class, numbers(r)])) };
}

function checkGeneration(current: number, sent: number): void {
  if (current !== sent) throw new GenerationConflict('resource provider generation conflict');
}

/**
 * Makes the provider's inventory exactly `wanted`: refuses unknown classes, impossible
 * capacities, removing a class that is allocated and shrinking a class below what is allocated
 * from it; then moves the generation on. Returns the new generation.
 */
async function write(tx: Db, uuid: string, current: ProviderInventories, wanted: Record<string, InventoryNumbers>, o: InventoryOptions, verb: 'create' | 'update' | 'delete'): Promise<number> {
  const unknown = await firstUnknownClass(tx, Object.keys(wanted));
  if (unknown) throw badRequest(`Unknown resource class in inventory for resource provider ${uuid}: No such resource class ${unknown}.`);
  for (const [rc, inv] of Object.entries(wanted)) {
    const cap = capacity(inv);
    if (o.reservedMayEqualTotal ? cap < 0 || inv.reserved > inv.total : cap <= 0) {
      const why = o.reservedMayEqualTotal ? 'The reserved value is greater than total.' : 'The reserved value is greater than or equal to total.';
      throw badRequest(`Unable to ${verb} inventory for resource provider ${uuid}: Invalid inventory for '${rc}' on resource provider '${uuid}'. ${why}`);
    }
  }
  const usage = await usageOf(tx, uuid);
  for (const [rc, used] of usage) {
    if (used <= 0) continue;
    const inv = wanted[rc];
    if (!inv) throw conflict(`update conflict: Inventory for '${rc}' on resource provider '${uuid}' in use.`, CODES.inventoryInUse);
    if (capacity(inv) < used) {
      throw conflict(`update conflict: Inventory for '${rc}' on resource provider '${uuid}' in use: ${used} allocated exceeds the new capacity of ${capacity(inv)}.`, CODES.inventoryInUse);
    }
  }
  const t = now();
  for (const rc of Object.keys(current.inventories)) {
    if (!wanted[rc]) await tx.deleteFrom('placement_inventories').where('provider_uuid', '=', uuid).where('resource_class', '=', rc).execute();
  }
  for (const [rc, inv] of Object.entries(wanted)) {
    await tx.insertInto('placement_inventories').values({ provider_uuid: uuid, resource_class: rc, ...inv, created_at: t, updated_at: t })
      .onConflict((oc) => oc.columns(['provider_uuid', 'resource_class']).doUpdateSet({ ...inv, updated_at: t })).execute();
  }
  return bumpProvider(tx, uuid, current.generation);
}

