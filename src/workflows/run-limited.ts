// Bounded concurrency for activities inside a workflow. Deterministic: only workflow APIs.

import { condition } from '@temporalio/workflow';

/**
 * Sliding window: starts task i as soon as fewer than `limit` are running, so `limit` stay busy
 * until the end. Results come back in index order. It is `limit` lanes, each starting the next
 * task when its own ends, so the limit cannot be overshot; no condition is checked per task, which
 * halves the promises a task makes in the sandbox (each one is stack-traced). Stops starting new
 * tasks after the first failure and rethrows it at once, without waiting for the tasks in flight.
 */
export async function runWindow<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  let failed!: (error: unknown) => void;
  const firstFailure = new Promise<never>((_, reject) => (failed = reject));
  const lane = async () => {
    while (next < count && !failure) {
      const index = next++;
      try {
        results[index] = await task(index);
      } catch (error) {
        failure ??= { error };
        failed(error);
      }
    }
  };
  await Promise.race([Promise.all(Array.from({ length: Math.min(limit, count) }, lane)), firstFailure]);
  return results;
}

/**
 * The window as workflows started before 'window-lanes' run it: one loop waiting on a condition
 * per task. Its commands differ from the lanes' only when a success and a failure land in the same
 * workflow task (the lanes start one more task before the failure ends the run).
 */
export async function runWindowOnConditions<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let running = 0;
  let failure: { error: unknown } | undefined;
  for (let index = 0; index < count && !failure; index++) {
    await condition(() => running < limit || failure !== undefined);
    if (failure) break;
    running++;
    // One `then`, no `finally`: the sandbox captures a stack for every promise a workflow makes,
    // and at thousands of chunks the promises per chunk are what the workflow thread spends.
    task(index).then(
      (result) => {
        results[index] = result;
        running--;
      },
      (error: unknown) => {
        failure ??= { error };
        running--;
      },
    );
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
