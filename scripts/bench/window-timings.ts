// Where a parallel run's time goes beyond the chunks' own latency, read from its workflow history.

import type { Client } from '@temporalio/client';
import { chunkActivities } from '../../testkit/chunk-activities.ts';

export interface WindowTimings {
  /** Workflow started -> first chunk scheduled. */
  firstChunkAfterMs: number;
  /**
   * What a slot costs per chunk beyond the engine's latency: the k-th and (k+C)-th completions apart,
   * less L (mean). It holds the refill's round trip when the next chunk is started as a slot frees,
   * and what is left of it when the next chunk is queued behind the running one.
   */
  meanSlotGapMs: number;
  /** A chunk dispatched -> its completion recorded, beyond the engine's latency (delivery, storing, the completion call). */
  meanActivityExtraMs: number;
  /** Workflow tasks while chunks ran, per wave of `concurrency` chunks. */
  workflowTasksPerWave: number;
  /** Last chunk finished -> workflow completed (stitching and the final workflow tasks). */
  afterLastChunkMs: number;
}

export async function windowTimings(client: Client, workflowId: string, concurrency: number, latencyMs: number): Promise<WindowTimings> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (event: (typeof events)[number]) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
  const chunks = chunkActivities(events);
  const scheduled: number[] = [];
  const finished: number[] = [];
  const runs: number[] = [];
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  for (const event of events) {
    if (chunks.has(Number(event.eventId))) scheduled.push(at(event));
    const completed = event.activityTaskCompletedEventAttributes;
    // A queued chunk that handed its turn back did not speak: its restart is the chunk's run.
    if (completed && chunks.get(Number(completed.scheduledEventId))?.spoken) {
      finished.push(at(event));
      runs.push(at(event) - at(byId.get(Number(completed.startedEventId))!));
    }
  }
  finished.sort((a, b) => a - b);
  const gaps = finished.slice(concurrency).map((time, k) => time - finished[k]! - latencyMs);
  const [firstChunk, lastChunk] = [scheduled[0]!, finished[finished.length - 1]!];
  const tasks = events.filter(
    (event) => event.workflowTaskStartedEventAttributes && at(event) > firstChunk && at(event) <= lastChunk,
  ).length;
  return {
    firstChunkAfterMs: firstChunk - at(events[0]!),
    meanSlotGapMs: gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length,
    meanActivityExtraMs: runs.reduce((sum, run) => sum + run, 0) / runs.length - latencyMs,
    workflowTasksPerWave: tasks / Math.ceil(scheduled.length / concurrency),
    afterLastChunkMs: at(events[events.length - 1]!) - lastChunk,
  };
}
