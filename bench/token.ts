import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminAuthBody, launchCloud, type Cloud } from './cloud.ts';
import { load, type LoadOptions, type LoadResult } from './http-load.ts';
import { formatTable } from './tools.ts';

const TOKENS_PATH = '/identity/v3/auth/tokens';
const CONCURRENCY = 16;
const WARM_UP_MS = 1000;
const MEASURE_MS = 5000;

/** A recorded answer of the real server, replayed byte for byte by the baseline. */
interface Recorded {
  status: number;
  body: Buffer;
}

interface Scenario {
  name: string;
  request: Omit<LoadOptions, 'url' | 'concurrency' | 'durationMs'>;
}

interface Measured {
  scenario: string;
  sovcloud: LoadResult;
  baseline: LoadResult;
  warmUpErrors: number;
}

async function record(url: string, init: RequestInit, expected: number): Promise<Recorded & { subjectToken: string | null }> {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== expected) throw new Error(`${init.method ?? 'GET'} ${url}: expected ${expected}, got ${res.status}: ${body.toString()}`);
  return { status: res.status, body, subjectToken: res.headers.get('x-subject-token') };
}

/**
 * A bare node:http server answering the token paths with the real server's recorded bytes: the
 * floor any Node HTTP service on this machine pays, so the ratio shows what Keystone itself costs.
 */
async function startBaseline(issue: Recorded, validate: Recorded, subjectToken: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    // Read the whole request first, as the real server must before it can parse the JSON body.
    req.resume();
    req.on('end', () => {
      const answer = req.url !== TOKENS_PATH ? undefined : req.method === 'POST' ? issue : req.method === 'GET' ? validate : undefined;
      if (!answer) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': answer.body.length, 'X-Subject-Token': subjectToken });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function measure(scenario: Scenario, sovcloudUrl: string, baselineUrl: string): Promise<Measured> {
  const run = (url: string, durationMs: number) => load({ ...scenario.request, url, concurrency: CONCURRENCY, durationMs });
  const warmUp = await run(sovcloudUrl, WARM_UP_MS);
  const sovcloud = await run(sovcloudUrl, MEASURE_MS);
  await run(baselineUrl, WARM_UP_MS);
  const baseline = await run(baselineUrl, MEASURE_MS);
  return { scenario: scenario.name, sovcloud, baseline, warmUpErrors: warmUp.errors };
}

function table(rows: Measured[]): string {
  const header = ['scenario', 'sovcloud req/s', 'baseline req/s', 'ratio', 'sovcloud p50/p99 ms', 'baseline p50/p99 ms', 'sovcloud errors'];
  const ms = (r: LoadResult) => `${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)}`;
  const cells = rows.map((m) => [
    m.scenario,
    m.sovcloud.perSecond.toFixed(1),
    m.baseline.perSecond.toFixed(1),
    (m.sovcloud.perSecond / m.baseline.perSecond).toFixed(4),
    ms(m.sovcloud),
    ms(m.baseline),
    String(m.sovcloud.errors + m.warmUpErrors),
  ]);
  return formatTable(header, cells);
}

/** Keystone token validation and issue throughput of a real `sovcloud up`, against a bare node:http baseline. */
export async function run(): Promise<void> {
  const cloud: Cloud = await launchCloud();
  let baseline: Server | undefined;
  try {
    const sovcloudUrl = `${cloud.base}${TOKENS_PATH}`;
    const json = { 'Content-Type': 'application/json' };
    const issueBody = adminAuthBody(cloud.stateDir);
    const issued = await record(sovcloudUrl, { method: 'POST', headers: json, body: issueBody }, 201);
    const token = issued.subjectToken;
    if (!token) throw new Error('token issue answered without X-Subject-Token');
    const validateHeaders = { 'X-Auth-Token': token, 'X-Subject-Token': token };
    const validated = await record(sovcloudUrl, { headers: validateHeaders }, 200);
    const bare = await startBaseline(issued, validated, token);
    baseline = bare.server;
    const baselineUrl = `http://127.0.0.1:${bare.port}${TOKENS_PATH}`;
    console.log(`token benchmark: concurrency ${CONCURRENCY}, ${WARM_UP_MS} ms warm-up + ${MEASURE_MS} ms per target; ` +
      `bodies ${issued.body.length} B (issue), ${validated.body.length} B (validate)`);

    const scenarios: Scenario[] = [
      { name: 'token validate', request: { method: 'GET', headers: validateHeaders } },
      { name: 'token issue', request: { method: 'POST', headers: json, body: issueBody } },
    ];
    const rows: Measured[] = [];
    for (const s of scenarios) rows.push(await measure(s, sovcloudUrl, baselineUrl));
    console.log(table(rows));

    const failed = rows.filter((m) => m.sovcloud.errors + m.warmUpErrors > 0);
    for (const m of failed) console.error(`${m.scenario}: sovcloud failures ${JSON.stringify(m.sovcloud.failures)} (+${m.warmUpErrors} in warm-up)`);
    for (const m of rows.filter((r) => r.baseline.errors > 0)) console.error(`${m.scenario}: baseline failures ${JSON.stringify(m.baseline.failures)}`);
    if (failed.length > 0) throw new Error('sovcloud answered some requests with errors; these numbers measure failures, not throughput');
  } finally {
    baseline?.close();
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}
