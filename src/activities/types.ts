// What goes in and out of the activities: small JSON only, never audio bytes.

import type { BookDetails } from '../contract/book-details.ts';
import type { CoverRef, EngineName, EngineOptions, EnginePin, OutputFormat } from '../contract/input-schema.ts';
import type { ChunkRef, ContentRef } from '../contract/refs.ts';
import type { Chapter, ChapterStart } from '../contract/reports.ts';
import type { AcxResult, Artifact, DocumentLoudness, VoiceShare } from '../contract/result.ts';
import type { Lexicon } from '../text/lexicon.ts';

export interface SynthesizeChunkInput {
  index: number;
  text: string;
  engine: EngineName;
  /** The model and version the document was started with: part of the key, never substituted. */
  pin: EnginePin;
  /** The document dictionary's entries this chunk contains (part of its key); absent: none. */
  lexicon?: Lexicon;
  /** A new take of a chunk heard wrong: 1, 2, ... (part of the key, so never the stored first take); absent: the first. */
  take?: number;
  voice?: string;
  /** Speaking rate; absent means the engine's own (1). */
  speed?: number;
  engineOptions: EngineOptions;
  /**
   * The document's stored plan holds this text, and its stitch reads captions from there: only the
   * engine's word timings are kept beside the audio, and a chunk without them is one file, not two.
   * The workflow always sends it; without it (a caller with no plan) the text is kept beside the audio.
   */
  textInPlan?: true;
  /**
   * Queued behind chunk `after` of the same run (the window's next in its lane): speak only once
   * that chunk has spoken in this worker, or hand the turn back (`{ handedBack: true }`).
   */
  after?: number;
}

/** A queued chunk that did not speak: the chunk ahead was not speaking in its worker. Start it again. */
export interface HandedBack {
  handedBack: true;
  /** Its attempt: a queued chunk retried after its worker died hands back too, and its failed attempts still count. */
  attempt: number;
}

export interface HearChunkInput {
  /** The take's stored audio, and its sha256 (a hearing is kept by it). */
  uri: string;
  sha256: string;
  /** What was to be said (the chunk's text, with the dictionary's respellings). */
  text: string;
  maxWordErrorRate: number;
}

export interface HeardChunk {
  wordErrorRate: number;
  heard: string;
}

export interface PinEngineInput {
  engine: EngineName;
  voice?: string;
}

export interface StitchInput {
  /** In document order. */
  chunks: ChunkRef[];
  /** A book's chunks, stored by its parts (in order): then `chunks` is empty. */
  chunkLists?: ContentRef[];
  /** The stored plan: captions take each chunk's text from it (without one, from beside each chunk's audio). */
  plan?: ContentRef;
  /** Silence after each chunk, same order and length as `chunks`. */
  pausesAfterMs: number[];
  /** The plan gives chunks voices and exact pauses; chunks without a voice are the narrator's. */
  cast?: { narrator: string };
  output: BookDetails & {
    /** Relative to the worker's output directory; its extension is the format's. */
    name: string;
    format: OutputFormat;
    sampleRate?: number;
    channels?: number;
    // The rest is optional: without it, a plain WAV with untrimmed joins and no captions.
    bitrateKbps?: number;
    /** A stored image: embedded where the format takes one, and the library's cover. */
    cover?: CoverRef;
    /** Into the worker's library (AUDIO_LIBRARY_DIR), as Audiobookshelf scans one; `name` is then not used. */
    library?: boolean;
    /** Trim each chunk's edge silence (the pauses alone set the gaps). */
    trim?: boolean;
    crossfadeMs?: number;
    /** Absent: no normalisation. */
    loudness?: { targetLufs: number; truePeakDb: number };
    /** Level the document to ACX's RMS range, add its room tone, and report on its rules. */
    acx?: boolean;
    /** Write .vtt, .srt and .timings.json beside the audio. */
    captions?: boolean;
    chapters?: ChapterStart[];
    /** One file per chapter in a folder named after the document, and a playlist of them. */
    split?: 'chapter';
  };
  /** The token of the document's first chunks stitched ahead (stitchAhead): a stitch on the worker holding them goes on from them. */
  ahead?: string;
}

export interface StitchResult {
  /** Absolute path on the worker that wrote it, and the same as a file: uri. */
  path: string;
  uri: string;
  bytes: number;
  sha256: string;
  sampleRate: number;
  channels: number;
  frames: number;
  durationSec: number;
  /** Absent when the input asked for no chapters (a caller other than the workflow). */
  artifacts?: Artifact[];
  chapters?: Chapter[];
  loudness?: DocumentLoudness;
  acx?: AcxResult;
  /** The chunks this stitch found written ahead (stitchAhead) and went on from. */
  aheadChunks?: number;
  voices?: VoiceShare[];
}
