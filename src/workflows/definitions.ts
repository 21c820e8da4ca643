// Names shared by the workflow and its clients.

import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DocumentProgress, LivePrefix } from '../contract/result.ts';
import type { EngineName } from '../document/input.ts';

export const AUDIO_DOCUMENT_WORKFLOW = 'audioDocument';
/** A part of a book, run as a child of audioDocument. */
export const AUDIO_DOCUMENT_PART_WORKFLOW = 'audioDocumentPart';
export const progressQuery = defineQuery<DocumentProgress>('progress');
/** The finished contiguous prefix of chunks (refs, never audio), from piece `from` on. */
/** A part tells its parent how far it got, a few times per part (each signal is a history event of the parent). */
export const partProgressSignal = defineSignal<[PartProgress]>('partProgress');
export interface PartProgress {
  part: number;
  done: number;
  inFlight: number;
  failedAttempts: number;
  /** Characters of the chunks done (the ETA's measure). */
  characters: number;
}
export const livePrefixQuery = defineQuery<LivePrefix, [from?: number]>('livePrefix');

/** Engines behind a provider's request limit. */
export const REMOTE_ENGINES = ['replicate', 'openai'] as const satisfies readonly EngineName[];

/**
 * Where a chunk's synthesis runs. A remote engine's chunks get a queue of its own so that the server
 * can hold every worker together under the provider's rate limit; local engines run beside the workflow.
 */
export function ttsTaskQueue(taskQueue: string, engine: EngineName): string {
  return (REMOTE_ENGINES as readonly EngineName[]).includes(engine) ? `${taskQueue}-${engine}` : taskQueue;
}
