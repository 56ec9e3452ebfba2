import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cmdline, terminate as terminateProcesses } from '../../../platform/processes.ts';
import { NetworkBackendError } from './errors.ts';
import { run } from './exec.ts';

/**
 * Long-lived helpers (dnsmasq, haproxy, radvd) outlive the server process: each forks into its own
 * session and is found again by its pid file. A pid is trusted only while /proc shows that binary
 * holding that pid file on its command line, so a recycled pid is never signalled.
 */
export interface Daemon {
  pid: number;
  argv: string[];
}

/** How long a daemon may take to write its pid file, or to exit once told to. */
const GRACE_MS = 3000;

export async function findDaemon(pidFile: string, binary: string): Promise<Daemon | null> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  const argv = await cmdline(pid);
  if (argv === null || basename(argv[0] ?? '') !== binary || !argv.some((a) => a.includes(pidFile))) return null;
  return { pid, argv };
}

/**
 * Starts `argv` inside `ns` and resolves once its pid file names it. The daemons report start-up
 * failures through the launcher's exit status; `detached` keeps even the launcher out of the
 * server's process group, so a signal to that group cannot hit it half-way.
 */
export async function startDaemon(ns: string, argv: string[], pidFile: string): Promise<Daemon> {
  const binary = argv[0]!;
  await rm(pidFile, { force: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-4096); });
    child.once('error', (e) => reject(new NetworkBackendError(`${binary} could not run: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new NetworkBackendError(`${binary} did not start in ${ns} (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
  // radvd writes its pid file only after the launcher has returned.
  for (let waited = 0; waited < GRACE_MS; waited += 20) {
    const daemon = await findDaemon(pidFile, binary);
    if (daemon) return daemon;
    await sleep(20);
  }
  throw new NetworkBackendError(`${binary} in ${ns} exited right after start.`);
}

export async function stopDaemon(pidFile: string, binary: string): Promise<void> {
  const daemon = await findDaemon(pidFile, binary);
  if (daemon) await terminate([daemon.pid]);
  await rm(pidFile, { force: true });
}

/** Every process in a namespace the driver owns is one of its daemons (or a leftover of one). */
export async function stopNamespaceProcesses(ns: string): Promise<void> {
  const out = await run('ip', ['netns', 'pids', ns]);
  await terminate(out.split('\n').filter(Boolean).map(Number));
}

/** SIGTERM, then SIGKILL for whatever is still alive after a grace period. */
async function terminate(pids: number[]): Promise<void> {
  const survivors = await terminateProcesses(pids, GRACE_MS);
  if (survivors.length > 0) throw new NetworkBackendError(`Processes ${survivors.join(', ')} survived SIGKILL.`);
}
