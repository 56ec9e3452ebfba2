import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { NetworkBackendError } from './errors.ts';

/**
 * Writes `content` unless the file already holds exactly that; returns whether it wrote. The
 * daemons drop root after start and re-read their files on SIGHUP, hence world-readable.
 */
export async function writeIfChanged(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === content) return false;
  await writeFile(path, content, { mode: 0o644 });
  return true;
}

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o755 });
}

export async function removeFiles(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { recursive: true, force: true })));
}

/**
 * dnsmasq and radvd re-read their files as `nobody` after start, so every directory above their
 * files must let others pass; better to say so at start than to serve stale DHCP answers later.
 */
export async function assertReachableByDaemons(dir: string): Promise<void> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) {
      throw new NetworkBackendError(`${d} must be searchable by others (o+x): the DHCP and router advertisement daemons read their files under ${dir} as nobody.`);
    }
    if (d === dirname(d)) return;
  }
}
