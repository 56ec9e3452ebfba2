import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHeaders, canonicalQuery, canonicalUri } from '../src/api/s3/auth/canonical.ts';
import { SIGV4_ALGORITHM, signingKey } from '../src/api/s3/auth/sigv4.ts';
import { api, launchCloud, login } from './cloud.ts';
import { formatTable, median, MiB, sync, timed } from './tools.ts';

const REGION = 'RegionOne';
const BUCKET = 'bench';
const LIST_BUCKET = 'bench-list';
const MAX_CONCURRENCY = 16;
const CONCURRENCIES = [1, MAX_CONCURRENCY];
const LIST_KEYS = 10_000;
const LIST_PAGE = 1000;
const LIST_ROUNDS = 5;
const REQUEST_TIMEOUT_MS = 120_000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

interface Size {
  label: string;
  bytes: number;
  rounds: number;
  /** How long each loop keeps sending; 0 sends one object per loop, as a round of 16 × 64 MiB is already a GiB. */
  roundMs: number;
  /** Small objects against a bare HTTP server, large ones against `dd`, where HTTP is no longer the cost. */
  baseline: 'http' | 'dd';
}

const SIZES: Size[] = [
  { label: '4 KiB', bytes: 4 * 1024, rounds: 3, roundMs: 700, baseline: 'http' },
  { label: '1 MiB', bytes: MiB, rounds: 3, roundMs: 700, baseline: 'http' },
  // Two rounds keep the whole benchmark near three minutes: at 16 loops a round moves a GiB each way.
  { label: '64 MiB', bytes: 64 * MiB, rounds: 2, roundMs: 0, baseline: 'dd' },
];

interface Keys {
  access: string;
  secret: string;
}

/** Where requests go: sovcloud's object listener or the bare baseline, each over its own keep-alive pool. */
interface Target {
  base: string;
  agent: Agent;
  keys: Keys;
  /** Whether PUT answers carry the S3 ETag (the baseline computes no MD5). */
  etags: boolean;
}

interface Answer {
  status: number;
  etag: string | undefined;
  bytes: number;
  /** The body, when asked for or when the status is an error. */
  body: Buffer | undefined;
  md5: string | undefined;
}

interface SendOptions {
  body?: Buffer;
  keep?: boolean;
  md5?: boolean;
}

/** One round's work: how many operations completed in how much wall time. */
interface Round {
  ops: number;
  ms: number;
}

/**
 * SigV4 header authentication with an unsigned payload. The canonical request and the signing
 * key come from the server's own code, so client and server cannot disagree on them; only the
 * string to sign is restated, as sigv4.ts keeps its signing step inside `verifySigV4`.
 */
function sign(keys: Keys, method: string, url: URL): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': UNSIGNED_PAYLOAD, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    method, canonicalUri(url.pathname), canonicalQuery(url.search.slice(1)), canonicalHeaders({ headers }, names), names.join(';'), UNSIGNED_PAYLOAD,
  ].join('\n');
  const scope = `${date}/${REGION}/s3/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const signature = createHmac('sha256', signingKey(keys.secret, date, REGION, 's3')).update(stringToSign).digest('hex');
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${keys.access}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

function send(target: Target, method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const url = new URL(path, target.base);
  const headers = sign(target.keys, method, url);
  // With its length, not chunked: how S3 clients send a PutObject of known size.
  if (options.body) headers['content-length'] = String(options.body.length);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: target.agent }, (res) => {
      const status = res.statusCode ?? 0;
      const keep = options.keep || status >= 300;
      const hash = options.md5 ? createHash('md5') : undefined;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash?.update(chunk);
        if (keep) chunks.push(chunk);
      });
      res.once('error', reject);
      res.once('end', () => resolve({ status, etag: res.headers.etag, bytes, body: keep ? Buffer.concat(chunks) : undefined, md5: hash?.digest('hex') }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${url.href}: no answer after ${REQUEST_TIMEOUT_MS} ms`)));
    req.once('error', reject);
    req.end(options.body);
  });
}

function expectStatus(answer: Answer, want: number, what: string): Answer {
  if (answer.status !== want) throw new Error(`${what}: expected ${want}, got ${answer.status}: ${answer.body?.toString('utf8', 0, 4096) ?? ''}`);
  return answer;
}

/** `concurrency` closed request loops, each running `op` once and then again while `more` holds. */
async function closedLoop(concurrency: number, more: (started: number) => boolean, op: (loop: number, index: number) => Promise<void>): Promise<Round> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, loop) => {
    for (let first = true; first || more(started); first = false) await op(loop, started++);
  }));
  return { ops: started, ms: performance.now() - t0 };
}

const objectKey = (size: Size, loop: number) => `obj-${size.bytes}-${loop}`;

/** Timed rounds of PUT or GET over S3; every PUT's ETag and every GET's length is checked where the target can tell. */
function s3Round(target: Target, op: 'PUT' | 'GET', size: Size, concurrency: number, body: Buffer, md5: string): () => Promise<Round> {
  const once = async (loop: number) => {
    const path = `/${BUCKET}/${objectKey(size, loop)}`;
    if (op === 'PUT') {
      const answer = expectStatus(await send(target, 'PUT', path, { body }), 200, `PUT ${path}`);
      if (target.etags && answer.etag !== `"${md5}"`) throw new Error(`PUT ${path} answered ETag ${answer.etag}, the body's MD5 is ${md5}`);
    } else {
      const answer = expectStatus(await send(target, 'GET', path), 200, `GET ${path}`);
      if (answer.bytes !== size.bytes) throw new Error(`GET ${path} sent ${answer.bytes} bytes, the object has ${size.bytes}`);
    }
  };
  return () => {
    const deadline = performance.now() + size.roundMs;
    return closedLoop(concurrency, () => performance.now() < deadline, once);
  };
}

/** `concurrency` parallel `dd` copies: into files with fsync for PUT, out of them to /dev/null for GET. */
function ddRound(work: string, source: string, op: 'PUT' | 'GET', concurrency: number): () => Promise<Round> {
  return async () => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, (_, i) => {
      const copy = join(work, `dd-${i}`);
      const args = op === 'PUT' ? [`if=${source}`, `of=${copy}`, 'conv=fsync'] : [`if=${copy}`, 'of=/dev/null'];
      return timed('dd', [...args, 'bs=1M', 'status=none']);
    }));
    return { ops: concurrency, ms: performance.now() - t0 };
  };
}

/** Operations per second of each round; dirty pages are written back first so no round pays for the previous one. */
async function rates(rounds: number, round: () => Promise<Round>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await sync();
    const { ops, ms } = await round();
    out.push(ops / (ms / 1000));
  }
  return out;
}

/**
 * The floor for S3 over loopback: node:http with PUT bodies written to a file, fsynced and renamed
 * into place as the object layer's segments are, and GETs read back from that file; no
 * authentication, database, hashing or encryption. LIST replays sovcloud's own pages by
 * continuation token, so the same XML crosses the wire.
 */
async function startBaseline(dir: string, pages: Map<string, Buffer>): Promise<{ server: Server; base: string }> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'data'));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    if (url.searchParams.has('list-type')) {
      req.resume();
      const page = pages.get(url.searchParams.get('continuation-token') ?? '');
      if (!page) throw new Error(`no recorded page for ${url.search}`);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': page.length }).end(page);
      return;
    }
    const file = join(dir, 'data', encodeURIComponent(url.pathname));
    if (req.method === 'PUT') {
      const tmp = join(dir, 'tmp', randomUUID());
      const fh = await open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of req as AsyncIterable<Buffer>) await fh.write(chunk);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    req.resume();
    // Baseline objects are at most 1 MiB: one read beats a stream's several trips to the thread pool.
    const data = await readFile(file);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (res.headersSent) res.destroy(err);
      else res.writeHead(500).end(err.message);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Every page of a ListObjectsV2 walk, keyed by the continuation token that asked for it. */
async function listAll(target: Target): Promise<{ keys: number; pages: Map<string, Buffer> }> {
  const pages = new Map<string, Buffer>();
  let token = '';
  let keys = 0;
  for (;;) {
    const query = `list-type=2&max-keys=${LIST_PAGE}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
    const page = expectStatus(await send(target, 'GET', `/${LIST_BUCKET}?${query}`, { keep: true }), 200, `ListObjectsV2 ${query}`).body!;
    pages.set(token, page);
    const xml = page.toString('utf8');
    keys += xml.match(/<Key>/g)?.length ?? 0;
    if (!xml.includes('<IsTruncated>true</IsTruncated>')) return { keys, pages };
    const next = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1];
    if (!next || pages.has(next)) throw new Error(`ListObjectsV2 page ${pages.size} is truncated but continues with ${next ? 'a token already seen' : 'no token'}`);
    token = next;
  }
}

async function listRates(target: Target): Promise<number[]> {
  return rates(LIST_ROUNDS, async () => {
    const t0 = performance.now();
    const { keys } = await listAll(target);
    if (keys !== LIST_KEYS) throw new Error(`a listing of ${LIST_BUCKET} returned ${keys} keys, ${LIST_KEYS} were stored`);
    return { ops: 1, ms: performance.now() - t0 };
  });
}

const fixed = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** S3 PUT, GET and LIST throughput of a real `sovcloud up`, against a bare node:http server and `dd` in the same run. */
export async function run(): Promise<void> {
  const started = performance.now();
  const cloud = await launchCloud();
  const work = mkdtempSync(join(tmpdir(), 'sovcloud-bench-object-'));
  const agents: Agent[] = [];
  let baseline: Server | undefined;
  try {
    const session = await login(cloud);
    const { credential } = await api<{ credential: Keys }>(cloud, session, 'POST', `/identity/v3/users/${session.userId}/credentials/OS-EC2`,
      { tenant_id: session.projectId }, [201]);
    const target = (base: string, etags: boolean): Target => {
      const agent = new Agent({ keepAlive: true, maxSockets: MAX_CONCURRENCY });
      agents.push(agent);
      return { base, agent, keys: credential, etags };
    };
    const sovcloud = target(cloud.objectBase, true);
    for (const bucket of [BUCKET, LIST_BUCKET]) expectStatus(await send(sovcloud, 'PUT', `/${bucket}`), 200, `CreateBucket ${bucket}`);

    // The listing is recorded first: the baseline replays its pages.
    const empty = Buffer.alloc(0);
    const filled = await closedLoop(MAX_CONCURRENCY, (n) => n < LIST_KEYS, async (_, i) => {
      const path = `/${LIST_BUCKET}/key-${String(i).padStart(5, '0')}`;
      expectStatus(await send(sovcloud, 'PUT', path, { body: empty }), 200, `PUT ${path}`);
    });
    const recorded = await listAll(sovcloud);
    if (recorded.keys !== LIST_KEYS) throw new Error(`the first listing of ${LIST_BUCKET} returned ${recorded.keys} keys, ${LIST_KEYS} were stored`);
    const bare = await startBaseline(join(work, 'http'), recorded.pages);
    baseline = bare.server;
    const plain = target(bare.base, false);
    const rounds = SIZES.map((size) => `${size.label} ${size.rounds} × ${size.roundMs ? `${size.roundMs} ms` : 'one object per loop'}`);
    console.log(`object benchmark: S3 over ${cloud.objectBase} (SigV4 header auth, UNSIGNED-PAYLOAD, keep-alive), closed loops; ` +
      `rounds (median shown): ${rounds.join(', ')}; baselines: a bare node:http server (PUT: write + fsync + rename; no auth, ` +
      'hashing or encryption) and parallel dd (PUT: conv=fsync; GET: to /dev/null); dirty pages written back (sync) before each round');

    const rows: string[][] = [];
    for (const size of SIZES) {
      const body = randomBytes(size.bytes);
      const md5 = createHash('md5').update(body).digest('hex');
      const source = join(work, 'source.bin');
      writeFileSync(source, body);
      for (const op of ['PUT', 'GET'] as const) {
        for (const concurrency of CONCURRENCIES) {
          const ours = await rates(size.rounds, s3Round(sovcloud, op, size, concurrency, body, md5));
          const theirs = await rates(size.rounds, size.baseline === 'dd'
            ? ddRound(work, source, op, concurrency)
            : s3Round(plain, op, size, concurrency, body, md5));
          const [o, t] = [median(ours), median(theirs)];
          const mibps = (opsPerSecond: number) => fixed((opsPerSecond * size.bytes) / MiB);
          rows.push([`${op} ${size.label}`, String(concurrency), mibps(o), fixed(o), size.baseline === 'dd' ? 'dd' : 'node:http',
            mibps(t), fixed(t), (o / t).toFixed(3), ours.map(fixed).join(' / ')]);
        }
      }
      const read = expectStatus(await send(sovcloud, 'GET', `/${BUCKET}/${objectKey(size, 0)}`, { md5: true }), 200, `GET ${objectKey(size, 0)}`);
      if (read.md5 !== md5) throw new Error(`GET ${objectKey(size, 0)} returned data with MD5 ${read.md5}, it was stored with ${md5}`);
    }
    console.log(formatTable(
      ['operation', 'conc', 'sovcloud MiB/s', 'sovcloud ops/s', 'baseline', 'baseline MiB/s', 'baseline ops/s', 'ratio', 'sovcloud ops/s per round'],
      rows,
    ));

    const ours = await listRates(sovcloud);
    const theirs = await listRates(plain);
    const xmlBytes = [...recorded.pages.values()].reduce((sum, page) => sum + page.length, 0);
    const ms = (perSecond: number) => (1000 / perSecond).toFixed(1);
    console.log(formatTable(['operation', 'sovcloud ms', 'sovcloud keys/s', 'node:http replay ms', 'ratio', 'sovcloud ms per round'], [[
      `ListObjectsV2 ${LIST_KEYS} keys (${recorded.pages.size} pages)`, ms(median(ours)), fixed(median(ours) * LIST_KEYS), ms(median(theirs)),
      (median(ours) / median(theirs)).toFixed(3), ours.map(ms).join(' / '),
    ]]));
    console.log(`listing XML ${(xmlBytes / 1024).toFixed(0)} KiB in total, its ${LIST_KEYS} empty objects PUT at ${fixed(filled.ops / (filled.ms / 1000))}/s (concurrency ${MAX_CONCURRENCY}); every PUT's ETag matched the body's MD5, every GET's length the ` +
      `object's, one GET per size verified by MD5; ratio = sovcloud rate / baseline rate, higher is better; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  } finally {
    for (const agent of agents) agent.destroy();
    baseline?.close();
    rmSync(work, { recursive: true, force: true });
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}
