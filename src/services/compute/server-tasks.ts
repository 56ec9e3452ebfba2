import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { Controller } from './controller.ts';
import { json, SHUTDOWN_TIMEOUT_S } from './deps.ts';
import { POWER, type EmbeddedFlavor } from './server-model.ts';
import type { InstanceTable } from './tables.ts';

type Row = Selectable<InstanceTable>;

/**
 * The longer server tasks (snapshot, resize and its revert, rebuild), each leaving the server in
 * the state Nova's manager leaves it in; the controller records a fault when one throws.
 */
export async function runLongTask(c: Controller, row: Row): Promise<void> {
  const running = row.power_state === POWER.running || row.power_state === POWER.paused;
  switch (row.task_state) {
    case 'image_snapshot':
      return snapshot(c, row);
    case 'resize_prep': {
      const flavor = json<EmbeddedFlavor>(row.flavor);
      if (running) await c.driver.powerOff(row.id, SHUTDOWN_TIMEOUT_S);
      if (row.image_id !== '' && flavor.disk > 0) await c.driver.growRootDisk(row.id, flavor.disk);
      if (running) await c.driver.powerOn(await c.spec(row));
      return c.save(row.id, { vm_state: 'resized', task_state: null, power_state: running ? POWER.running : POWER.shutdown });
    }
    case 'resize_reverting': {
      // The disk keeps its grown size, as a qcow2 cannot shrink safely under a guest's filesystem.
      const reverted = { ...row, flavor: row.old_flavor ?? row.flavor };
      if (running) await c.driver.powerOff(row.id, SHUTDOWN_TIMEOUT_S);
      if (running) await c.driver.powerOn(await c.spec(reverted));
      return c.save(row.id, { flavor: reverted.flavor, old_flavor: null, vm_state: running ? 'active' : 'stopped', task_state: null });
    }
    case 'rebuilding': {
      await c.driver.destroy(row.id);
      await c.driver.spawn(await c.spec(row));
      return c.save(row.id, { vm_state: 'active', task_state: null, power_state: POWER.running });
    }
    default:
      c.d.log.warn({ serverId: row.id, task: row.task_state }, 'unknown task state cleared');
      return c.save(row.id, { task_state: null });
  }
}

/** Copies the root disk to a standalone qcow2 and uploads it into the image reserved by the API. */
async function snapshot(c: Controller, row: Row): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sovcloud-snapshot-'));
  try {
    const file = join(dir, 'snapshot.qcow2');
    await c.driver.snapshot(row.id, file);
    if (row.snapshot_image_id) await c.peers.images.upload(c.serviceContext(row), row.snapshot_image_id, createReadStream(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await c.save(row.id, { task_state: null, snapshot_image_id: null });
}
