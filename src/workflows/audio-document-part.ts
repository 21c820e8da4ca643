// audioDocumentPart: one part of a book, a child of audioDocument with a history of its own. It
// reads its chunk texts from the stored plan, speaks them with the same loop as a whole document,
// tells the parent how far it got a few times on the way, and returns its chunk refs stored as one
// list, so that the parent's history grows by one reference per part, not one per chunk.

import { getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ContentRef } from '../contract/refs.ts';
import { type PartProgress, partProgressSignal } from './definitions.ts';
import { readPlanChunks } from './plan-chunks.ts';
import { type ChunkTotals, chunkTotals, type SynthesisSettings, synthesizeChunks } from './synthesize-chunks.ts';

/** Progress signals per part: the parent's history grows by a few events per signal. */
const PROGRESS_SIGNALS_PER_PART = 20;

export interface PartInput {
  /** 1-based, as the progress and the ids show it. */
  part: number;
  plan: ContentRef;
  from: number;
  to: number;
  settings: SynthesisSettings;
  /** The plan gives each chunk its voice. */
  cast?: boolean;
}

export interface PartResult extends ChunkTotals {
  /** The part's chunk refs, in order, stored. */
  list: ContentRef;
  chunks: number;
  failedAttempts: number;
  /** This run's history length when it returned: the bound a test checks. */
  historyEvents: number;
}

const { readChunks, readCastChunks, storeChunkList } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 }, // disk hiccups only
});

export async function audioDocumentPart({ part, plan, from, to, settings, cast }: PartInput): Promise<PartResult> {
  const { texts, voices } = await readPlanChunks({ readChunks, readCastChunks }, { plan, from, to }, !!cast);
  const parent = workflowInfo().parent;
  const parentHandle = parent ? getExternalWorkflowHandle(parent.workflowId, parent.runId) : undefined;
  const step = Math.max(1, Math.ceil(texts.length / PROGRESS_SIGNALS_PER_PART));
  const progress: PartProgress = { part, done: 0, inFlight: 0, failedAttempts: 0, characters: 0 };
  const refs = await synthesizeChunks({ texts, ...(voices ? { voices } : {}) }, from, settings, {
    started: () => void progress.inFlight++,
    finished: (index, ref) => {
      progress.done++;
      progress.failedAttempts += ref.attempt - 1;
      progress.characters += texts[index - from]!.length;
      // The part's end reaches the parent as its result; on the way, every `step` chunks.
      if (progress.done % step === 0 && progress.done < texts.length)
        void parentHandle?.signal(partProgressSignal, { ...progress }).catch(
          () => undefined, // a parent that is gone closes its parts anyway
        );
    },
    ended: () => void progress.inFlight--,
  });
  const list = await storeChunkList({ refs });
  return {
    list,
    chunks: refs.length,
    ...chunkTotals(refs),
    failedAttempts: progress.failedAttempts,
    historyEvents: workflowInfo().historyLength,
  };
}
