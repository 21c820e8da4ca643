// Bounded concurrency for activities inside a workflow. Deterministic: only workflow APIs.

import { condition } from '@temporalio/workflow';

/**
 * Sliding window: starts task i as soon as fewer than `limit` are running, so `limit` stay busy
 * until the end. Results come back in index order. One loop is the only waiter on the condition,
 * so the limit is never overshot. Stops starting new tasks after the first failure and rethrows it.
 */
export async function runWindow<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let running = 0;
  let failure: { error: unknown } | undefined;
  for (let index = 0; index < count && !failure; index++) {
    await condition(() => running < limit || failure !== undefined);
    if (failure) break;
    running++;
    task(index)
      .then(
        (result) => void (results[index] = result),
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => running--);
  }
  await condition(() => running === 0 || failure !== undefined);
  if (failure) throw failure.error;
  return results;
}

/** Strict batches: starts `limit` tasks and waits for all of them (the slowest) before the next batch. */
export async function runBatches<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += limit) {
    const batch = Array.from({ length: Math.min(limit, count - start) }, (_, i) => task(start + i));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
