import { rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComputeBackendError } from '../../../services/compute/driver.ts';
import type { InstanceFiles } from './files.ts';
import { findQemu } from './process.ts';
import { withQmp } from './qmp.ts';

/** Saving or restoring guest memory: a few GiB at disk speed. */
const TIMEOUT_MS = 600_000;

/**
 * Suspend and resume as migration to and from a file, the way libvirt's managed save works:
 * QEMU 7.2 has no `file:` migration, so `exec:` runs `cat` through /bin/sh.
 *
 * Afterwards the guest's memory and device state are in `files.memory` and its vCPUs are stopped
 * (the caller ends the process). On failure no file is left and the guest runs as before.
 */
export async function saveMemory(files: InstanceFiles, wasRunning: boolean): Promise<void> {
  const partial = `${files.memory}.partial`;
  try {
    await withQmp(files.qmpSocket, async (qmp) => {
      // A stopped guest dirties no pages, so one pass writes everything.
      await qmp.execute('stop');
      await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 2 ** 40 });
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(partial)}` });
    });
    await waitFor(files, 'saving', async () => {
      const m = await withQmp(files.qmpSocket, (qmp) => qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate'));
      if (m.status === 'failed' || m.status === 'cancelled') throw new ComputeBackendError(`Saving the memory of instance ${files.id} failed: ${m['error-desc'] ?? m.status}`);
      return m.status === 'completed';
    });
    await rename(partial, files.memory);
  } catch (err) {
    await rm(partial, { force: true });
    if (wasRunning) await withQmp(files.qmpSocket, (qmp) => qmp.execute('cont')).catch(() => {});
    throw err;
  }
}

/** Loads `files.memory` into a QEMU started with `-incoming defer` and lets the guest run. */
export async function restoreMemory(files: InstanceFiles): Promise<void> {
  await withQmp(files.qmpSocket, (qmp) => qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(files.memory)}` }));
  // QEMU exits when the incoming state does not fit its devices.
  await waitFor(files, 'restoring', async () => {
    const { status } = await withQmp(files.qmpSocket, (qmp) => qmp.execute<{ status: string }>('query-status'));
    return status !== 'inmigrate';
  });
  await withQmp(files.qmpSocket, (qmp) => qmp.execute('cont'));
}

/** Polls `done`, one short QMP session at a time so others can query the instance meanwhile. */
async function waitFor(files: InstanceFiles, doing: string, done: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + TIMEOUT_MS;
  for (;;) {
    if ((await findQemu(files)) === null) throw new ComputeBackendError(`QEMU for instance ${files.id} exited while ${doing} its memory.`);
    if (await done()) return;
    if (Date.now() > until) throw new ComputeBackendError(`${doing} the memory of instance ${files.id} took longer than ${TIMEOUT_MS / 1000} s.`);
    await sleep(100);
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
