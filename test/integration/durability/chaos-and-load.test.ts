// Many documents at once under faults, and under load across two worker processes.

import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../../src/document/input.ts';
import { SimulatedEngine } from '../../../src/engines/simulated.ts';
import { inProcessWorker, numberedParagraphs, referenceRun } from '../../helpers/documents.ts';
import { defectiveWorkflowTasks, maxInFlight } from '../../helpers/history.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../../helpers/worker-process.ts';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  killWorkerProcesses();
  await temporal?.teardown();
});

type Interval = { worker: string; start: number; end: number };

/** Every activity attempt that completed (chunks and stitch), from the histories: who ran it, and when. */
async function activityIntervals(
  handles: WorkflowHandle[],
): Promise<{ intervals: Interval[]; workflowTaskFailures: number; mostChunksPerDocument: number }> {
  const intervals: Interval[] = [];
  let workflowTaskFailures = 0;
  let mostChunksPerDocument = 0;
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  for (const handle of handles) {
    const events = (await handle.fetchHistory()).events ?? [];
    // Timeouts are left out too: a workflow task that waited on a busy machine is slow, not wrong.
    workflowTaskFailures += defectiveWorkflowTasks(events).length;
    // Chunks whose turn had come: a queued one waits its turn in an open activity (it holds a slot).
    mostChunksPerDocument = Math.max(mostChunksPerDocument, maxInFlight(events));
    const byId = new Map(events.map((event) => [Number(event.eventId), event]));
    for (const event of events) {
      const completed = event.activityTaskCompletedEventAttributes;
      if (!completed) continue;
      const started = byId.get(Number(completed.startedEventId))!;
      intervals.push({
        worker: started.activityTaskStartedEventAttributes!.identity!,
        start: ms(started.eventTime),
        end: ms(event.eventTime),
      });
    }
  }
  return { intervals, workflowTaskFailures, mostChunksPerDocument };
}

/** Most intervals open at one time. */
function maxOverlap(intervals: Interval[]): number {
  const edges = intervals
    .flatMap((i) => [
      { t: i.start, d: 1 },
      { t: i.end, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const edge of edges) max = Math.max(max, (open += edge.d));
  return max;
}

describe('chaos', () => {
  it('completes three documents at once through 30 % failures and latency spikes, each identical to its clean run', async () => {
    const taskQueue = uniqueTaskQueue('chaos');
    const engine = new SimulatedEngine(seededRandom(7));
    const worker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
      maxConcurrentActivities: 30,
      engines: { simulated: engine },
    });
    const inputs: AudioDocumentInput[] = [0, 1, 2].map((n) => ({
      text: numberedParagraphs(12, `chaos-${n}`),
      engine: 'simulated',
      concurrency: 4,
      engineOptions: { latencyMs: 20, jitterMs: 600, failureRate: 0.3 }, // jitter up to 30x the base latency
      retry: { initialIntervalMs: 50, maximumIntervalMs: 500, maximumAttempts: 50 },
    }));
    const results = (await worker.runUntil(() =>
      Promise.all(
        inputs.map((input) =>
          temporal.client.workflow.execute('audioDocument', { args: [input], taskQueue, workflowId: uniqueTaskQueue('chaos-doc') }),
        ),
      ),
    )) as AudioDocumentResult[];
    await worker.close();
    expect(engine.stats.failures).toBeGreaterThan(5);
    for (const [n, result] of results.entries()) {
      const clean = await referenceRun(temporal.client, temporal.workerConnection, temporal.dir, inputs[n]!);
      expect(result.sha256).toBe(clean.sha256);
    }
  }, 180_000);
});

describe('load', () => {
  it('completes 20 documents of 50 chunks across two worker processes within every limit, with no defective workflow task', async () => {
    const taskQueue = uniqueTaskQueue('load');
    const perWorker = 10;
    const env = workerProcessEnv(temporal, taskQueue, { WORKER_MAX_CONCURRENT_ACTIVITIES: String(perWorker) });
    await startWorkerProcess(env);
    await startWorkerProcess(env);
    const C = 5;
    const startedAt = Date.now();
    const handles = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        temporal.client.workflow.start('audioDocument', {
          args: [{ text: numberedParagraphs(50, `load-${n}`), engine: 'simulated', concurrency: C, engineOptions: { latencyMs: 50 } }],
          taskQueue,
          workflowId: uniqueTaskQueue(`load-${n}`),
        }),
      ),
    );
    const results = (await Promise.all(handles.map((handle) => handle.result()))) as AudioDocumentResult[];
    const seconds = (Date.now() - startedAt) / 1000;
    expect(results.every((result) => result.chunks === 50)).toBe(true);

    const { intervals, workflowTaskFailures, mostChunksPerDocument: perDoc } = await activityIntervals(handles);
    const workerIds = [...new Set(intervals.map((i) => i.worker))];
    const perWorkerMax = workerIds.map((id) => maxOverlap(intervals.filter((i) => i.worker === id)));
    console.log(
      `load: 20 x 50 chunks in ${seconds.toFixed(1)} s; max in flight per document ${perDoc}, per worker ${perWorkerMax.join(' and ')}; workflow task failures ${workflowTaskFailures}`,
    );
    expect(workerIds).toHaveLength(2); // both workers took part
    expect(perDoc).toBeLessThanOrEqual(C);
    perWorkerMax.forEach((max) => expect(max).toBeLessThanOrEqual(perWorker));
    expect(workflowTaskFailures).toBe(0);
  }, 300_000);
});
