/**
 * A Kubernetes-style work queue for controllers: handlers enqueue a key (a resource id), never
 * the object; the worker re-reads the resource. Guarantees:
 * - a key is queued at most once, and never handed to two workers at the same time (a key added
 *   while it is being processed runs once more afterwards, so no change is lost);
 * - a failing key is retried with per-key exponential backoff; success forgets its failures;
 * - at most `concurrency` keys are processed at once.
 */
export interface WorkQueueOptions {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown, attempt: number) => void;
}

/** Thrown by a reconcile function when retrying cannot help (bad spec): recorded, not requeued. */
export class PermanentError extends Error {}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly reconcile: (key: string) => Promise<void>, private readonly options: WorkQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs));
  }

  /** Resolves when nothing is queued, running or waiting on a retry timer. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.settle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.active.size === 0 && this.timers.size === 0;
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    try {
      await this.reconcile(key);
      this.failures.delete(key);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.options.onError?.(key, err, attempt);
      if (err instanceof PermanentError) {
        this.failures.delete(key);
      } else {
        this.failures.set(key, attempt);
        this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)));
      }
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      this.settle();
    }
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
