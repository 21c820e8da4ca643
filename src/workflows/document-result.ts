// The audioDocument workflow's result, assembled from what each step returned. Pure.

import type { StitchResult } from '../activities/index.ts';
import { engineLabel } from '../contract/engine-label.ts';
import type { AudioDocumentResult, PhaseTimings } from '../contract/result.ts';
import type { EnginePin, ResolvedDocumentInput } from '../document/input.ts';
import type { PartResult } from './audio-document-part.ts';
import { addVerifications } from './hear-back.ts';
import type { ChunkTotals } from './synthesize-chunks.ts';

export interface DocumentOutcome {
  input: ResolvedDocumentInput;
  pin: EnginePin;
  name: string;
  chunks: number;
  spoken: ChunkTotals;
  /** A book spoken in parts: each part's result. */
  parts?: PartResult[];
  failedAttempts: number;
  stitched: StitchResult;
  timings: PhaseTimings;
  /** This run's history length as it returns. */
  historyEvents: number;
}

export function documentResult({
  input,
  pin,
  name,
  chunks,
  spoken,
  parts,
  failedAttempts,
  stitched,
  timings,
  historyEvents,
}: DocumentOutcome): AudioDocumentResult {
  return {
    name,
    path: stitched.path,
    uri: stitched.uri,
    durationSec: stitched.durationSec,
    bytes: stitched.bytes,
    sha256: stitched.sha256,
    sampleRate: stitched.sampleRate,
    channels: stitched.channels,
    chunks,
    cachedChunks: spoken.cachedChunks,
    failedAttempts,
    characters: spoken.characters,
    ...(spoken.predictTimeSec === undefined ? {} : { predictTimeSec: spoken.predictTimeSec }),
    timings,
    mode: input.mode,
    concurrency: input.concurrency,
    notices: input.notices,
    schedule: input.schedule,
    engine: input.engine,
    pin,
    spokenBy: engineLabel(pin),
    format: input.output.format,
    artifacts: stitched.artifacts ?? [],
    chapters: stitched.chapters ?? [],
    ...(stitched.loudness ? { loudness: stitched.loudness } : {}),
    ...(stitched.acx ? { acx: stitched.acx } : {}),
    ...(stitched.voices ? { voices: stitched.voices } : {}),
    ...(input.verify && spoken.verification
      ? { verification: { maxWordErrorRate: input.verify.maxWordErrorRate, ...spoken.verification } }
      : {}),
    ...(parts
      ? {
          parts: parts.length,
          historyEvents: { document: historyEvents, largestPart: Math.max(...parts.map((part) => part.historyEvents)) },
        }
      : {}),
  };
}

/** What the parts of a book cost together. */
export function partTotals(parts: readonly PartResult[]): ChunkTotals {
  const sum = (key: 'cachedChunks' | 'characters') => parts.reduce((total, part) => total + part[key], 0);
  const predicted = parts.filter((part) => part.predictTimeSec !== undefined);
  const verification = parts.map((part) => part.verification).reduce(addVerifications, undefined);
  return {
    ...(verification ? { verification } : {}),
    cachedChunks: sum('cachedChunks'),
    characters: sum('characters'),
    ...(predicted.length > 0 ? { predictTimeSec: predicted.reduce((total, part) => total + part.predictTimeSec!, 0) } : {}),
  };
}
