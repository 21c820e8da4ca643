// Reading what a workflow decided from its history, so tests check scheduling exactly, not by timing.

import type { WorkflowHandle } from '@temporalio/client';

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
  return decisions;
}
