import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, openSync, closeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Command-line baselines and helpers for the data-plane benchmarks. */

export const MiB = 1024 ** 2;

/**
 * Runs a command to completion and resolves with its wall time in ms; a non-zero exit throws with
 * its stderr. `stdoutTo` sends standard output to that file (truncated first), as a shell's `>` does.
 */
export async function timed(command: string, args: string[], options: { stdoutTo?: string } = {}): Promise<number> {
  const out = options.stdoutTo === undefined ? 'ignore' : openSync(options.stdoutTo, 'w', 0o600);
  try {
    const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 16 * 1024) stderr += chunk.toString();
    });
    const t0 = performance.now();
    const status = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(signal ?? String(code)));
    });
    const ms = performance.now() - t0;
    if (status !== '0') throw new Error(`${command} ${args.join(' ')} failed (${status}): ${stderr.trim()}`);
    return ms;
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
}

/** Flushes dirty pages so a measurement does not pay for the writeback of the previous one. */
export async function sync(): Promise<void> {
  await timed('sync', []);
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
