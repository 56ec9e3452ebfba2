import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** Must point at 127.0.0.1: this generator exists to measure our own server, never anyone else's. */
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Request loops, each waiting for its answer before sending the next (closed loop). */
  concurrency: number;
  durationMs: number;
  /** Stops the run early against a server fast enough to make the request log itself the bottleneck. */
  maxRequests?: number;
  /** A request still unanswered after this long counts as an error and frees its loop. */
  timeoutMs?: number;
}

export interface LoadResult {
  /** Requests answered with a 2xx status. */
  ok: number;
  /** Non-2xx answers plus transport failures (reset, timeout). */
  errors: number;
  /** How often each failure was seen, keyed by `HTTP <status>` or the transport error's code. */
  failures: Record<string, number>;
  elapsedMs: number;
  /** 2xx answers per second of wall time, including the drain of requests in flight at the deadline. */
  perSecond: number;
  /** Latency percentiles over 2xx answers only; NaN when there were none. */
  p50Ms: number;
  p99Ms: number;
}

const DEFAULT_MAX_REQUESTS = 1_000_000;
const DEFAULT_TIMEOUT_MS = 10_000;

type Outcome = { ok: true; ms: number } | { ok: false; reason: string };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** Runs `concurrency` request loops over keep-alive connections until the duration or request budget is spent. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') throw new Error(`refusing to load ${options.url}: only http://127.0.0.1 is allowed`);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  // An explicit length keeps the body out of chunked encoding, which no OpenStack client uses.
  if (body) headers['Content-Length'] = String(body.length);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });

  const once = () =>
    new Promise<Outcome>((resolve) => {
      const t0 = performance.now();
      const req = request(url, { method: options.method, headers, agent }, (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: err.code ?? err.message }));
        res.on('end', () => {
          const ms = performance.now() - t0;
          resolve(status >= 200 && status < 300 ? { ok: true, ms } : { ok: false, reason: `HTTP ${status}` });
        });
        res.resume();
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: err.code ?? err.message }));
      req.end(body);
    });

  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let errors = 0;
  let started = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline && started < maxRequests) {
      started++;
      const outcome = await once();
      if (outcome.ok) {
        latencies.push(outcome.ms);
      } else {
        errors++;
        failures[outcome.reason] = (failures[outcome.reason] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    errors,
    failures,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}
