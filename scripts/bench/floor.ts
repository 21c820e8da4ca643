// Temporal's own cost per step on this machine: a sequential chain of no-op activities (and of
// no-op local activities) on the benchmark's server, with the CPU time the worker process and the
// server spend per step. Our orchestration overhead is read against it.

import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { type Bench, measureCpu } from './harness.ts';

export interface Floor {
  steps: number;
  local: boolean;
  msPerStep: number;
  /** CPU time per step, in ms: this Node process (SDK and worker) and the Temporal server. */
  workerCpuMs: number;
  serverCpuMs: number;
}

const WORKFLOWS_PATH = fileURLToPath(new URL('./noop-chain-workflow.ts', import.meta.url));
let floorRuns = 0;

export async function temporalFloor(bench: Bench, steps: number, local: boolean): Promise<Floor> {
  const taskQueue = `floor-${local ? 'local' : 'remote'}-${++floorRuns}`; // workflow ids must not repeat
  const worker = await Worker.create({
    connection: bench.workerConnection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: { noop: async (step: number) => step },
  });
  return worker.runUntil(async () => {
    await bench.client.workflow.execute('noopChain', { args: [3, local], taskQueue, workflowId: `${taskQueue}-warm-up` });
    const { elapsedMs, workerCpuMs, serverCpuMs } = await measureCpu(bench.server, () =>
      bench.client.workflow.execute('noopChain', { args: [steps, local], taskQueue, workflowId: `${taskQueue}-chain` }),
    );
    return { steps, local, msPerStep: elapsedMs / steps, workerCpuMs: workerCpuMs / steps, serverCpuMs: serverCpuMs / steps };
  });
}
