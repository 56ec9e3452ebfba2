import { run, type Run } from './guest.ts';

/** Polls `probe` every second until it returns something other than undefined or false. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Runs `command` on a guest of the tiny image as `sovcloud`, with the key in `keyFile`. */
export function ssh(keyFile: string, ip: string, command: string, timeoutMs = 60_000): Promise<Run> {
  return run('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5', '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR', `sovcloud@${ip}`, command], timeoutMs);
}
