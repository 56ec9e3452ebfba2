import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Process handling the drivers share for the daemons and VMs they leave running. */

export function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The argv of a live process; null when it is gone or a zombie (whose cmdline is empty). */
export async function cmdline(pid: number): Promise<string[] | null> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw ? raw.split('\0').slice(0, -1) : null;
}

/** Whether every one of `pids` is gone within `ms`. */
export async function waitForExit(pids: number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const alive = await Promise.all(pids.map(async (pid) => (await cmdline(pid)) !== null));
    if (!alive.includes(true)) return true;
    if (Date.now() >= until) return false;
    await sleep(20);
  }
}

/**
 * SIGTERM, then SIGKILL for whatever still runs after `graceMs`; resolves with the pids that
 * survived even that (none, normally).
 */
export async function terminate(pids: number[], graceMs: number): Promise<number[]> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    pids.forEach((pid) => signalIfAlive(pid, signal));
    if (await waitForExit(pids, signal === 'SIGTERM' ? graceMs : 5000)) return [];
  }
  return (await Promise.all(pids.map(async (pid) => ((await cmdline(pid)) ? pid : 0)))).filter(Boolean);
}
