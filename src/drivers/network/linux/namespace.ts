import { readdir } from 'node:fs/promises';
import { stopNamespaceProcesses } from './daemon.ts';
import { ip, ipBatch, ipJson, type Link, run, sysctl } from './exec.ts';

/** Named network namespaces; reading iproute2's directory spares a process per call. */
export async function listNamespaces(): Promise<string[]> {
  try {
    return await readdir('/run/netns');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Creates `ns` with its loopback up and `settings` applied, or leaves an existing one alone. */
export async function ensureNamespace(ns: string, settings: Record<string, string | number>): Promise<void> {
  if ((await listNamespaces()).includes(ns)) return;
  await run('ip', ['netns', 'add', ns]);
  try {
    await ip(ns, ['link', 'set', 'lo', 'up']);
    if (Object.keys(settings).length > 0) await sysctl(ns, settings);
  } catch (err) {
    // A half-set-up namespace would pass for a finished one on the next call.
    await run('ip', ['netns', 'del', ns]).catch(() => {});
    throw err;
  }
}

/**
 * Afterwards `ns` is gone with everything in it. Its processes go first, since they would keep
 * it alive unnamed; its links go explicitly, since the kernel drops those of a dead namespace
 * (and their peers on the bridges) only some time later.
 */
export async function removeNamespace(ns: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) return;
  await stopNamespaceProcesses(ns);
  const links = (await ipJson<Link>(ns, ['link', 'show'])).filter((l) => l.ifname !== 'lo');
  await ipBatch(ns, links.map((l) => `link del ${l.ifname}`));
  await run('ip', ['netns', 'del', ns]);
}
