// The one interface every TTS engine implements, and the errors the activities map to Temporal.

import type { PcmAudio, WordTiming } from '../contract/audio.ts';
import type { EngineName, EngineOptions, EnginePin } from '../contract/input-schema.ts';
import type { PronouncedSpan } from '../text/lexicon.ts';

/** What an engine returns: the audio, what it cost when the provider says, and its words when it times them. */
export interface SynthesizedAudio extends PcmAudio {
  /** Provider's hardware seconds (Replicate's metrics.predict_time). */
  predictTimeSec?: number;
  words?: WordTiming[];
}

export interface SynthesisRequest {
  text: string;
  /** Where the document's dictionary says how to say what is written (offsets in `text`): the engine says it so. */
  pronunciations?: PronouncedSpan[];
  /** A new take of a chunk that was heard wrong (1, 2, ...); its own chunk key makes it a new request to the provider. */
  take?: number;
  /** The engine the document was started with (its model and version), never substituted; absent: the engine's own. */
  pin?: EnginePin;
  voice?: string;
  /** Speaking rate, 1 (the default) being the engine's own. */
  speed?: number;
  /**
   * The chunk's place in its document: a local engine serves its waiting chunks lowest first, so the
   * next chunk a listener needs is not stuck behind a later one (and a new document's first chunk
   * goes before a long one's hundredth).
   */
  order?: number;
  options: EngineOptions;
  /** Aborted when the activity is cancelled; engines stop work as soon as they can. */
  signal: AbortSignal;
  /** What an earlier attempt saved with `checkpoint` (e.g. a remote job id), to resume it. */
  resumeFrom?: unknown;
  /** Saves progress durably (as the activity's heartbeat details) before the engine goes on. */
  checkpoint?(details: unknown): void;
  /**
   * After `signal` aborts: true if the document itself was cancelled, so paid remote work should be
   * cancelled too; false for a timeout or a worker shutting down, when a retry will resume it.
   */
  documentCancelled?(): boolean;
}

export interface TtsEngine {
  readonly name: EngineName;
  /** What a document starting now with `voice` is pinned to (Replicate: its "latest" resolved to a version id). */
  pin(voice: string | undefined, signal: AbortSignal): Promise<EnginePin>;
  /** Why this worker cannot speak a document pinned to `pin` (another model file), or undefined if it can. */
  cannotServe(pin: EnginePin): string | undefined;
  synthesize(request: SynthesisRequest): Promise<SynthesizedAudio>;
  /** Loads what the first chunk would (a local model), ahead of it; it stays loaded until `close`. */
  warm?(): Promise<void>;
  /** Releases threads or connections; called on worker shutdown. */
  close?(): Promise<void>;
}

/** The request can never succeed (unknown voice, text the engine rejects): do not retry. */
export class EngineInputError extends Error {
  override name = 'EngineInputError';
}

/** The provider refuses for a reason a retry cannot fix (bad token, no credit, invalid input). */
export class PermanentEngineError extends Error {
  override name = 'PermanentEngineError';
  constructor(
    message: string,
    /** Becomes the Temporal failure type, e.g. "ReplicateUnauthenticated". */
    readonly type: string,
  ) {
    super(message);
  }
}

/** The provider asked us to wait before the next request. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A failure that may pass on a later attempt (provider hiccup, simulated fault). */
export class TransientEngineError extends Error {
  override name = 'TransientEngineError';
}
