import { Agent, request } from 'node:http';

export interface LoadSpec {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  concurrency: number;
  durationMs: number;
  /** Upper bound on requests, so a run ends even against an impossibly fast server. */
  maxRequests?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** A closed-loop load generator over keep-alive connections; loopback targets only. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`refusing to load ${url.hostname}: loopback only`);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const max = spec.maxRequests ?? 1_000_000;
  const start = performance.now();
  const deadline = start + spec.durationMs;

  const once = () => new Promise<boolean>((resolve) => {
    const t0 = performance.now();
    const req = request(url, { method: spec.method, headers: spec.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        resolve((res.statusCode ?? 500) < 300);
      });
    });
    req.on('error', () => resolve(false));
    req.end(spec.body);
  });

  const loop = async () => {
    while (performance.now() < deadline && latencies.length + errors < max) {
      if (!(await once())) errors++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, perSecond: (latencies.length - errors) / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}
