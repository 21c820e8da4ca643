// synthesizeChunk: text in, a reference to stored audio out. Idempotent: the blob key is a hash of
// the request, so a retry or a re-run of an edited document reuses audio already made.

import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { decodeWav, encodeWav } from '../audio/wav.ts';
import type { PcmAudio, TtsEngine } from '../engines/engine.ts';
import { EngineInputError } from '../engines/engine.ts';
import type { EngineName } from '../document/input.ts';
import { sha256Hex, type BlobStore } from '../storage/blob-store.ts';
import type { ChunkRef, SynthesizeChunkInput } from './types.ts';

/** Bump when the stored audio for the same request would change (engine upgrade, new encoding). */
const CHUNK_FORMAT_VERSION = 1;
/** Cancellation reaches an activity only through a heartbeat's answer: beat often. */
const HEARTBEAT_EVERY_MS = 1_000;

export interface SynthesizeDeps {
  engines: Partial<Record<EngineName, TtsEngine>>;
  blobStore: BlobStore;
}

export function chunkKey(input: SynthesizeChunkInput): string {
  const request = { v: CHUNK_FORMAT_VERSION, engine: input.engine, voice: input.voice ?? null, options: input.engineOptions, text: input.text };
  const hash = sha256Hex(JSON.stringify(request));
  return `chunks/${hash.slice(0, 2)}/${hash}.wav`;
}

export function createSynthesizeChunk({ engines, blobStore }: SynthesizeDeps) {
  return async function synthesizeChunk(input: SynthesizeChunkInput): Promise<ChunkRef> {
    const { attempt } = activityInfo();
    const engine = engines[input.engine];
    if (!engine) {
      throw ApplicationFailure.nonRetryable(`engine "${input.engine}" is not enabled on this worker`, 'EngineUnavailable');
    }
    const key = chunkKey(input);
    const existing = await blobStore.find(key);
    if (existing) {
      const bytes = await blobStore.get(existing);
      return chunkRef(input.index, existing, decodeWav(bytes), bytes, attempt, true);
    }
    const audio = await withHeartbeats(() => synthesize(engine, input));
    const bytes = encodeWav(audio);
    const uri = await blobStore.put(key, bytes);
    return chunkRef(input.index, uri, audio, bytes, attempt, false);
  };
}

async function synthesize(engine: TtsEngine, input: SynthesizeChunkInput): Promise<PcmAudio> {
  const { cancellationSignal } = Context.current();
  try {
    return await engine.synthesize({
      text: input.text,
      ...(input.voice === undefined ? {} : { voice: input.voice }),
      options: input.engineOptions,
      signal: cancellationSignal,
    });
  } catch (error) {
    if (error instanceof EngineInputError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidInputError');
    throw error;
  }
}

/** Heartbeats while `work` runs: a dead worker is noticed within the heartbeat timeout, and cancellation reaches us. */
async function withHeartbeats<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function chunkRef(index: number, uri: string, audio: PcmAudio, bytes: Uint8Array, attempt: number, cached: boolean): ChunkRef {
  const frames = audio.samples.length / audio.channels;
  return {
    index,
    uri,
    sampleRate: audio.sampleRate,
    channels: audio.channels,
    frames,
    durationSec: frames / audio.sampleRate,
    sha256: sha256Hex(bytes),
    attempt,
    cached,
  };
}
