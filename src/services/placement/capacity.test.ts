import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacity, fits, unitViolation, type InventoryNumbers } from './capacity.ts';

const inv = (o: Partial<InventoryNumbers> = {}): InventoryNumbers => ({ total: 8, reserved: 0, min_unit: 1, max_unit: 8, step_size: 1, allocation_ratio: 1, ...o });

test('capacity is (total - reserved) * allocation_ratio, truncated', () => {
  assert.equal(capacity(inv()), 8);
  assert.equal(capacity(inv({ reserved: 2 })), 6);
  assert.equal(capacity(inv({ total: 4, allocation_ratio: 16 })), 64);
  assert.equal(capacity(inv({ total: 10, reserved: 1, allocation_ratio: 1.5 })), 13);
  assert.equal(capacity(inv({ total: 3, allocation_ratio: 0.5 })), 1);
  assert.equal(capacity(inv({ total: 4, reserved: 4 })), 0);
});

test('units: min_unit, max_unit and step_size bound every single allocation', () => {
  const i = inv({ total: 1024, max_unit: 512, min_unit: 64, step_size: 64 });
  assert.equal(unitViolation(i, 32), 'min_unit');
  assert.equal(unitViolation(i, 576), 'max_unit');
  assert.equal(unitViolation(i, 100), 'step_size');
  assert.equal(unitViolation(i, 128), undefined);
});

test('fits: room left after what is used, with the units', () => {
  const i = inv({ total: 4, reserved: 1, allocation_ratio: 2 });
  assert.equal(fits(i, 0, 6), true);
  assert.equal(fits(i, 5, 1), true);
  assert.equal(fits(i, 5, 2), false);
  assert.equal(fits(i, 6, 1), false);
  assert.equal(fits(inv({ max_unit: 2 }), 0, 3), false);
});
