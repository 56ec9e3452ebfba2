import type { Db } from '../../platform/db/index.ts';
import type { PolicyEngine } from '../../platform/policy/engine.ts';
import { Allocations } from './allocations.ts';
import { AllocationCandidates } from './candidates.ts';
import { badRequest, normalUuid, retrying, UUID, type Logger, type PlacementDeps } from './deps.ts';
import { Inventories, MAX_INT, type InventoryInput } from './inventories.ts';
import { placementPolicies } from './policies.ts';
import { Providers } from './providers.ts';
import { ResourceClasses } from './resource-classes.ts';
import { insertTrait, Traits } from './traits.ts';

export { AllocationFailed, CODES, coded, GenerationConflict, normalUuid, type Coded } from './deps.ts';
export type { ConsumerAllocations, ConsumerView, ProviderAllocations, ResourceMap } from './allocations.ts';
export type { AllocationRequest, CandidateRequest, Candidates, ProviderSummary, RequestGroup } from './candidates.ts';
export type { InventoryNumbers } from './capacity.ts';
export type { InventoryInput, ProviderInventories } from './inventories.ts';
export type { Provider, ProviderFilter, Tagged } from './providers.ts';
export type { ResourceClass } from './resource-classes.ts';
export type { TraitFilter } from './traits.ts';

/** What the compute service says about a host's capacity in `ensureProvider`. */
export interface HostInventory {
  total: number;
  reserved?: number;
  allocationRatio?: number;
  maxUnit?: number;
}

/**
 * OpenStack Placement: the HTTP layer uses the collections (each checks policy on an
 * `AuthContext`); the compute scheduler uses the four in-process methods, which need no token.
 */
export interface Placement {
  providers: Providers;
  inventories: Inventories;
  resourceClasses: ResourceClasses;
  traits: Traits;
  allocations: Allocations;
  allocationCandidates: AllocationCandidates;
  /**
   * Leaves a root provider `uuid` named `name` with exactly these inventories (and, when given,
   * exactly these traits; unknown CUSTOM_* ones are created). Idempotent; refuses with
   * `placement.inventory.inuse` to drop a class, or shrink it, below what is allocated.
   */
  ensureProvider(name: string, uuid: string, inventories: Record<string, HostInventory>, traits?: string[]): Promise<void>;
  /**
   * Replaces the consumer's allocations with `resources` on one provider, atomically: either all
   * fit or nothing changes and `AllocationFailed` names the class that did not fit.
   */
  claim(consumerId: string, providerId: string, resources: Record<string, number>, projectId: string, userId: string): Promise<void>;
  /** Removes every allocation of the consumer; releasing an unknown consumer succeeds. */
  release(consumerId: string): Promise<void>;
  /** The providers that alone have room for all of `resources` now, in creation order. */
  candidates(resources: Record<string, number>): Promise<string[]>;
}

export function createPlacement(db: Db, policy: PolicyEngine, log: Logger): Placement {
  policy.registerDefaults(placementPolicies());
  const d: PlacementDeps = { db, policy, log };
  const providers = new Providers(d);
  const inventories = new Inventories(d);
  const allocations = new Allocations(d);
  const allocationCandidates = new AllocationCandidates(d);
  return {
    providers, inventories, allocations, allocationCandidates,
    resourceClasses: new ResourceClasses(d),
    traits: new Traits(d),

    async ensureProvider(name, uuid, wanted, traits) {
      if (!UUID.test(uuid)) throw badRequest(`Malformed resource provider uuid: ${uuid}`);
      const id = normalUuid(uuid);
      const inputs: Record<string, InventoryInput> = {};
      for (const [rc, i] of Object.entries(wanted)) {
        inputs[rc] = { total: i.total, reserved: i.reserved ?? 0, allocation_ratio: i.allocationRatio ?? 1.0, ...(i.maxUnit === undefined ? {} : { max_unit: i.maxUnit }) };
      }
      await retrying(db, async (tx) => {
        const row = await tx.selectFrom('placement_providers').select(['name']).where('uuid', '=', id).executeTakeFirst();
        if (!row) await providers.insert({ name, uuid: id }, tx);
        else if (row.name !== name) await tx.updateTable('placement_providers').set({ name }).where('uuid', '=', id).execute();
        const current = await tx.selectFrom('placement_inventories').selectAll().where('provider_uuid', '=', id).execute();
        if (!sameInventory(current, inputs)) await inventories.replaceAll(id, inputs, { reservedMayEqualTotal: true }, undefined, tx);
        if (traits) {
          for (const t of traits) if (t.startsWith('CUSTOM_')) await insertTrait(tx, t);
          const have = (await tx.selectFrom('placement_provider_traits').select('trait').where('provider_uuid', '=', id).execute()).map((r) => r.trait);
          if (have.sort().join() !== [...new Set(traits)].sort().join()) await providers.replaceTraits(id, traits, undefined, tx);
        }
      });
      log.info({ provider: id, name }, 'resource provider ensured');
    },

    async claim(consumerId, providerId, resources, projectId, userId) {
      await allocations.replace({ [consumerId]: { allocations: { [providerId]: resources }, projectId, userId } });
    },

    async release(consumerId) {
      await allocations.release(consumerId);
    },

    async candidates(resources) {
      const found = await allocationCandidates.search({
        groups: [{ suffix: 'host', resources, required: [], forbidden: [], memberOf: [] }], isolate: false, nested: true,
      });
      return [...new Set(found.allocationRequests.map((r) => Object.keys(r.allocations)[0]!))];
    },
  };
}

/** Whether the stored rows already say what `inputs` says (after defaults), so nothing moves the generation. */
function sameInventory(rows: { resource_class: string; total: number; reserved: number; min_unit: number; max_unit: number; step_size: number; allocation_ratio: number }[],
  inputs: Record<string, InventoryInput>): boolean {
  if (rows.length !== Object.keys(inputs).length) return false;
  return rows.every((r) => {
    const i = inputs[r.resource_class];
    return i !== undefined && r.total === i.total && r.reserved === (i.reserved ?? 0) && r.allocation_ratio === (i.allocation_ratio ?? 1)
      && r.max_unit === (i.max_unit ?? MAX_INT) && r.min_unit === 1 && r.step_size === 1;
  });
}

