import { spawn } from 'node:child_process';
import { VolumeBackendError } from '../../services/block-storage/driver.ts';

/** How qemu finds a passphrase: a secret object read from stdin, so it never shows in `ps`. */
export const SECRET_OBJECT = 'secret,id=sec0,file=/dev/stdin';

/**
 * Runs a data-plane command (`qemu-img`, `cp`) and resolves with its stdout. A passphrase, when
 * given, reaches the command on stdin and nowhere else. Failures carry the command's stderr.
 */
export function run(cmd: string, args: string[], passphrase?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // Node's stdio pipes are socketpairs, which qemu cannot open as `/dev/stdin`; `cat` turns
    // ours into a real pipe.
    const child = passphrase
      ? spawn('sh', ['-c', 'cat | "$0" "$@"', cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-4096); });
    if (passphrase) {
      child.stdin!.on('error', () => {}); // qemu may exit before reading it; the exit code tells why
      child.stdin!.end(passphrase);
    }
    child.once('error', (e) => reject(new VolumeBackendError(`${cmd} could not run: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new VolumeBackendError(`${cmd} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

/** `--image-opts` for a LUKS file opened with the stdin secret. */
export function luksOpts(file: string): string {
  return `driver=luks,key-secret=sec0,file.filename=${file.replaceAll(',', ',,')}`;
}
