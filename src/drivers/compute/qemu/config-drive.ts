import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { ComputeBackendError } from '../../../services/compute/driver.ts';
import { run } from './exec.ts';

/**
 * Writes an OpenStack config drive: an ISO 9660 image labelled `config-2` holding `files` (path
 * inside the drive → content), made by genisoimage with the options Nova uses (Rock Ridge and
 * Joliet, so lower-case names and `meta_data.json` keep their spelling).
 */
export async function buildConfigDrive(files: Record<string, string>, target: string): Promise<void> {
  const tree = await mkdtemp(`${target}.tree-`);
  const partial = `${target}.partial`;
  try {
    for (const [path, content] of Object.entries(files)) {
      const relative = normalize(path.replace(/^\/+/, ''));
      if (relative === '.' || relative === '..' || relative.startsWith('../')) throw new ComputeBackendError(`Config drive path ${JSON.stringify(path)} leaves the drive.`);
      await mkdir(dirname(join(tree, relative)), { recursive: true });
      await writeFile(join(tree, relative), content);
    }
    await run('genisoimage', ['-o', partial, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'sovcloud', '-quiet', '-J', '-r', '-V', 'config-2', tree]);
    await rename(partial, target);
  } finally {
    await Promise.all([rm(tree, { recursive: true, force: true }), rm(partial, { force: true })]);
  }
}
