import { spawn } from 'node:child_process';
import { ComputeBackendError } from '../../../services/compute/driver.ts';

/**
 * Runs `cmd` without a shell and resolves with its stdout. Failures carry the command's stderr,
 * which is what an operator needs in the instance's fault.
 */
export function run(cmd: string, args: string[], options: { timeoutMs?: number; detached?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // `detached` keeps a launcher (whose daemon outlives us) out of the server's process group.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
    let out = '';
    let err = '';
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-4096); });
    child.once('error', (e) => { clearTimeout(timer); reject(new ComputeBackendError(`${cmd} could not run: ${e.message}`, { cause: e })); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new ComputeBackendError(`${cmd} ${args.slice(0, 3).join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}
