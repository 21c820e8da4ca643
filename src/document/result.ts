// What the audioDocument workflow reports: progress while it runs, and its result.

import type { ChunkRef } from '../activities/types.ts';
import type { Mode, Schedule } from './input.ts';

export type Phase = 'synthesizing' | 'stitching' | 'done';

export interface DocumentProgress {
  phase: Phase;
  total: number;
  done: number;
  inFlight: number;
  /** Failed attempts of chunks that have finished (retries Temporal made for us). */
  failedAttempts: number;
  /** Epoch ms when the workflow started, so a client can show a live clock. */
  startedAt: number;
  /** As of the workflow's last step. */
  elapsedMs: number;
  /** Time left for synthesis at the pace of the latest chunks, by characters (src/workflows/eta.ts); undefined until one chunk is done. */
  etaMs?: number;
}

/** What can be heard of a document that is still rendering: chunks 0..ready-1 are done. */
export interface LivePrefix {
  total: number;
  ready: number;
  phase: Phase;
  /** Finished chunks from the `from` asked for up to `ready`, each with the pause the stitcher puts after it. */
  pieces: Array<ChunkRef & { pauseAfterMs: number }>;
  /** The output format when the input fixes it; otherwise the stitcher picks the chunks' highest. */
  sampleRate?: number;
  channels?: number;
}

/** Workflow time (it stands still within one workflow task, so chunking, done in one, is not timed). */
export interface PhaseTimings {
  synthesisMs: number;
  stitchMs: number;
  totalMs: number;
}

export interface AudioDocumentResult {
  /** The file's name in the shared output directory (what a server on another machine opens); absent in results from before it was added. */
  name?: string;
  /** Absolute path on the worker that stitched it, and as a file: uri. */
  path: string;
  uri: string;
  durationSec: number;
  bytes: number;
  sha256: string;
  sampleRate: number;
  channels: number;
  chunks: number;
  /** Chunks whose audio was reused from an earlier run of the same text. */
  cachedChunks: number;
  failedAttempts: number;
  /** Cost figures for this run: characters sent to the engine (reused chunks cost nothing), and the provider's hardware seconds (Replicate). */
  characters: number;
  predictTimeSec?: number;
  timings: PhaseTimings;
  mode: Mode;
  concurrency: number;
  /** Input values that were adjusted, e.g. "concurrency 10000 capped to 100". */
  notices: string[];
  schedule: Schedule;
  engine: string;
}
