// Reading what a workflow decided from its history, so tests check scheduling exactly, not by timing.

import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { expect } from 'vitest';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';

/** For each workflow task: how many chunks had finished when it started, and how many were scheduled once its commands ran. */
export type WorkflowTaskDecision = { finished: number; scheduled: number };

export async function chunkSchedulingDecisions(handle: WorkflowHandle): Promise<WorkflowTaskDecision[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const chunkActivities = new Set<number>();
  const decisions: WorkflowTaskDecision[] = [];
  let finished = 0;
  let scheduled = 0;
  let open: WorkflowTaskDecision | undefined;
  for (const event of events) {
    if (event.workflowTaskStartedEventAttributes) {
      if (open) open.scheduled = scheduled;
      open = { finished, scheduled };
      decisions.push(open);
    }
    const scheduledAttributes = event.activityTaskScheduledEventAttributes;
    if (scheduledAttributes?.activityType?.name === 'synthesizeChunk') {
      chunkActivities.add(Number(event.eventId));
      scheduled++;
    }
    if (chunkActivities.has(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId))) finished++;
  }
  if (open) open.scheduled = scheduled;
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
  const scheduled = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeChunk');
  const completed = new Set(scheduled.map((event) => Number(event.eventId)));
  expect(scheduled).toHaveLength(chunks);
  expect(events.filter((event) => completed.has(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId)))).toHaveLength(
    chunks,
  );
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

/** The most synthesizeChunk activities open at once in one history. */
export function maxInFlight(events: HistoryEvent[]): number {
  const open = new Set<number>();
  let max = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeChunk') open.add(Number(event.eventId));
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (closed) open.delete(Number(closed.scheduledEventId));
    max = Math.max(max, open.size);
  }
  return max;
}

/** Every synthesizeChunk input of a document, its parts' included (children named `<id>/part-N`), in chunk order. */
export async function chunkInputs(client: Client, workflowId: string): Promise<SynthesizeChunkInput[]> {
  const ids = [workflowId];
  for await (const part of client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowId}/part-"` })) ids.push(part.workflowId);
  const inputs: SynthesizeChunkInput[] = [];
  for (const id of ids) {
    for (const event of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'synthesizeChunk') continue;
      inputs.push(defaultPayloadConverter.fromPayload<SynthesizeChunkInput>(scheduled.input!.payloads![0]!));
    }
  }
  return inputs.sort((a, b) => a.index - b.index);
}
