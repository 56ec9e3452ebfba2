import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * The pid of the `sovcloud up` node process serving `stateDir`: the one whose command line names
 * it. Tests kill it with SIGKILL to simulate a crash (the harness only stops servers cleanly).
 */
export async function serverPid(stateDir: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      const at = args.indexOf('--state-dir');
      if (args.includes('up') && at >= 0 && args[at + 1] === stateDir && (await readlink(`/proc/${entry}/exe`)).includes('node')) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no sovcloud process for ${stateDir}`);
}
