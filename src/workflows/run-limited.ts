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

/** A task queued behind the one ahead of it in its lane, which it may wait for. */
export interface Ahead {
  index: number;
  /** Settles when the task ahead does. */
  done: Promise<unknown>;
}

/**
 * A sliding window whose lanes each keep their next task queued behind the running one: the next
 * task is started (scheduled) when the one ahead starts, and given it as `ahead`, so the round trip
 * from a freed slot to its next task is taken while the task ahead runs. The task is what keeps the
 * limit: it must not do its work until the task ahead has done its own (synthesizeChunk waits for
 * the chunk ahead to finish speaking, or hands its turn back). At most `limit` lanes, each with two
 * tasks started; results in index order; the first failure stops new starts and is rethrown at once.
 */
export async function runQueuedWindow<T>(count: number, limit: number, task: (index: number, ahead?: Ahead) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  let failed!: (error: unknown) => void;
  const firstFailure = new Promise<never>((_, reject) => (failed = reject));
  const start = (index: number, ahead?: Ahead): Ahead => {
    const done = task(index, ahead);
    done.catch(() => undefined); // heard in its lane, in order
    return { index, done };
  };
  // Every lane's first task before any queued one: the first wave is matched to workers first.
  const firsts = Array.from({ length: Math.min(limit, count) }, () => start(next++));
  const lane = async (running: Ahead) => {
    for (let current: Ahead | undefined = running; current; ) {
      const queued: Ahead | undefined = next < count && !failure ? start(next++, current) : undefined;
      try {
        results[current.index] = (await current.done) as T;
      } catch (error) {
        failure ??= { error };
        failed(error);
        return;
      }
      current = queued;
    }
  };
  await Promise.race([Promise.all(firsts.map(lane)), firstFailure]);
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
