// The activities a worker registers, built from injected dependencies (engines, blob store, paths).

import { createStitch, type StitchDeps } from './stitch.ts';
import { createSynthesizeChunk, type SynthesizeDeps } from './synthesize-chunk.ts';

export type ActivityDeps = SynthesizeDeps & StitchDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    synthesizeChunk: createSynthesizeChunk(deps),
    stitch: createStitch(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './types.ts';
