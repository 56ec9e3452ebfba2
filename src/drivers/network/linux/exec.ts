import { spawn } from 'node:child_process';
import { NetworkBackendError } from './errors.ts';

/**
 * Runs `cmd` without a shell and resolves with its stdout; `input` goes to its stdin. Failures
 * carry the command's stderr.
 */
export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-4096); });
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // the exit status says why it stopped reading
      child.stdin!.end(input);
    }
    child.once('error', (e) => reject(new NetworkBackendError(`${cmd} could not run: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new NetworkBackendError(`${cmd} ${args.slice(0, 4).join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

/** `ip` in network namespace `ns`, or in the host's own when `ns` is null. */
export function ip(ns: string | null, args: string[]): Promise<string> {
  return run('ip', ns === null ? args : ['-n', ns, ...args]);
}

export async function ipJson<T>(ns: string | null, args: string[]): Promise<T[]> {
  const out = await ip(ns, ['-j', ...args]);
  return out.trim() ? (JSON.parse(out) as T[]) : [];
}

/** Several `ip` commands in one process; stops at the first that fails. */
export async function ipBatch(ns: string | null, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('ip', [...(ns === null ? [] : ['-n', ns]), '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Applies an nft script as one transaction: all of it or nothing. */
export async function nft(ns: string | null, script: string): Promise<void> {
  if (ns === null) await run('nft', ['-f', '-'], script);
  else await run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], script);
}

/** Sets sysctls as seen from inside `ns` (the `net.*` ones are per namespace). */
export async function sysctl(ns: string, settings: Record<string, string | number>): Promise<void> {
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

export interface AddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

export interface Link {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  address?: string;
  master?: string;
  ifalias?: string;
  addr_info?: AddrInfo[];
}
