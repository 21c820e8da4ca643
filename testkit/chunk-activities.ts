// The synthesizeChunk activities of a workflow history, for tests and benches that read histories.

import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { HandedBack, SynthesizeChunkInput } from '../src/activities/types.ts';
import type { ChunkRef } from '../src/contract/refs.ts';

/**
 * Each synthesizeChunk activity by its scheduled event id: its input, and whether it spoke
 * (completed with audio; a queued chunk that handed its turn back did not).
 */
export function chunkActivities(
  events: readonly temporal.api.history.v1.IHistoryEvent[],
): Map<number, { input: SynthesizeChunkInput; spoken: boolean }> {
  const chunks = new Map<number, { input: SynthesizeChunkInput; spoken: boolean }>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'synthesizeChunk') {
      const input = defaultPayloadConverter.fromPayload<SynthesizeChunkInput>(scheduled.input!.payloads![0]!);
      chunks.set(Number(event.eventId), { input, spoken: false });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const chunk = chunks.get(Number(completed?.scheduledEventId));
    if (chunk && completed) {
      const result = defaultPayloadConverter.fromPayload<ChunkRef | HandedBack>(completed.result!.payloads![0]!);
      chunk.spoken = !('handedBack' in result);
    }
  }
  return chunks;
}
