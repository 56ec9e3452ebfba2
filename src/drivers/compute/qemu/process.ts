import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { cmdline, terminate as terminateProcesses, waitForExit as waitForProcesses } from '../../../platform/processes.ts';
import { ComputeBackendError } from '../../../services/compute/driver.ts';
import { run } from './exec.ts';
import type { InstanceFiles } from './files.ts';

/**
 * QEMU processes outlive the server: each daemonizes into its own session and is found again by
 * its pid file. A pid counts only while /proc shows a QEMU with the instance's id on its command
 * line, so a recycled pid is never signalled; a zombie (empty command line) counts as gone.
 */
export async function findQemu(files: InstanceFiles): Promise<number | null> {
  const pid = Number((await readFile(files.pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const argv = await cmdline(pid);
  if (argv === null || !basename(argv[0] ?? '').startsWith('qemu-system-') || !argv.includes(files.id)) return null;
  return pid;
}

/**
 * Runs a daemonizing QEMU command line, in `namespace` when given, and resolves once QEMU has
 * finished starting (its launcher exits then, with QEMU's start-up errors on stderr).
 */
export async function launch(argv: string[], namespace: string | null): Promise<void> {
  const [cmd, ...args] = namespace === null ? argv : ['ip', 'netns', 'exec', namespace, ...argv];
  await run(cmd!, args, { detached: true, timeoutMs: 60_000 });
}

/** Whether the process is gone within `ms`. */
export function waitForExit(pid: number, ms: number): Promise<boolean> {
  return waitForProcesses([pid], ms);
}

/** SIGTERM (QEMU then flushes its disks and exits), SIGKILL after `graceMs`. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  if ((await terminateProcesses([pid], graceMs)).length > 0) throw new ComputeBackendError(`QEMU process ${pid} survived SIGKILL.`);
}

/** Forgets a process that is gone: its pid file and its sockets. */
export async function removeRunFiles(files: InstanceFiles): Promise<void> {
  await Promise.all([files.pidFile, files.qmpSocket, files.serialSocket].map((path) => rm(path, { force: true })));
}


