// The one interface every TTS engine implements, and the errors the activities map to Temporal.

import type { EngineName, EngineOptions } from '../document/input.ts';

/** 16-bit PCM; samples are interleaved when there is more than one channel. */
export interface PcmAudio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

export interface SynthesisRequest {
  text: string;
  voice?: string;
  options: EngineOptions;
  /** Aborted when the activity is cancelled; engines stop work as soon as they can. */
  signal: AbortSignal;
}

export interface TtsEngine {
  readonly name: EngineName;
  synthesize(request: SynthesisRequest): Promise<PcmAudio>;
  /** Releases threads or connections; called on worker shutdown. */
  close?(): Promise<void>;
}

/** The request can never succeed (unknown voice, text the engine rejects): do not retry. */
export class EngineInputError extends Error {
  override name = 'EngineInputError';
}

/** A failure that may pass on a later attempt (provider hiccup, simulated fault). */
export class TransientEngineError extends Error {
  override name = 'TransientEngineError';
}
