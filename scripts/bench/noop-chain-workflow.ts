// Benchmark only: a chain of no-op activities, to measure what Temporal itself costs per step on
// this machine (the floor under our orchestration overhead).

import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

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
