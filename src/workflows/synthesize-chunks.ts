// The one synthesis loop: speaks a run of chunks one at a time, or with at most `concurrency` in
// flight (a sliding window, or strict batches). A document's own run and each part of a book use it.

import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, ChunkRef } from '../activities/index.ts';
import type { ResolvedDocumentInput, RetryOptions } from '../document/input.ts';
import { ttsTaskQueue } from './definitions.ts';
import { runBatches, runWindow } from './run-limited.ts';

export type SynthesisSettings = Pick<ResolvedDocumentInput, 'engine' | 'voice' | 'speed' | 'engineOptions' | 'mode' | 'schedule' | 'concurrency' | 'retry'>;

export interface SynthesisHooks {
  /** A chunk's activity is about to start. */
  started(): void;
  /** Chunk `index` (in the document) is done. */
  finished(index: number, ref: ChunkRef): void;
  /** A chunk's activity ended, done or not. */
  ended(): void;
}

/** synthesizeChunk's options; the retry numbers (DEFAULT_RETRY) can be overridden per document (input.retry). */
function synthesisActivities(taskQueue: string, retry: Required<RetryOptions>) {
  return proxyActivities<Activities>({
    taskQueue,
    // A chunk is a few hundred characters: even a cold remote model finishes within minutes.
    startToCloseTimeout: '10 minutes',
    // The activity heartbeats every second; a crashed worker's chunk is retried after 10 s, not 10 min.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: ['InvalidInputError', 'EngineUnavailable'],
    },
  });
}

/** Speaks `texts`, the chunks `firstIndex`.. of the document; their refs come back in order. */
export async function synthesizeChunks(texts: string[], firstIndex: number, settings: SynthesisSettings, hooks: SynthesisHooks): Promise<ChunkRef[]> {
  const { synthesizeChunk } = synthesisActivities(ttsTaskQueue(workflowInfo().taskQueue, settings.engine), settings.retry);
  const { engine, voice, speed, engineOptions } = settings;
  const synthesizeOne = async (i: number): Promise<ChunkRef> => {
    hooks.started();
    try {
      const index = firstIndex + i;
      const ref = await synthesizeChunk({ index, text: texts[i]!, engine, ...(voice ? { voice } : {}), ...(speed ? { speed } : {}), engineOptions });
      hooks.finished(index, ref);
      return ref;
    } finally {
      hooks.ended();
    }
  };
  const run = settings.mode === 'parallel' && settings.schedule === 'batch' ? runBatches : runWindow;
  return run(texts.length, settings.concurrency, synthesizeOne);
}

/** What a run of chunks cost: reused chunks, characters sent to the engine (reused ones cost nothing), the provider's seconds. */
export interface ChunkTotals {
  cachedChunks: number;
  characters: number;
  predictTimeSec?: number;
}

export function chunkTotals(refs: ChunkRef[]): ChunkTotals {
  const reported = refs.filter((ref) => ref.predictTimeSec !== undefined);
  return {
    cachedChunks: refs.filter((ref) => ref.cached).length,
    characters: refs.filter((ref) => !ref.cached).reduce((sum, ref) => sum + ref.characters, 0),
    ...(reported.length > 0 ? { predictTimeSec: reported.reduce((sum, ref) => sum + ref.predictTimeSec!, 0) } : {}),
  };
}
