import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SovError } from '../platform/errors.ts';

/** The recipe of the tiny guest image: build.sh and the files it copies into the image. */
const RECIPE_DIR = fileURLToPath(new URL('../../images/tiny/', import.meta.url));
/** Shell functions build.sh sources; part of the recipe too. */
const SHARED_LIB = fileURLToPath(new URL('../../images/lib.sh', import.meta.url));
const NAME = 'sovcloud-tiny';

/** images/tiny/build.sh failed or left something other than an image and its properties. */
export class GuestImageBuildError extends SovError {}

export interface TinyImage {
  /** The cached qcow2. It is replaced when the recipe changes: copy or upload it, never use it as a long-lived backing file. */
  qcow2: string;
  /** Its SCS scs-0102 image properties (all strings, as Glance keeps them), `min_disk` and `min_ram` among them. */
  properties: Record<string, string>;
}

const building = new Map<string, Promise<TinyImage>>();

/**
 * Afterwards `cacheDir` holds sovcloud-tiny.qcow2 and .json built from the current recipe under
 * images/tiny/ (the sha256 of the recipe sits beside them in sovcloud-tiny.sha256). A cache
 * from the same recipe is reused; otherwise build.sh runs into a temporary directory inside
 * `cacheDir` and its output is renamed into place, the digest last, so an interrupted build never
 * looks finished. Concurrent calls in one process share one build.
 */
export function ensureTinyImage(cacheDir: string): Promise<TinyImage> {
  const dir = resolve(cacheDir);
  let pending = building.get(dir);
  if (pending === undefined) {
    pending = ensure(dir).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

async function ensure(dir: string): Promise<TinyImage> {
  const qcow2 = join(dir, `${NAME}.qcow2`);
  const json = join(dir, `${NAME}.json`);
  const stamp = join(dir, `${NAME}.sha256`);
  const digest = await recipeDigest();
  if ((await readOptional(stamp))?.trim() === digest && (await exists(qcow2)) && (await exists(json))) {
    return { qcow2, properties: await readProperties(json) };
  }

  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.build-'));
  try {
    await runBuild(tmp);
    const properties = await readProperties(join(tmp, `${NAME}.json`));
    if (!(await exists(join(tmp, `${NAME}.qcow2`)))) throw new GuestImageBuildError(`build.sh wrote no ${NAME}.qcow2`);
    await rm(stamp, { force: true });
    await rename(join(tmp, `${NAME}.qcow2`), qcow2);
    await rename(join(tmp, `${NAME}.json`), json);
    await writeFile(join(tmp, 'sha256'), `${digest}\n`);
    await rename(join(tmp, 'sha256'), stamp);
    return { qcow2, properties };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** sha256 over every recipe file's path, executable bit and content; the README does not change the image. */
async function recipeDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(RECIPE_DIR)) {
    const rel = relative(RECIPE_DIR, file);
    if (rel === 'README.md') continue;
    const mode = (await stat(file)).mode & 0o111 ? 'x' : '-';
    hash.update(`${rel}\0${mode}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  hash.update(await readFile(SHARED_LIB));
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await listFiles(path)));
    else if (e.isFile()) files.push(path);
  }
  return files;
}

function runBuild(outDir: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [join(RECIPE_DIR, 'build.sh'), outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (c: Buffer) => {
      log = (log + c.toString('utf8')).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (e) => fail(new GuestImageBuildError(`images/tiny/build.sh could not run: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => {
      if (code === 0) done();
      else fail(new GuestImageBuildError(`images/tiny/build.sh failed (${signal ?? `exit ${code}`}): ${log.trim()}`));
    });
  });
}

async function readProperties(path: string): Promise<Record<string, string>> {
  const text = await readOptional(path);
  if (text === null) throw new GuestImageBuildError(`${path} is missing`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new GuestImageBuildError(`${path} is not JSON`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new GuestImageBuildError(`${path} is not an object of string properties`);
  }
  return parsed as Record<string, string>;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
