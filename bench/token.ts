import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { load, type LoadResult } from './http-load.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const srv = netServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function startCloud(stateDir: string, port: number) {
  const child = spawn('./sovcloud', ['up', '--state-dir', stateDir, '--listen', `127.0.0.1:${port}`, '--object-listen', `127.0.0.1:${await freePort()}`], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SOVCLOUD_LOG_LEVEL: 'warn' },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cloud did not start:\n${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('sovcloud is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`cloud exited with ${code}:\n${out}`)));
  });
  return child;
}

/** A bare node:http server answering with the recorded bytes of the real response. */
async function baseline(status: number, headers: Record<string, string>, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, headers).end(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function row(name: string, s: LoadResult, b: LoadResult): string {
  const f = (n: number) => n.toFixed(1).padStart(9);
  return `${name.padEnd(18)}${f(s.perSecond)}${f(b.perSecond)}${(s.perSecond / b.perSecond).toFixed(3).padStart(8)}${f(s.p50Ms)}${f(s.p99Ms)}${f(b.p50Ms)}${f(b.p99Ms)}`;
}

/** Token issue and validation through the real HTTP stack, against a bare server in the same run. */
export async function run(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sovcloud-bench-'));
  const port = await freePort();
  const cloud = await startCloud(stateDir, port);
  const servers: Server[] = [];
  try {
    const password = (parse(readFileSync(join(stateDir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: { password: string } }> })
      .clouds['sovcloud-admin']!.auth.password;
    const tokensUrl = `http://127.0.0.1:${port}/identity/v3/auth/tokens`;
    const issueBody = JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    } });
    const json = { 'Content-Type': 'application/json' };
    const issued = await fetch(tokensUrl, { method: 'POST', headers: json, body: issueBody });
    const token = issued.headers.get('x-subject-token')!;
    const issuedText = await issued.text();
    const auth = { 'X-Auth-Token': token, 'X-Subject-Token': token };
    const validated = await fetch(tokensUrl, { headers: auth });
    const validatedText = await validated.text();
    if (issued.status !== 201 || validated.status !== 200) throw new Error(`setup failed: ${issued.status} ${validated.status}`);

    const scenarios = [
      { name: 'token validate', method: 'GET', headers: auth, body: undefined, status: 200, text: validatedText, concurrency: 16, durationMs: 5000 },
      // Issue is bound by the password hash (scrypt, by design), so fewer loops and a longer run.
      { name: 'token issue', method: 'POST', headers: json, body: issueBody, status: 201, text: issuedText, concurrency: 4, durationMs: 6000 },
    ];
    console.log('scenario            sovcloud  baseline   ratio  p50(ms)  p99(ms) base p50 base p99');
    let failures = 0;
    for (const s of scenarios) {
      const base = await baseline(s.status, { 'Content-Type': 'application/json', 'X-Subject-Token': token }, s.text);
      servers.push(base.server);
      const spec = { method: s.method, headers: s.headers, body: s.body, concurrency: s.concurrency };
      await load({ ...spec, url: tokensUrl, durationMs: 1000 });
      const measured = await load({ ...spec, url: tokensUrl, durationMs: s.durationMs });
      const bare = await load({ ...spec, url: `${base.url}/identity/v3/auth/tokens`, durationMs: s.durationMs });
      console.log(row(s.name, measured, bare));
      failures += measured.errors;
    }
    if (failures > 0) throw new Error(`${failures} sovcloud requests failed during the benchmark; the numbers are void`);
  } finally {
    for (const s of servers) s.close();
    cloud.kill('SIGTERM');
    await new Promise((r) => cloud.once('exit', r));
    rmSync(stateDir, { recursive: true, force: true });
  }
}
