// What the audioDocument workflow reports: progress while it runs, and its result.

import type { EnginePin, Mode, OutputFormat, Schedule } from './input-schema.ts';
import type { ChunkRef } from './refs.ts';
import type { AcxReport, Chapter, LoudnessReport } from './reports.ts';

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
  /** `engine model@version voice`, once the engine is pinned. */
  spokenBy?: string;
  /** Time left for synthesis at the pace of the latest chunks, by characters (src/workflows/eta.ts); undefined until one chunk is done. */
  etaMs?: number;
}

/** What can be heard of a document that is still rendering: chunks 0..ready-1 are done. */
export interface LivePrefix {
  total: number;
  ready: number;
  phase: Phase;
  /** Finished chunks from the `from` asked for up to `ready`, each with the pause the stitcher puts after it. */
  pieces: Array<ChunkRef & { pauseAfterMs: number; exactPause?: boolean }>;
  /** The output format when the input fixes it; otherwise the stitcher picks the chunks' highest. */
  sampleRate?: number;
  channels?: number;
  /** A book spoken in parts: its chunks are not heard live (their refs stay in the parts until the stitch). */
  parts?: number;
  /** How the stitcher joins the pieces; absent: untrimmed, no crossfade (workflows from before). */
  join?: { trim: boolean; crossfadeMs: number; leadInMs?: number; tailMs?: number };
}

/** Workflow time (it stands still within one workflow task, so chunking, done in one, is not timed). */
export interface PhaseTimings {
  synthesisMs: number;
  stitchMs: number;
  totalMs: number;
}

/** A file the document made: the audio, its captions, its timings. */
export interface Artifact {
  /** `book`: a read-along EPUB (its chapter MP3s follow as `audio`); `cover` and `metadata`: a library's cover.jpg and metadata.json. */
  kind: 'audio' | 'captions' | 'timings' | 'playlist' | 'book' | 'cover' | 'metadata';
  /** Relative to the output directory. */
  name: string;
  path: string;
  uri: string;
  mediaType: string;
  bytes: number;
  sha256: string;
}

/** How the document was heard back (`verify`). */
export interface Verification {
  /** The word error rate over which a take is spoken again. */
  maxWordErrorRate: number;
  /** Chunks heard back. */
  checked: number;
  /** Chunks spoken again (more than one take). */
  resynthesized: number;
  /** Chunks whose best take is still over the threshold: which, how far off, and what was heard. */
  unresolved: Array<{ index: number; wer: number; heard: string }>;
}

/** What the loudness normalisation found and did: one gain for the whole document. */
export type DocumentLoudness = LoudnessReport;

/**
 * The ACX preset's checks on the file, and the one gain that levelled it. Split by chapter: the
 * rules of the files played in a row, each file's own report, and `pass` only if every file passes.
 */
export type AcxResult = AcxReport & { gainDb: number; limitedMs: number; files?: Array<AcxReport & { name: string }> };

/** One voice of a cast document: how much of the audio it speaks, and how loud it was before the one gain. */
export interface VoiceShare {
  voice: string;
  /** Its chunks' speech, pauses not counted. */
  speechSec: number;
  /** Of all chunks' speech, 0..1. */
  share: number;
  chunks: number;
  /** Integrated loudness of its chunks as the engines made them (with loudness normalisation on). */
  loudnessLufs?: number;
}

export interface AudioDocumentResult {
  /**
   * The file's name in the shared output directory (what a server on another machine opens); absent in results from before it was
   * added.
   */
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
  /**
   * Cost figures for this run: characters sent to the engine (reused chunks cost nothing), and the provider's hardware seconds
   * (Replicate).
   */
  characters: number;
  predictTimeSec?: number;
  timings: PhaseTimings;
  mode: Mode;
  concurrency: number;
  /** Input values that were adjusted, e.g. "concurrency 10000 capped to 100". */
  notices: string[];
  schedule: Schedule;
  engine: string;
  /** The engine's model and version every chunk was spoken by; absent from results of workflows from before. */
  pin?: EnginePin;
  /** The pin for people: `engine model@version voice`. */
  spokenBy?: string;
  /** The rest came with formats; absent from results of workflows from before. */
  format?: OutputFormat;
  /** Every file written: the audio first (split by chapter: the playlist, then each file), then captions and timings. */
  artifacts?: Artifact[];
  /** One per heading, in order (and one for any text before the first heading); empty when the text has none. */
  chapters?: Chapter[];
  /** Absent when normalisation was off. */
  loudness?: DocumentLoudness;
  /** With output.preset "acx". */
  acx?: AcxResult;
  /** A document with a cast (dialogue voice, voice tags, voices by chapter): every voice, most heard first. */
  voices?: VoiceShare[];
  /** With `verify`: every chunk heard back; those still over the threshold after their takes are listed, never hidden. */
  verification?: Verification;
  /** A book spoken in parts (child workflows): how many, and the longest histories (events) of the document and of a part. */
  parts?: number;
  historyEvents?: { document: number; largestPart: number };
}
