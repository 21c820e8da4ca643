// The activities a worker registers, built from injected dependencies (engines, blob store, paths).

import { Recognizer } from '../recognizer/index.ts';
import { openOutputStore } from '../storage/output-writer.ts';
import { createChunkListActivities } from './chunk-lists.ts';
import { createHearChunk } from './hear-chunk.ts';
import { createPinEngine } from './pin-engine.ts';
import { createTextPlanActivities } from './prepare-text.ts';
import { createStitch } from './stitch.ts';
import { createStitchAhead } from './stitch-ahead.ts';
import { createSynthesizeChunk, type SynthesizeDeps } from './synthesize-chunk.ts';

export type ActivityDeps = SynthesizeDeps & {
  /** Hears chunks back (`verify`); its model is fetched on first use. Default: one of its own. */
  recognizer?: Recognizer;
  /** The worker's output directory: where documents go, or where they wait for their upload. */
  outputDir: string;
  /** AUDIO_OUTPUT_URL: file:///dir or s3://bucket/prefix; default the output directory. */
  outputUrl?: string;
  /** AUDIO_LIBRARY_DIR: the audiobook library; absent, documents asked into one fail saying so. */
  libraryDir?: string;
};

export function createActivities(deps: ActivityDeps) {
  const outputs = openOutputStore(deps.outputDir, deps.outputUrl);
  return {
    synthesizeChunk: createSynthesizeChunk(deps),
    pinEngine: createPinEngine(deps),
    hearChunk: createHearChunk({ blobStore: deps.blobStore, recognizer: deps.recognizer ?? new Recognizer() }),
    stitch: createStitch({
      blobStore: deps.blobStore,
      outputs,
      ...(deps.libraryDir ? { libraryDir: deps.libraryDir } : {}),
    }),
    stitchAhead: createStitchAhead({ blobStore: deps.blobStore, outputs, outputDir: deps.outputDir }),
    ...createTextPlanActivities(deps),
    ...createChunkListActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { CastChunks, PlanCast, PreparedText, PrepareTextInput, ReadChunksInput } from './prepare-text.ts';
export type * from './types.ts';
