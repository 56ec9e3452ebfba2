import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const readyTimeoutMs = 300_000;
const stopTimeoutMs = 20_000;
const cliTimeoutMs = 120_000;
/** Enough to explain a failed start without holding a chatty server's whole log in memory. */
const maxCapturedChars = 256 * 1024;

/** Explicit credentials for an `openstack` call, e.g. OS_USERNAME; used instead of a clouds.yaml entry. */
export type AuthEnv = Record<string, string>;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/**
 * Plain HTTP to the cloud for what the CLI cannot express. Every answer, wanted or not, must be
 * below 500: a 5xx is always a defect.
 */
export async function http(url: string, method: string, o: { headers?: Record<string, string>; body?: unknown; rawBody?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
  const payload = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  if (payload !== undefined) headers['Content-Type'] ??= 'application/json';
  const res = await fetch(url, { method, headers, body: payload, redirect: 'manual' });
  const text = await res.text();
  let body: any;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  assert.ok(res.status < 500, `${method} ${url} answered ${res.status}: ${text.slice(0, 2000)}`);
  return { status: res.status, body, text, headers: res.headers };
}

export interface Cloud {
  url: string;
  /** The object storage listener: S3 at its root, Swift under `/swift`. */
  objectUrl: string;
  /** The external network `public`'s range: a /24 of 198.18.0.0/15 no other cloud on the host uses. */
  publicCidr: string;
  stateDir: string;
  cloudsYaml: string;
  /** Runs `openstack` with `--os-cloud CLOUD`, or with the given auth env and no clouds.yaml. */
  os(cloud: string | AuthEnv, args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** Appends `-f json`, asserts exit code 0 and parses stdout. */
  osJson<T = any>(cloud: string | AuthEnv, args: string[], extraEnv?: Record<string, string>): Promise<T>;
  /** Asserts a non-zero exit code and returns stderr. */
  osFail(cloud: string | AuthEnv, args: string[], extraEnv?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, mid-whatever; `restart()` brings it back on the same state. */
  crash(): Promise<void>;
  restart(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe listener'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** The caller's OS_* variables would leak credentials into calls meant to use other ones. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OS_')) env[key] = value;
  }
  return env;
}

function describeCall(cloud: string | AuthEnv, args: string[]): string {
  const who = typeof cloud === 'string' ? cloud : `${cloud.OS_USERNAME ?? cloud.OS_APPLICATION_CREDENTIAL_ID ?? 'env'}`;
  return `openstack [${who}] ${args.join(' ')}`;
}

class Server {
  private child: ChildProcess | undefined;
  private output = '';
  private stopping = false;
  private readonly killOnExit = () => this.signal('SIGKILL');

  constructor(private readonly args: string[]) {}

  async start(): Promise<void> {
    this.output = '';
    this.stopping = false;
    // Its own process group, so stopping it also reaches whatever a wrapper script started.
    const child = spawn('./sovcloud', this.args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    process.on('exit', this.killOnExit);
    const capture = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-maxCapturedChars);
    };
    child.stderr!.on('data', capture);

    await new Promise<void>((resolve, reject) => {
      let stdoutLine = '';
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          this.signal('SIGKILL');
          reject(error);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(() => {
        finish(new Error(`sovcloud did not print "sovcloud is ready" within ${readyTimeoutMs / 1000}s; output:\n${this.output}`));
      }, readyTimeoutMs);
      // Keeps draining stdout after readiness so a chatty server never blocks on a full pipe.
      child.stdout!.on('data', (chunk: Buffer) => {
        capture(chunk);
        stdoutLine += chunk.toString('utf8');
        const lines = stdoutLine.split('\n');
        stdoutLine = lines.pop() ?? '';
        if (lines.some((line) => line.includes('sovcloud is ready'))) finish();
      });
      child.once('error', (error) => finish(new Error(`could not start ./sovcloud: ${error.message}`, { cause: error })));
      child.once('exit', (code, signal) => {
        if (!settled) {
          finish(new Error(`sovcloud exited (code ${code}, signal ${signal}) before it was ready; output:\n${this.output}`));
        } else if (this.child === child && !this.stopping) {
          // Every later CLI call would only say "connection refused"; the server's last words say why.
          process.stderr.write(`sovcloud exited unexpectedly (code ${code}, signal ${signal}); output tail:\n${this.output.slice(-8192)}\n`);
        }
      });
    });
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGKILL to the whole group, as a crash would: no shutdown code runs. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child) return;
    process.off('exit', this.killOnExit);
    this.stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.signal('SIGKILL');
      await exited;
    }
    this.child = undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    process.off('exit', this.killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) {
      this.signal('SIGKILL');
      this.child = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.stopping = true;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), stopTimeoutMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.signal('SIGKILL');
      await exited;
      this.child = undefined;
      throw new Error(`sovcloud did not exit within ${stopTimeoutMs / 1000}s of SIGTERM; output:\n${this.output.slice(-8192)}`);
    }
    this.child = undefined;
  }
}

function runCli(cloud: string | AuthEnv, cloudsYaml: string, args: string[], extraEnv?: Record<string, string>): Promise<CliResult> {
  const env = baseEnv();
  let argv: string[];
  if (typeof cloud === 'string') {
    env.OS_CLIENT_CONFIG_FILE = cloudsYaml;
    argv = ['--os-cloud', cloud, ...args];
  } else {
    Object.assign(env, { OS_IDENTITY_API_VERSION: '3' }, cloud);
    argv = args;
  }
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    const child = execFile('openstack', argv, { env, cwd: repoRoot, timeout: cliTimeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${describeCall(cloud, args)} did not run: ${error.message}\n${stderr}`, { cause: error }));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    // A closed stdin, as in CI: commands like `image create` without --file would otherwise wait on it.
    child.stdin?.end();
  });
}

/**
 * A /24 of the benchmarking range (RFC 2544) that the host routes nowhere yet, so a test cloud's
 * uplink never clashes with a cloud the user runs (or another test's).
 */
async function freePublicCidr(): Promise<string> {
  const routes = await new Promise<string>((resolve) => execFile('ip', ['-4', 'route', 'show'], (_e, out) => resolve(String(out))));
  for (;;) {
    const cidr = `198.${18 + Math.floor(Math.random() * 2)}.${Math.floor(Math.random() * 256)}.0/24`;
    if (!routes.includes(cidr)) return cidr;
  }
}

/** Removes what the cloud of `stateDir` made on the host (namespaces, links, rules, daemons). */
export function purge(stateDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('./sovcloud', ['purge', '--state-dir', stateDir], { cwd: repoRoot, timeout: cliTimeoutMs }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`sovcloud purge failed: ${stderr}`, { cause: error }));
      else resolve();
    });
  });
}

/**
 * Starts `./sovcloud up` on free loopback ports with a fresh state dir and waits for its ready
 * line; `stop()` also purges the cloud's data plane from the host.
 */
export async function startCloud(extraArgs: string[] = []): Promise<Cloud> {
  const publicCidr = await freePublicCidr();
  const port = await freePort();
  let objectPort = await freePort();
  while (objectPort === port) objectPort = await freePort();
  const stateDir = await mkdtemp(join(tmpdir(), 'sovcloud-e2e-'));
  const cloudsYaml = join(stateDir, 'clouds.yaml');
  const server = new Server([
    'up',
    '--state-dir', stateDir,
    '--listen', `127.0.0.1:${port}`,
    '--object-listen', `127.0.0.1:${objectPort}`,
    '--public-cidr', publicCidr,
    ...extraArgs,
  ]);
  await server.start();

  const os = (cloud: string | AuthEnv, args: string[], extraEnv?: Record<string, string>) => runCli(cloud, cloudsYaml, args, extraEnv);
  return {
    url: `http://127.0.0.1:${port}`,
    objectUrl: `http://127.0.0.1:${objectPort}`,
    publicCidr,
    stateDir,
    cloudsYaml,
    os,
    async osJson(cloud, args, extraEnv) {
      const r = await os(cloud, [...args, '-f', 'json'], extraEnv);
      assert.equal(r.code, 0, `${describeCall(cloud, args)} exited ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
      try {
        return JSON.parse(r.stdout);
      } catch (error) {
        throw new Error(`${describeCall(cloud, args)} printed no JSON: ${r.stdout}\nstderr: ${r.stderr}`, { cause: error });
      }
    },
    async osFail(cloud, args, extraEnv) {
      const r = await os(cloud, args, extraEnv);
      assert.notEqual(r.code, 0, `${describeCall(cloud, args)} was expected to fail but exited 0\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stderr;
    },
    async stop() {
      await server.stop();
      await purge(stateDir);
    },
    crash: () => server.crash(),
    async restart() {
      await server.stop();
      await server.start();
    },
  };
}
