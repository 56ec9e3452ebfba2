import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Config } from '../platform/config.ts';
import { SovError } from '../platform/errors.ts';
import { GuestImageBuildError } from './guest-image.ts';
import { cacheDir } from './guest-images.ts';

/** Images built on demand (`sovcloud image-build NAME`), each by images/NAME/build.sh. */
export const BUILDABLE_IMAGES = ['debian-12'] as const;
export type BuildableImage = (typeof BUILDABLE_IMAGES)[number];

/** Registering a built image in a running cloud failed. */
export class ImageRegistrationError extends SovError {}

export interface BuildImageOptions {
  /** Register the last build kept in the cache instead of building again (builds when there is none). */
  reuse?: boolean;
  /** Progress messages; the build script's own output goes to this process's stderr. */
  say?: (message: string) => void;
}

export interface BuiltImage {
  name: BuildableImage;
  /** The qcow2 in the cache; the next build of the same image replaces it. */
  qcow2: string;
  /** Its SCS scs-0102 properties as build.sh wrote them (all strings, `min_disk`/`min_ram` among them). */
  properties: Record<string, string>;
  /** The Glance image created from it, or null when no cloud could be reached (see `command`). */
  registered: { id: string; status: string; size: number | null; checksum: string | null; replaced: string[] } | null;
  /** The openstack CLI command that uploads the image by hand, with the same properties. */
  command: string;
  /** Why the image was not registered, when it was not. */
  notRegistered?: string;
}

/**
 * Builds `name` with its recipe under images/ into a temporary directory in the image cache
 * (`SOVCLOUD_CACHE_DIR` or ~/.cache/sovcloud/images), keeps the result there as NAME.qcow2 and
 * NAME.json, then registers it as a public image NAME through the Glance API of the cloud whose
 * state directory is `config.stateDir` (admin credentials from its clouds.yaml), with the image's
 * SCS metadata. Older images of that name are deleted once the new one is active. Without a
 * clouds.yaml or a reachable cloud the image stays in the cache and `command` says how to upload it.
 */
export async function buildImage(name: BuildableImage, config: Config, options: BuildImageOptions = {}): Promise<BuiltImage> {
  const say = options.say ?? ((m: string) => console.error(`image-build: ${m}`));
  if (!BUILDABLE_IMAGES.includes(name)) throw new GuestImageBuildError(`No recipe for an image '${name}'; known: ${BUILDABLE_IMAGES.join(', ')}.`);
  const dir = cacheDir();
  const qcow2 = join(dir, `${name}.qcow2`);
  const json = join(dir, `${name}.json`);

  if (options.reuse && existsSync(qcow2) && existsSync(json)) {
    say(`reusing ${qcow2} from an earlier build`);
  } else {
    await mkdir(dir, { recursive: true });
    const tmp = await mkdtemp(join(dir, `.build-${name}-`));
    try {
      say(`building ${name} with images/${name}/build.sh into ${tmp} (downloads a few hundred MB from the Debian mirror; takes minutes)`);
      await runRecipe(name, tmp);
      await readProperties(join(tmp, `${name}.json`));
      if (!existsSync(join(tmp, `${name}.qcow2`))) throw new GuestImageBuildError(`images/${name}/build.sh wrote no ${name}.qcow2`);
      await rename(join(tmp, `${name}.qcow2`), qcow2);
      await rename(join(tmp, `${name}.json`), json);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const properties = await readProperties(json);
  const command = uploadCommand(name, qcow2, properties, config.stateDir);

  const cloudsFile = join(config.stateDir, 'clouds.yaml');
  if (!existsSync(cloudsFile)) {
    return { name, qcow2, properties, registered: null, command, notRegistered: `${cloudsFile} does not exist (no cloud has run with this state directory)` };
  }
  let session: Session;
  try {
    session = await login(readAdmin(cloudsFile));
  } catch (err) {
    const reason = unreachable(err);
    if (reason === null) throw err;
    return { name, qcow2, properties, registered: null, command, notRegistered: `the cloud of ${config.stateDir} is not running (${reason})` };
  }
  say(`registering ${qcow2} as the public image ${name} at ${session.imageUrl}`);
  const registered = await register(session, name, qcow2, properties, say);
  return { name, qcow2, properties, registered, command };
}

function recipeDir(name: BuildableImage): string {
  return fileURLToPath(new URL(`../../images/${name}/`, import.meta.url));
}

function runRecipe(name: BuildableImage, outDir: string): Promise<void> {
  const script = join(recipeDir(name), 'build.sh');
  return new Promise((done, fail) => {
    // The build takes minutes: its progress goes straight to the user.
    const child = spawn('bash', [script, outDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (e) => fail(new GuestImageBuildError(`images/${name}/build.sh could not run: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => {
      if (code === 0) done();
      else fail(new GuestImageBuildError(`images/${name}/build.sh failed (${signal ?? `exit ${code}`}); its output is above`));
    });
  });
}

async function readProperties(path: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new GuestImageBuildError(`${path} is missing or not JSON`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new GuestImageBuildError(`${path} is not an object of string properties`);
  }
  const properties = parsed as Record<string, string>;
  for (const key of ['min_disk', 'min_ram']) {
    if (!/^[1-9][0-9]*$/.test(properties[key] ?? '')) throw new GuestImageBuildError(`${path}: ${key} must be a positive integer`);
  }
  return properties;
}

// --- the running cloud -----------------------------------------------------------------------

interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomain: string;
  projectDomain: string;
  region: string | undefined;
}

interface Session {
  token: string;
  imageUrl: string;
}

function readAdmin(cloudsFile: string): Credentials {
  const clouds = (parse(readFileSync(cloudsFile, 'utf8')) as { clouds?: Record<string, { auth?: Record<string, string>; region_name?: string }> } | null)?.clouds;
  const admin = clouds?.['sovcloud-admin'];
  const auth = admin?.auth;
  if (!auth?.auth_url || !auth.username || !auth.password || !auth.project_name) {
    throw new ImageRegistrationError(`${cloudsFile} has no complete 'sovcloud-admin' cloud`);
  }
  return {
    authUrl: auth.auth_url.replace(/\/+$/, ''), username: auth.username, password: auth.password, projectName: auth.project_name,
    userDomain: auth.user_domain_name ?? 'Default', projectDomain: auth.project_domain_name ?? 'Default', region: admin?.region_name,
  };
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

async function login(c: Credentials): Promise<Session> {
  const res = await fetch(`${c.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomain }, password: c.password } } },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomain } } },
      },
    }),
  });
  if (res.status !== 201) throw new ImageRegistrationError(`${c.authUrl}/auth/tokens answered ${res.status}: ${await res.text()}`);
  const token = res.headers.get('x-subject-token');
  const catalog = ((await res.json()) as { token?: { catalog?: CatalogEntry[] } }).token?.catalog ?? [];
  const endpoints = catalog.find((s) => s.type === 'image')?.endpoints ?? [];
  const endpoint = endpoints.find((e) => e.interface === 'public' && (c.region === undefined || (e.region_id ?? e.region) === c.region))
    ?? endpoints.find((e) => e.interface === 'public');
  if (!token || !endpoint) throw new ImageRegistrationError(`the cloud at ${c.authUrl} gave no token or no public image endpoint`);
  return { token, imageUrl: endpoint.url.replace(/\/+$/, '') };
}

interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  checksum: string | null;
  protected?: boolean;
}

async function glance<T>(s: Session, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.imageUrl}${path}`, {
    method,
    headers: { 'X-Auth-Token': s.token, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new ImageRegistrationError(`${method} ${s.imageUrl}${path} answered ${res.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

async function register(
  s: Session, name: string, qcow2: string, properties: Record<string, string>, say: (m: string) => void,
): Promise<NonNullable<BuiltImage['registered']>> {
  const previous = (await glance<{ images: GlanceImage[] }>(s, 'GET', `/v2/images?name=${encodeURIComponent(name)}&limit=1000`)).images;
  const { min_disk: minDisk, min_ram: minRam, ...rest } = properties;
  const created = await glance<GlanceImage>(s, 'POST', '/v2/images', {
    name, disk_format: 'qcow2', container_format: 'bare', visibility: 'public',
    min_disk: Number(minDisk), min_ram: Number(minRam), ...rest,
  });
  let image: GlanceImage;
  try {
    const size = (await stat(qcow2)).size;
    say(`uploading ${Math.round(size / 2 ** 20)} MiB into image ${created.id}`);
    await uploadFile(`${s.imageUrl}/v2/images/${created.id}/file`, s.token, qcow2, size);
    image = await glance<GlanceImage>(s, 'GET', `/v2/images/${created.id}`);
    if (image.status !== 'active') throw new ImageRegistrationError(`image ${created.id} is ${image.status} after its upload, not active`);
  } catch (err) {
    await glance(s, 'DELETE', `/v2/images/${created.id}`).catch(() => undefined);
    throw err;
  }
  // One generic image per distribution and version (scs-0102 v2): the new build replaces the old.
  const replaced: string[] = [];
  for (const old of previous) {
    if (old.protected) {
      say(`keeping the older ${name} ${old.id}: it is protected`);
      continue;
    }
    await glance(s, 'DELETE', `/v2/images/${old.id}`);
    replaced.push(old.id);
  }
  return { id: image.id, status: image.status, size: image.size, checksum: image.checksum, replaced };
}

function uploadFile(url: string, token: string, path: string, size: number): Promise<void> {
  return new Promise((done, fail) => {
    const target = new URL(url);
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        if (res.statusCode === 204 || res.statusCode === 200) done();
        else fail(new ImageRegistrationError(`PUT ${url} answered ${res.statusCode}: ${text}`));
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    pipeline(createReadStream(path), req).catch(fail);
  });
}

/** Why a cloud that is not running could not be reached (nothing listens at its address), or null for any other error. */
function unreachable(err: unknown): string | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'ECONNRESET') return e.message;
  }
  return null;
}

// --- by hand ---------------------------------------------------------------------------------

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function uploadCommand(name: string, qcow2: string, properties: Record<string, string>, stateDir: string): string {
  const { min_disk: minDisk, min_ram: minRam, ...rest } = properties;
  const words = [
    `OS_CLIENT_CONFIG_FILE=${shellQuote(join(stateDir, 'clouds.yaml'))}`, 'openstack', '--os-cloud', 'sovcloud-admin', 'image', 'create',
    '--disk-format', 'qcow2', '--container-format', 'bare', '--public', '--min-disk', minDisk!, '--min-ram', minRam!,
    '--file', shellQuote(qcow2),
    ...Object.entries(rest).flatMap(([k, v]) => ['--property', shellQuote(`${k}=${v}`)]),
    shellQuote(name),
  ];
  return words.join(' ');
}
