import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError, WorkQueue } from './reconcile.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('a key added many times while queued is reconciled once', async () => {
  const seen: string[] = [];
  const q = new WorkQueue(async (k) => void seen.push(k), { concurrency: 1 });
  q.add('busy');
  for (let i = 0; i < 5; i++) q.add('a');
  await q.idle();
  assert.deepEqual(seen, ['busy', 'a']);
});

test('a key is never processed by two workers at once, and a change during processing is not lost', async () => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release!: () => void;
  const q = new WorkQueue(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs++;
    if (runs === 1) await new Promise<void>((r) => (release = r));
    running--;
  }, { concurrency: 4 });
  q.add('k');
  await tick();
  q.add('k');
  q.add('k');
  release();
  await q.idle();
  assert.equal(maxRunning, 1);
  assert.equal(runs, 2);
});

test('failures retry with growing delays until success, then the failure count is forgotten', async () => {
  const times: number[] = [];
  const errors: number[] = [];
  let fail = 3;
  const q = new WorkQueue(async () => {
    times.push(performance.now());
    if (fail-- > 0) throw new Error('transient');
  }, { baseDelayMs: 10, onError: (_k, _e, attempt) => errors.push(attempt) });
  q.add('k');
  await q.idle();
  assert.equal(times.length, 4);
  assert.deepEqual(errors, [1, 2, 3]);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[2]! > gaps[0]!, `backoff grows: ${gaps.map((g) => g.toFixed(1)).join(', ')}`);
  fail = 1;
  q.add('k');
  await q.idle();
  assert.deepEqual(errors, [1, 2, 3, 1]);
});

test('a permanent error is reported and not retried', async () => {
  let runs = 0;
  const q = new WorkQueue(async () => {
    runs++;
    throw new PermanentError('bad spec');
  }, { baseDelayMs: 1 });
  q.add('k');
  await q.idle();
  await tick();
  assert.equal(runs, 1);
});

test('concurrency bounds how many keys run at once; stop drops what is pending', async () => {
  let running = 0;
  let maxRunning = 0;
  const q = new WorkQueue(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await tick();
    running--;
  }, { concurrency: 2 });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await q.idle();
  assert.equal(maxRunning, 2);
  q.stop();
  q.add('late');
  await q.idle();
  assert.equal(running, 0);
});
