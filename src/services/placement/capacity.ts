/** The numbers of one inventory record, as upstream names them. */
export interface InventoryNumbers {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

/** Upstream's `int((total - reserved) * allocation_ratio)`: what allocations may add up to. */
export function capacity(inv: Pick<InventoryNumbers, 'total' | 'reserved' | 'allocation_ratio'>): number {
  return Math.trunc((inv.total - inv.reserved) * inv.allocation_ratio);
}

/** Why `amount` is not a valid single allocation of the inventory, or undefined if it is. */
export function unitViolation(inv: InventoryNumbers, amount: number): 'min_unit' | 'max_unit' | 'step_size' | undefined {
  if (amount < inv.min_unit) return 'min_unit';
  if (amount > inv.max_unit) return 'max_unit';
  if (amount % inv.step_size !== 0) return 'step_size';
  return undefined;
}

/** Whether `amount` more fits beside `used` already allocated, units included. */
export function fits(inv: InventoryNumbers, used: number, amount: number): boolean {
  return unitViolation(inv, amount) === undefined && used + amount <= capacity(inv);
}
