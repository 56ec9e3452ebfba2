import type { InventoryNumbers } from './capacity.ts';
/** Placement's tables; timestamps are ISO-8601 text, as in the other services. */
export interface PlacementProviderTable {
  uuid: string;
  name: string;
  /** Bumped by every change to inventory, traits, aggregates or allocations against the provider. */
  generation: number;
  parent_uuid: string | null;
  root_uuid: string;
  created_at: string;
  updated_at: string;
}

export interface PlacementInventoryTable extends InventoryNumbers {
  provider_uuid: string;
  resource_class: string;
  created_at: string;
  updated_at: string;
}

/** Only CUSTOM_* classes; the standard ones are code (os-resource-classes). */
export interface PlacementResourceClassTable {
  name: string;
  created_at: string;
}

/** Only CUSTOM_* traits; the standard ones are code (os-traits). */
export interface PlacementTraitTable {
  name: string;
  created_at: string;
}

export interface PlacementProviderTraitTable {
  provider_uuid: string;
  trait: string;
}

export interface PlacementProviderAggregateTable {
  provider_uuid: string;
  aggregate_uuid: string;
}

export interface PlacementConsumerTable {
  uuid: string;
  project_id: string;
  user_id: string;
  /** Bumped by every change to the consumer's allocations (microversion 1.28). */
  generation: number;
  created_at: string;
  updated_at: string;
}

export interface PlacementAllocationTable {
  consumer_uuid: string;
  provider_uuid: string;
  resource_class: string;
  used: number;
  created_at: string;
}

export interface PlacementTables {
  placement_providers: PlacementProviderTable;
  placement_inventories: PlacementInventoryTable;
  placement_resource_classes: PlacementResourceClassTable;
  placement_traits: PlacementTraitTable;
  placement_provider_traits: PlacementProviderTraitTable;
  placement_provider_aggregates: PlacementProviderAggregateTable;
  placement_consumers: PlacementConsumerTable;
  placement_allocations: PlacementAllocationTable;
}
