// Reading what a workflow decided from its history, so tests check scheduling exactly, not by timing.

import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { expect } from 'vitest';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';
import { chunkActivities } from '../../testkit/chunk-activities.ts';

/** For each workflow task: how many chunks had finished when it started, and how many were scheduled once its commands ran. */
export type WorkflowTaskDecision = { finished: number; scheduled: number };

/** Chunks count once each: a queued chunk that handed its turn back and was started again is one chunk. */
export async function chunkSchedulingDecisions(handle: WorkflowHandle): Promise<WorkflowTaskDecision[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const chunks = chunkActivities(events);
  const decisions: WorkflowTaskDecision[] = [];
  const scheduled = new Set<number>();
  let finished = 0;
  let open: WorkflowTaskDecision | undefined;
  for (const event of events) {
    if (event.workflowTaskStartedEventAttributes) {
      if (open) open.scheduled = scheduled.size;
      open = { finished, scheduled: scheduled.size };
      decisions.push(open);
    }
    const chunk = chunks.get(Number(event.eventId));
    if (chunk) scheduled.add(chunk.input.index);
    if (chunks.get(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId))?.spoken) finished++;
  }
  if (open) open.scheduled = scheduled.size;
  // The tasks before the first chunk read and chunk the text.
  return decisions.slice(
    Math.max(
      0,
      decisions.findIndex((d) => d.scheduled > 0),
    ),
  );
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * Workflow task failures that mean something is wrong with our code (non-determinism, an exception).
 * Left out: UNHANDLED_COMMAND, the server refusing a "complete/fail the workflow" command because
 * new events (a chunk finishing) arrived while the task ran. The SDK retries that task at once; on a
 * busy machine it happens whenever two chunks settle together, so it is a race, not a defect.
 */
export function defectiveWorkflowTasks(events: HistoryEvent[]): HistoryEvent[] {
  return events.filter((event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    return failed && failed.cause !== temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
  });
}

/** Every chunk scheduled once and completed once, in one execution: nothing finished was redone. */
export async function expectOneExecutionWithoutRedoneChunks(client: Client, workflowId: string, chunks: number) {
  const executions = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) executions.push(execution);
  expect(executions.map((execution) => execution.status.name)).toEqual(['COMPLETED']);
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const activities = [...chunkActivities(events).values()];
  // A queued chunk that handed its turn back did not speak: it is started again, not redone.
  expect(activities.filter((chunk) => chunk.spoken).map((chunk) => chunk.input.index)).toEqual(
    expect.arrayContaining(Array.from({ length: chunks }, (_, i) => i)),
  );
  expect(activities.filter((chunk) => chunk.spoken)).toHaveLength(chunks);
  expect(activities.filter((chunk) => !chunk.spoken).every((chunk) => chunk.input.after !== undefined)).toBe(true);
}

/** The identity of the worker that ran each chunk's (last) attempt, in history order. */
export async function chunkWorkers(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const chunkActivities = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeChunk').map((e) => Number(e.eventId)),
  );
  return events
    .filter(
      (e) => e.activityTaskStartedEventAttributes && chunkActivities.has(Number(e.activityTaskStartedEventAttributes.scheduledEventId)),
    )
    .map((e) => e.activityTaskStartedEventAttributes!.identity!);
}

/**
 * The most chunks whose turn had come at once in one history: open synthesizeChunk activities, a
 * queued one (`after`) counted from when the chunk ahead of it was done (before, it waits its turn).
 */
export function maxInFlight(events: HistoryEvent[]): number {
  const chunks = chunkActivities(events);
  const open = new Set<number>();
  const spoken = new Set<number>();
  let max = 0;
  for (const event of events) {
    const id = Number(event.eventId);
    if (chunks.has(id)) open.add(id);
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    const chunk = chunks.get(Number(closed?.scheduledEventId));
    if (closed) open.delete(Number(closed.scheduledEventId));
    if (chunk?.spoken) spoken.add(chunk.input.index);
    const turnCome = [...open].filter((open) => {
      const after = chunks.get(open)!.input.after;
      return after === undefined || spoken.has(after);
    });
    max = Math.max(max, turnCome.length);
  }
  return max;
}

/** Every synthesizeChunk input of a document, its parts' included (children named `<id>/part-N`), in chunk order. */
export async function chunkInputs(client: Client, workflowId: string): Promise<SynthesizeChunkInput[]> {
  const ids = [workflowId];
  for await (const part of client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowId}/part-"` })) ids.push(part.workflowId);
  const inputs: SynthesizeChunkInput[] = [];
  for (const id of ids) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    // What each chunk was spoken with (a queued chunk's `after` is when, not what).
    for (const { input, spoken } of chunkActivities(events).values()) if (spoken) inputs.push(withoutAfter(input));
  }
  return inputs.sort((a, b) => a.index - b.index);
}

function withoutAfter({ after: _, ...input }: SynthesizeChunkInput): SynthesizeChunkInput {
  return input;
}
