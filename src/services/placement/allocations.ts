import type { AuthContext } from '../../platform/auth.ts';
import type { Db } from '../../platform/db/index.ts';
import { capacity, unitViolation } from './capacity.ts';
import { AllocationFailed, badRequest, enforce, GenerationConflict, notFound, now, Raced, retrying, type PlacementDeps } from './deps.ts';
import { ACTIONS } from './policies.ts';
import { firstUnknownClass } from './resource-classes.ts';
import { bumpProvider, inventoriesOf, providerRow, usageOf } from './store.ts';

/** `{provider uuid: {resource class: amount}}`. */
export type ResourceMap = Record<string, Record<string, number>>;

/** The new allocations of one consumer, replacing whatever it had. */
export interface ConsumerAllocations {
  /** Empty removes every allocation of the consumer. */
  allocations: ResourceMap;
  projectId: string;
  userId: string;
  /**
   * Microversion 1.28's guard: null expects no consumer yet, a number its current generation;
   * undefined (older microversions and in-process claims) checks nothing.
   */
  consumerGeneration?: number | null;
}

export interface ConsumerView {
  allocations: Record<string, { generation: number; resources: Record<string, number> }>;
  /** Absent when the consumer has no allocations. */
  consumer?: { projectId: string; userId: string; generation: number };
}

export interface ProviderAllocations {
  generation: number;
  allocations: Record<string, { resources: Record<string, number>; consumerGeneration: number }>;
}

const consumerNotFound = (uuid: string) => notFound(`No allocations for consumer '${uuid}'`);

/**
 * Consumers and their allocations. Every write replaces whole consumers' allocations in one
 * transaction that re-checks capacity after the change and moves each affected provider's
 * generation by compare-and-set, so concurrent writers can never both take the last unit.
 */
export class Allocations {
  constructor(private readonly d: PlacementDeps) {}

  async forConsumer(ctx: AuthContext, consumer: string): Promise<ConsumerView> {
    enforce(this.d, ctx, ACTIONS.allocationList);
    const db = this.d.db;
    const rows = await db.selectFrom('placement_allocations as a').innerJoin('placement_providers as p', 'p.uuid', 'a.provider_uuid')
      .select(['a.provider_uuid', 'a.resource_class', 'a.used', 'p.generation']).where('a.consumer_uuid', '=', consumer).execute();
    const out: ConsumerView = { allocations: {} };
    for (const r of rows) {
      const entry = (out.allocations[r.provider_uuid] ??= { generation: r.generation, resources: {} });
      entry.resources[r.resource_class] = r.used;
    }
    if (rows.length) {
      const c = await db.selectFrom('placement_consumers').selectAll().where('uuid', '=', consumer).executeTakeFirstOrThrow();
      out.consumer = { projectId: c.project_id, userId: c.user_id, generation: c.generation };
    }
    return out;
  }

  async forProvider(ctx: AuthContext, provider: string): Promise<ProviderAllocations> {
    enforce(this.d, ctx, ACTIONS.providerAllocationList);
    const db = this.d.db;
    const p = await providerRow(db, provider);
    const rows = await db.selectFrom('placement_allocations as a').innerJoin('placement_consumers as c', 'c.uuid', 'a.consumer_uuid')
      .select(['a.consumer_uuid', 'a.resource_class', 'a.used', 'c.generation']).where('a.provider_uuid', '=', provider).execute();
    const out: ProviderAllocations = { generation: p.generation, allocations: {} };
    for (const r of rows) {
      const entry = (out.allocations[r.consumer_uuid] ??= { resources: {}, consumerGeneration: r.generation });
      entry.resources[r.resource_class] = r.used;
    }
    return out;
  }

  /** `PUT /allocations/{consumer}`. */
  async set(ctx: AuthContext, consumer: string, a: ConsumerAllocations): Promise<void> {
    enforce(this.d, ctx, ACTIONS.allocationUpdate);
    await this.replace({ [consumer]: a });
  }

  /** `POST /allocations` (1.13): several consumers at once, all or nothing. */
  async setMany(ctx: AuthContext, byConsumer: Record<string, ConsumerAllocations>): Promise<void> {
    enforce(this.d, ctx, ACTIONS.allocationManage);
    await this.replace(byConsumer);
  }

  /** `DELETE /allocations/{consumer}`: unconditional, unlike an empty PUT with a generation. */
  async delete(ctx: AuthContext, consumer: string): Promise<void> {
    enforce(this.d, ctx, ACTIONS.allocationDelete);
    if (!(await this.release(consumer))) throw consumerNotFound(consumer);
  }

  /** Removes every allocation of the consumer; false when it had none. */
  async release(consumer: string): Promise<boolean> {
    return this.d.db.transaction().execute(async (tx) => {
      const res = await tx.deleteFrom('placement_allocations').where('consumer_uuid', '=', consumer).executeTakeFirst();
      await tx.deleteFrom('placement_consumers').where('uuid', '=', consumer).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  /** `GET /resource_providers/{uuid}/usages`: every inventoried class, allocated or not. */
  async providerUsages(ctx: AuthContext, provider: string): Promise<{ generation: number; usages: Record<string, number> }> {
    enforce(this.d, ctx, ACTIONS.providerUsages);
    const db = this.d.db;
    const p = await providerRow(db, provider);
    const used = await usageOf(db, provider);
    const usages: Record<string, number> = {};
    for (const inv of await inventoriesOf(db, provider)) usages[inv.resource_class] = used.get(inv.resource_class) ?? 0;
    return { generation: p.generation, usages };
  }

  /** `GET /usages?project_id=&user_id=` (1.9): what a project (and user) holds, summed over providers. */
  async totalUsages(ctx: AuthContext, projectId: string, userId?: string): Promise<Record<string, number>> {
    enforce(this.d, ctx, ACTIONS.totalUsages);
    let q = this.d.db.selectFrom('placement_allocations as a').innerJoin('placement_consumers as c', 'c.uuid', 'a.consumer_uuid')
      .select(['a.resource_class', (eb) => eb.fn.sum<number>('a.used').as('used')]).where('c.project_id', '=', projectId);
    if (userId !== undefined) q = q.where('c.user_id', '=', userId);
    const rows = await q.groupBy('a.resource_class').execute();
    return Object.fromEntries(rows.map((r) => [r.resource_class, Number(r.used)]));
  }

  /** The one write path: replaces the named consumers' allocations atomically. */
  async replace(byConsumer: Record<string, ConsumerAllocations>): Promise<void> {
    await retrying(this.d.db, (tx) => replaceIn(tx, byConsumer));
  }
}

async function replaceIn(tx: Db, byConsumer: Record<string, ConsumerAllocations>): Promise<void> {
  const consumers = Object.keys(byConsumer);
  const existing = new Map((await tx.selectFrom('placement_consumers').selectAll().where('uuid', 'in', consumers).execute()).map((c) => [c.uuid, c]));
  for (const [uuid, a] of Object.entries(byConsumer)) {
    if (a.consumerGeneration === undefined) continue;
    const have = existing.get(uuid)?.generation ?? null;
    if (have !== a.consumerGeneration) {
      throw new GenerationConflict(`consumer generation conflict - expected ${have === null ? 'null' : have} but got ${a.consumerGeneration}`);
    }
  }
  // Provider rows (and so generations) are read before the capacity check they guard.
  const generations = new Map<string, number>();
  for (const a of Object.values(byConsumer)) {
    for (const provider of Object.keys(a.allocations)) {
      if (generations.has(provider)) continue;
      const row = await tx.selectFrom('placement_providers').select('generation').where('uuid', '=', provider).executeTakeFirst();
      if (!row) throw badRequest(`Allocation for resource provider '${provider}' that does not exist.`);
      generations.set(provider, row.generation);
    }
  }
  const unknown = await firstUnknownClass(tx, Object.values(byConsumer).flatMap((a) => Object.values(a.allocations).flatMap((r) => Object.keys(r))));
  if (unknown) throw badRequest(`Unable to allocate inventory for consumer ${consumers.join(', ')}: No such resource class ${unknown}.`);

  const t = now();
  await tx.deleteFrom('placement_allocations').where('consumer_uuid', 'in', consumers).execute();
  for (const [uuid, a] of Object.entries(byConsumer)) {
    const old = existing.get(uuid);
    const rows = Object.entries(a.allocations).flatMap(([provider, resources]) =>
      Object.entries(resources).map(([resource_class, used]) => ({ consumer_uuid: uuid, provider_uuid: provider, resource_class, used, created_at: t })));
    if (rows.length === 0) {
      // Placement forgets consumers without allocations; a later write starts again from null.
      if (old) await tx.deleteFrom('placement_consumers').where('uuid', '=', uuid).execute();
      continue;
    }
    if (old) {
      const res = await tx.updateTable('placement_consumers').set({ project_id: a.projectId, user_id: a.userId, generation: old.generation + 1, updated_at: t })
        .where('uuid', '=', uuid).where('generation', '=', old.generation).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Raced(`consumer ${uuid} changed concurrently`);
    } else {
      const res = await tx.insertInto('placement_consumers').values({ uuid, project_id: a.projectId, user_id: a.userId, generation: 1, created_at: t, updated_at: t })
        .onConflict((oc) => oc.column('uuid').doNothing()).executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) !== 1) throw new Raced(`consumer ${uuid} created concurrently`);
    }
    await tx.insertInto('placement_allocations').values(rows).execute();
  }

  for (const [provider, generation] of [...generations].sort(([a], [b]) => a.localeCompare(b))) {
    await checkProvider(tx, provider, byConsumer);
    await bumpProvider(tx, provider, generation);
  }
}

/** Every class newly allocated on the provider exists there, respects its units and fits. */
async function checkProvider(tx: Db, provider: string, byConsumer: Record<string, ConsumerAllocations>): Promise<void> {
  const inventories = new Map((await inventoriesOf(tx, provider)).map((i) => [i.resource_class, i]));
  const usage = await usageOf(tx, provider);
  for (const a of Object.values(byConsumer)) {
    for (const [rc, amount] of Object.entries(a.allocations[provider] ?? {})) {
      const inv = inventories.get(rc);
      if (!inv) throw new AllocationFailed(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${provider}' invalid.`, rc, provider);
      if (unitViolation(inv, amount)) {
        throw new AllocationFailed(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${provider}'. The requested amount would violate inventory constraints.`, rc, provider);
      }
      if ((usage.get(rc) ?? 0) > capacity(inv)) {
        throw new AllocationFailed(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${provider}'. The requested amount would exceed the capacity.`, rc, provider);
      }
    }
  }
}
