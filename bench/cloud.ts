import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** What the benchmarks share: a real `sovcloud up` on 127.0.0.1, an admin token, JSON calls and polling. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

export type CloudProcess = ChildProcessByStdio<null, Readable, Readable>;

export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Runs `./sovcloud up` the way a user does and resolves once it prints its ready line. */
async function startCloud(stateDir: string, port: number, objectPort: number): Promise<CloudProcess> {
  const cloud = spawn('./sovcloud', ['up', '--state-dir', stateDir, '--listen', `127.0.0.1:${port}`, '--object-listen', `127.0.0.1:${objectPort}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep only the head of the output for diagnostics; the request log must still be drained or the
  // server would block writing to a full pipe and the benchmark would measure our reading speed.
  let head = '';
  const keep = (chunk: Buffer) => {
    if (head.length < 64 * 1024) head += chunk.toString();
  };
  cloud.stdout.on('data', keep);
  cloud.stderr.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    let line = '';
    const timer = setTimeout(() => fail(new Error(`sovcloud was not ready after ${READY_TIMEOUT_MS} ms:\n${head}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const lines = (line + chunk.toString()).split('\n');
      line = lines.pop() ?? '';
      if (lines.some((l) => l.includes('sovcloud is ready'))) done();
    };
    const onExit = (code: number | null, signal: string | null) => fail(new Error(`sovcloud exited (${signal ?? code}) before it was ready:\n${head}`));
    const cleanup = () => {
      clearTimeout(timer);
      cloud.stdout.off('data', onData);
      cloud.off('exit', onExit);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (err: Error) => {
      cleanup();
      cloud.kill('SIGTERM');
      reject(err);
    };
    cloud.stdout.on('data', onData);
    cloud.once('exit', onExit);
  });
  return cloud;
}

async function stopCloud(cloud: CloudProcess): Promise<string> {
  if (cloud.exitCode !== null || cloud.signalCode !== null) return `already exited (${cloud.signalCode ?? cloud.exitCode})`;
  const exited = new Promise<string>((resolve) => cloud.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const t0 = performance.now();
  cloud.kill('SIGTERM');
  const timer = setTimeout(() => cloud.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const how = await exited;
  clearTimeout(timer);
  return `exit ${how} after ${(performance.now() - t0).toFixed(0)} ms`;
}

export function adminPassword(stateDir: string): string {
  const clouds = (parse(readFileSync(join(stateDir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { username: string; password: string } }> }).clouds;
  const admin = Object.values(clouds).find((c) => c.auth.username === 'admin');
  if (!admin) throw new Error(`no admin entry in ${stateDir}/clouds.yaml`);
  return admin.auth.password;
}

/** The Keystone request body of a password login as admin, scoped to project admin in domain Default. */
export function adminAuthBody(stateDir: string): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: adminPassword(stateDir) } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  });
}

/** A `sovcloud up` with its own temporary state directory; `close()` stops it and removes the directory. */
export interface Cloud {
  stateDir: string;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  base: string;
  /** The object listener (S3 at the root, Swift under `/swift`), in the same form as `base`. */
  objectBase: string;
  process: CloudProcess;
  /** Stops the server, removes the state directory and says how the server exited. */
  close(): Promise<string>;
}

export async function launchCloud(): Promise<Cloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sovcloud-bench-'));
  try {
    const port = await freePort();
    const objectPort = await freePort();
    const child = await startCloud(stateDir, port, objectPort);
    return {
      stateDir,
      base: `http://127.0.0.1:${port}`,
      objectBase: `http://127.0.0.1:${objectPort}`,
      process: child,
      async close() {
        try {
          return await stopCloud(child);
        } finally {
          removeCloud(stateDir);
        }
      },
    };
  } catch (err) {
    removeCloud(stateDir);
    throw err;
  }
}

/**
 * The data plane outlives the server (namespaces, bridges, dnsmasq, nftables): purge it before
 * the state directory goes, or nothing could name it any more.
 */
function removeCloud(stateDir: string): void {
  try {
    execFileSync('./sovcloud', ['purge', '--state-dir', stateDir], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export interface Session {
  token: string;
  projectId: string;
  /** Whose EC2 credentials (S3 keys) `/identity/v3/users/{user_id}/credentials/OS-EC2` manages. */
  userId: string;
}

/** Logs in as admin; the project id (from the token body) is what the Cinder URLs need. */
export async function login(cloud: Cloud): Promise<Session> {
  const res = await fetch(`${cloud.base}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: adminAuthBody(cloud.stateDir),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`token issue: expected 201, got ${res.status}: ${text}`);
  const token = res.headers.get('x-subject-token');
  const body = (JSON.parse(text) as { token?: { project?: { id?: string }; user?: { id?: string } } }).token;
  const projectId = body?.project?.id;
  const userId = body?.user?.id;
  if (!token || !projectId || !userId) throw new Error(`token issue answered without a token, a project id or a user id: ${text}`);
  return { token, projectId, userId };
}

/** One JSON call to the cloud as the session's user; any status outside `expected` throws with the answer's body. */
export async function api<T = unknown>(cloud: Cloud, session: Session, method: string, path: string, body?: unknown, expected: number[] = [200]): Promise<T> {
  const headers: Record<string, string> = { 'X-Auth-Token': session.token, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${cloud.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path}: expected ${expected.join(' or ')}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Polls `read` until it reports `want`; a status starting with `error` (or a timeout) throws, since a
 * benchmark that waited for a failure would report the failure's speed.
 */
export async function waitForStatus(what: string, read: () => Promise<string>, want: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let status = '';
  for (;;) {
    status = await read();
    if (status === want) return;
    if (status.startsWith('error')) throw new Error(`${what} went to status ${status} instead of ${want}`);
    if (performance.now() > deadline) throw new Error(`${what} still ${status} after ${timeoutMs} ms, wanted ${want}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Polls until `path` answers 404: for deletes that finish in the background. */
export async function waitForGone(cloud: Cloud, session: Session, path: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${cloud.base}${path}`, { headers: { 'X-Auth-Token': session.token } });
    const text = await res.text();
    if (res.status === 404) return;
    if (res.status !== 200) throw new Error(`GET ${path} while waiting for its deletion: ${res.status}: ${text}`);
    // Glance answers the resource itself, Cinder wraps it (`{"volume": {...}}`).
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const status = String([parsed, ...Object.values(parsed)].map((v) => (v as { status?: unknown } | null)?.status).find((v) => typeof v === 'string') ?? '');
    if (status.startsWith('error')) throw new Error(`${path} went to status ${status} while being deleted`);
    if (performance.now() > deadline) throw new Error(`${path} still exists (${status}) ${timeoutMs} ms after its deletion`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
