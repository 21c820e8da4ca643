// The activities a worker registers, built from injected dependencies (engines, blob store, paths).

import { createChunkListActivities } from './chunk-lists.ts';
import { createTextPlanActivities } from './prepare-text.ts';
import { createStitch, type StitchDeps } from './stitch.ts';
import { createSynthesizeChunk, type SynthesizeDeps } from './synthesize-chunk.ts';

export type ActivityDeps = SynthesizeDeps & StitchDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    synthesizeChunk: createSynthesizeChunk(deps),
    stitch: createStitch(deps),
    ...createTextPlanActivities(deps),
    ...createChunkListActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './types.ts';
export type { PreparedText, PrepareTextInput, ReadChunksInput } from './prepare-text.ts';
