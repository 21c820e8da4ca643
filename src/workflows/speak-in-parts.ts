// A book too long for one history is spoken in parts: one child workflow after the other, each
// with the document's whole concurrency, so at most C chunks are ever in flight for the document,
// as in one run. Each part reports its progress by signal and returns its refs as one stored list.

import { executeChild, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PreparedText } from '../activities/index.ts';
import type { ContentRef } from '../contract/refs.ts';
import type { audioDocumentPart, PartResult } from './audio-document-part.ts';
import { AUDIO_DOCUMENT_PART_WORKFLOW, partProgressSignal } from './definitions.ts';
import type { DocumentProgressTracker } from './document-progress.ts';
import type { SynthesisSettings } from './synthesize-chunks.ts';

export interface SpokenParts {
  /** Each part's stored list of chunk refs, in order. */
  chunkLists: ContentRef[];
  parts: PartResult[];
}

export async function speakInParts(
  plan: PreparedText,
  settings: SynthesisSettings,
  tracker: DocumentProgressTracker,
): Promise<SpokenParts> {
  setHandler(partProgressSignal, (latest) => tracker.partReported(latest, Date.now()));
  const parts: PartResult[] = [];
  for (const [i, span] of plan.parts.entries()) {
    const part = i + 1;
    tracker.partStarted(part);
    // By its registered name, not the function's: the bundle's scope hoisting may rename a function.
    const result = await executeChild<typeof audioDocumentPart>(AUDIO_DOCUMENT_PART_WORKFLOW, {
      args: [{ part, plan: plan.plan, ...span, settings, ...(plan.cast ? { cast: true } : {}) }],
      workflowId: `${workflowInfo().workflowId}/part-${part}`,
    });
    tracker.partFinished(part, result, span.characters, Date.now());
    parts.push(result);
  }
  return { chunkLists: parts.map((part) => part.list), parts };
}
