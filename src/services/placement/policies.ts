/**
 * Placement's policies: every API operation is for admins, as upstream's defaults before
 * secure RBAC. The compute scheduler uses the in-process interface, which needs no token.
 * Rules are inlined rather than shared through an `admin_api` rule, whose name other services use.
 */
export const ACTIONS = {
  providerList: 'placement:resource_providers:list',
  providerCreate: 'placement:resource_providers:create',
  providerShow: 'placement:resource_providers:show',
  providerUpdate: 'placement:resource_providers:update',
  providerDelete: 'placement:resource_providers:delete',
  inventoryList: 'placement:resource_providers:inventories:list',
  inventoryCreate: 'placement:resource_providers:inventories:create',
  inventoryShow: 'placement:resource_providers:inventories:show',
  inventoryUpdate: 'placement:resource_providers:inventories:update',
  inventoryDelete: 'placement:resource_providers:inventories:delete',
  aggregateList: 'placement:resource_providers:aggregates:list',
  aggregateUpdate: 'placement:resource_providers:aggregates:update',
  providerUsages: 'placement:resource_providers:usages',
  totalUsages: 'placement:usages',
  providerTraitList: 'placement:resource_providers:traits:list',
  providerTraitUpdate: 'placement:resource_providers:traits:update',
  providerTraitDelete: 'placement:resource_providers:traits:delete',
  traitList: 'placement:traits:list',
  traitShow: 'placement:traits:show',
  traitUpdate: 'placement:traits:update',
  traitDelete: 'placement:traits:delete',
  classList: 'placement:resource_classes:list',
  classCreate: 'placement:resource_classes:create',
  classShow: 'placement:resource_classes:show',
  classUpdate: 'placement:resource_classes:update',
  classDelete: 'placement:resource_classes:delete',
  allocationList: 'placement:allocations:list',
  allocationManage: 'placement:allocations:manage',
  allocationUpdate: 'placement:allocations:update',
  allocationDelete: 'placement:allocations:delete',
  providerAllocationList: 'placement:resource_providers:allocations:list',
  candidateList: 'placement:allocation_candidates:list',
} as const;

export function placementPolicies(): Record<string, string> {
  return Object.fromEntries(Object.values(ACTIONS).map((a) => [a, 'role:admin']));
}
