// Benchmark only: a chain of no-op activities, to measure what Temporal itself costs per step on
// this machine (the floor under our orchestration overhead); and a book's structure of no-ops (below).

import { executeChild, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { runWindow } from '../../src/workflows/run-limited.ts';

interface NoopActivities {
  noop(step: number): Promise<number>;
}

const remote = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export async function noopChain(steps: number, useLocalActivities: boolean): Promise<number> {
  const { noop } = useLocalActivities ? local : remote;
  let sum = 0;
  for (let step = 0; step < steps; step++) sum += await noop(step);
  return sum;
}

// Temporal's floor for a book (scripts/bench/books.ts): the same structure as a book spoken in
// parts, with nothing else. The parts run one after the other as child workflows (`<id>/part-N`),
// each running its count of no-op activities through a sliding window of `concurrency`; an
// activity returns at once, or after `latencyMs`. No chunk texts, refs, lists or progress signals.

interface NoopBookActivities {
  noopWait(ms: number): Promise<void>;
}

const book = proxyActivities<NoopBookActivities>({ startToCloseTimeout: '10 minutes' });

/** One child per entry of `partSizes`, in order; returns the activities run. */
export async function noopBook(partSizes: number[], concurrency: number, latencyMs: number): Promise<number> {
  const { workflowId } = workflowInfo();
  let total = 0;
  for (const [i, activities] of partSizes.entries()) {
    total += await executeChild(noopBookPart, { args: [activities, concurrency, latencyMs], workflowId: `${workflowId}/part-${i + 1}` });
  }
  return total;
}

/**
 * `activities` no-op activities, at most `concurrency` in flight: a slot is refilled as soon as it
 * frees, by the same window a document's chunks use (so the floor pays what that code costs too).
 */
export async function noopBookPart(activities: number, concurrency: number, latencyMs: number): Promise<number> {
  return (await runWindow(activities, concurrency, () => book.noopWait(latencyMs))).length;
}
