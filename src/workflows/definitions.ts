// Names shared by the workflow and its clients.

import { defineQuery } from '@temporalio/workflow';
import type { EngineName } from '../document/input.ts';
import type { DocumentProgress, LivePrefix } from '../document/result.ts';

export const AUDIO_DOCUMENT_WORKFLOW = 'audioDocument';
export const progressQuery = defineQuery<DocumentProgress>('progress');
/** The finished contiguous prefix of chunks (refs, never audio), from piece `from` on. */
export const livePrefixQuery = defineQuery<LivePrefix, [from?: number]>('livePrefix');

/**
 * Where a chunk's synthesis runs. Replicate chunks get their own queue so that the server can hold
 * every worker together under the provider's rate limit; local engines run beside the workflow.
 */
export function ttsTaskQueue(taskQueue: string, engine: EngineName): string {
  return engine === 'replicate' ? `${taskQueue}-replicate` : taskQueue;
}
