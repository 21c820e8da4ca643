// What workflows carry instead of bytes: references into the content-addressed store.

/** Stored bytes (a text, a chunk plan, a part's list of chunk refs), checked by hash on every read. */
export interface ContentRef {
  uri: string;
  sha256: string;
}

/** A pointer to one chunk's audio in the blob store, with what the stitcher needs to plan. */
export interface ChunkRef {
  index: number;
  uri: string;
  sampleRate: number;
  channels: number;
  frames: number;
  durationSec: number;
  /** Of the stored WAV bytes. */
  sha256: string;
  /** Attempt that produced it (1 = first try; a queued chunk handed back after failed attempts counts them too). */
  attempt: number;
  /** True when the same request had been synthesised before and its audio was reused. */
  cached: boolean;
  /** Billed by character-priced models. */
  characters: number;
  /** Provider's hardware seconds for this chunk (Replicate's metrics.predict_time), when it says. */
  predictTimeSec?: number;
  /** With `verify`: how the kept take was heard back. */
  hearing?: ChunkHearing;
}

/** What the recognizer heard in a chunk's kept take (the best of `takes`). */
export interface ChunkHearing {
  wordErrorRate: number;
  /** Takes spoken: 1, or more when the first was heard wrong. */
  takes: number;
  /** Within the document's threshold. */
  passed: boolean;
  /** What was heard, kept only when it did not pass (the result lists it). */
  heard?: string;
}
