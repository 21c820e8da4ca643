// Bounded concurrency for activities inside a workflow. Deterministic: plain promises, no clock or I/O.

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

/** Strict batches: starts `limit` tasks and waits for all of them (the slowest) before the next batch. */
export async function runBatches<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += limit) {
    const batch = Array.from({ length: Math.min(limit, count - start) }, (_, i) => task(start + i));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
