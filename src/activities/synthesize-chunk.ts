// synthesizeChunk: text in, a reference to stored audio out. Idempotent: the blob key is a hash of
// the request, so a retry or a re-run of an edited document reuses audio already made.

import { activityInfo, Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { measureLevelsOffThread } from '../audio/levels-off-thread.ts';
import { decodeWav, encodeWav } from '../audio/wav.ts';
import type { PcmAudio } from '../contract/audio.ts';
import type { ChunkRef } from '../contract/refs.ts';
import type { EngineName } from '../document/input.ts';
import { EngineInputError, PermanentEngineError, RateLimitedError, type SynthesizedAudio, type TtsEngine } from '../engines/engine.ts';
import { recordChunk, recordFailedAttempt } from '../metrics/index.ts';
import { type BlobStore, sha256Hex } from '../storage/blob-store.ts';
import { loadChunkLevels, storeChunkLevels, storeChunkLevelsLater } from '../storage/chunk-levels.ts';
import { storeChunkSpeech } from '../storage/chunk-speech.ts';
import { lexiconKey, pronouncedSpans } from '../text/lexicon.ts';
import { ChunkTurns, turnKey } from './chunk-turns.ts';
import type { HandedBack, SynthesizeChunkInput } from './types.ts';

/** Bump when the stored audio for the same request would change (engine upgrade, new encoding). */
const CHUNK_FORMAT_VERSION = 1;
/** Cancellation reaches an activity only through a heartbeat's answer: beat every second... */
const HEARTBEAT_EVERY_MS = 1_000;
/**
 * But not before this: each heartbeat is a write on the server, and a chunk done sooner (most of a
 * local engine's, a warm provider's) needs none. A 1 s chunk beat as it finished, beside its completion.
 */
export const FIRST_HEARTBEAT_AFTER_MS = 3_000;

export interface SynthesizeDeps {
  engines: Partial<Record<EngineName, TtsEngine>>;
  blobStore: BlobStore;
}

/** A hash of everything that decides the audio; latency or failure settings do not. */
export function chunkKey(input: SynthesizeChunkInput): string {
  const { engine, model, version, settings } = input.pin;
  const request = {
    v: CHUNK_FORMAT_VERSION,
    // The pin without its voice, which is the chunk's own (below).
    engine: [engine, model, version, settings ?? {}],
    voice: input.voice ?? null,
    ...(input.speed !== undefined && input.speed !== 1 ? { speed: input.speed } : {}), // absent keeps older keys valid
    sampleRate: input.engineOptions.sampleRate ?? null,
    // absent keeps older keys valid
    ...(input.engineOptions.charsPerSecond !== undefined ? { charsPerSecond: input.engineOptions.charsPerSecond } : {}),
    text: input.text,
    ...(input.take ? { take: input.take } : {}),
    // Sorted: reordering the dictionary changes no key; editing an entry changes only its chunks'.
    ...(input.lexicon ? { lexicon: lexiconKey(input.lexicon) } : {}),
  };
  const hash = sha256Hex(JSON.stringify(request));
  return `chunks/${hash.slice(0, 2)}/${hash}.wav`;
}

export function createSynthesizeChunk({ engines, blobStore }: SynthesizeDeps) {
  const synthesizeOrReuse = createSynthesizeOrReuse({ engines, blobStore }, new ChunkTurns());
  /** A chunk's stored audio; a queued chunk (`after`) may hand its turn back instead. */
  return async function synthesizeChunk(input: SynthesizeChunkInput): Promise<ChunkRef | HandedBack> {
    try {
      const ref = await synthesizeOrReuse(input);
      if ('handedBack' in ref) return ref;
      recordChunk(input.engine, {
        reused: ref.cached,
        characters: ref.characters,
        ...(ref.predictTimeSec === undefined ? {} : { predictTimeSec: ref.predictTimeSec }),
      });
      return ref;
    } catch (error) {
      recordFailedAttempt(input.engine, failureType(error));
      throw error;
    }
  };
}

function failureType(error: unknown): string {
  if (error instanceof ApplicationFailure && error.type) return error.type;
  return error instanceof Error ? error.name : 'Error';
}

function createSynthesizeOrReuse({ engines, blobStore }: SynthesizeDeps, turns: ChunkTurns) {
  return async function synthesizeOrReuse(input: SynthesizeChunkInput): Promise<ChunkRef | HandedBack> {
    // Outside a workflow (a test, a bench) there are no turns: a chunk speaks at once.
    const runId = activityInfo().workflowExecution?.runId;
    // A first take's turn, for the chunk queued behind it (a new take has no one behind it).
    const ended = input.take || !runId ? undefined : turns.begin(turnKey(runId, input.index));
    try {
      return await speakOrReuse(input, runId, () => ended?.(true));
    } finally {
      ended?.(false); // failed or handed back; no-op once spoken
    }
  };

  async function speakOrReuse(input: SynthesizeChunkInput, runId: string | undefined, spoke: () => void): Promise<ChunkRef | HandedBack> {
    const { attempt, startToCloseTimeoutMs } = activityInfo();
    const engine = engines[input.engine];
    if (!engine) {
      throw ApplicationFailure.nonRetryable(`engine "${input.engine}" is not enabled on this worker`, 'EngineUnavailable');
    }
    const key = chunkKey(input);
    const reused = await reuse(blobStore, key);
    // Audio the pinned engine already made is this document's, whatever this worker's engine is.
    const mismatch = reused ? undefined : engine.cannotServe(input.pin);
    if (mismatch) throw ApplicationFailure.nonRetryable(mismatch, 'EngineMismatch');
    if (reused) {
      spoke(); // nothing to wait for: the chunk behind may speak
      // A caller without a stored plan reads the text beside the audio: keep it there.
      if (!input.textInPlan) await storeChunkSpeech(blobStore, key, { text: input.text });
      const sha256 = sha256Hex(reused.bytes);
      await keepLevels(blobStore, reused.audio, reused.bytes, sha256); // backfills an older store
      return chunkRef(input, reused.uri, reused.audio, sha256, attempt, true);
    }
    // Queued: wait (heartbeating) for the chunk ahead to speak here; otherwise hand the turn back.
    const { after } = input;
    // A retry with a checkpoint (a Replicate prediction's id) had its turn: it resumes, not queues again.
    const resumes = activityInfo().heartbeatDetails !== undefined;
    const turn =
      after === undefined || !runId || resumes
        ? undefined
        : // A quarter of its timeout at most: longer, it hands back and is started again with the whole of it.
          (signal: AbortSignal) => turns.waitFor(turnKey(runId, after), signal, startToCloseTimeoutMs / 4, { retry: attempt > 1 });
    const audio = await synthesize(engine, input, turn);
    if (!audio) return { handedBack: true, attempt };
    spoke(); // the chunk behind may speak while this one is stored
    // ...and asks its engine first: its turn comes in the microtasks after this turn of the event loop,
    // which would otherwise wait for the encoding, hashing and posting below (1-2 ms per chunk, per lane).
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The speech first: a stored audio key promises its speech is there too (its text, unless the
    // plan keeps it; its words, if the engine timed them).
    if (audio.words?.length || !input.textInPlan)
      await storeChunkSpeech(blobStore, key, { text: input.text, ...(audio.words?.length ? { words: audio.words } : {}) }, false);
    // Another attempt or document may have stored this key meanwhile: describe what the store holds.
    const encoded = encodeWav(audio);
    const storing = blobStore.put(key, encoded);
    const sha256 = sha256Hex(encoded);
    // The loudness record is measured on another thread while the store writes and syncs the audio,
    // and stored after the chunk returns (a stitch in this process waits for it; elsewhere it measures).
    const levels = measureLevelsOffThread(audio, { audioSha256: sha256, audioBytes: encoded.length });
    levels.catch(() => {}); // heard below, or dropped with the audio another attempt stored
    const stored = await storing;
    if (stored.bytes === encoded) {
      // The activity's logger, taken now: `log` needs the activity's context, which ends when it returns.
      const logger = Context.current().log;
      storeChunkLevelsLater(blobStore, levels, sha256, (error) =>
        logger.warn("could not keep the chunk's loudness record", { error: String(error) }),
      );
      return chunkRef(input, stored.uri, audio, sha256, attempt, false);
    }
    const described = { ...decodeWav(stored.bytes), predictTimeSec: audio.predictTimeSec };
    const storedSha256 = sha256Hex(stored.bytes);
    await keepLevels(blobStore, described, stored.bytes, storedSha256);
    return chunkRef(input, stored.uri, described, storedSha256, attempt, false);
  }
}

/**
 * Keeps the loudness record beside audio that may lack one (reused, or stored by another attempt),
 * so the stitch knows the document's gain before it reads a sample. Best effort: the stitch
 * measures a chunk without a record itself, so failing here never fails the chunk.
 */
async function keepLevels(blobStore: BlobStore, audio: PcmAudio, bytes: Uint8Array, sha256: string): Promise<void> {
  try {
    if (await loadChunkLevels(blobStore, { audioSha256: sha256, audioBytes: bytes.length })) return;
    await storeChunkLevels(blobStore, await measureLevelsOffThread(audio, { audioSha256: sha256, audioBytes: bytes.length }));
  } catch (error) {
    log.warn("could not store the chunk's loudness record", { error: String(error) });
  }
}

/** Audio already stored for this request; a blob that does not decode is dropped and made again. */
async function reuse(blobStore: BlobStore, key: string) {
  const uri = await blobStore.find(key);
  if (!uri) return undefined;
  const bytes = await blobStore.get(uri);
  try {
    return { uri, bytes, audio: decodeWav(bytes) };
  } catch {
    await blobStore.remove(key);
    return undefined;
  }
}

/**
 * Runs the engine while heartbeating: a dead worker is noticed within the heartbeat timeout, and
 * cancellation reaches us. The heartbeat carries the engine's checkpoint (e.g. a Replicate
 * prediction id), so the next attempt can resume instead of starting over.
 */
async function synthesize(
  engine: TtsEngine,
  input: SynthesizeChunkInput,
  /** Resolves whether this chunk may speak now (a queued chunk's turn); absent: at once. */
  turn?: (signal: AbortSignal) => Promise<boolean>,
): Promise<SynthesizedAudio | undefined> {
  const context = Context.current();
  let details: unknown = context.info.heartbeatDetails;
  const beat = () => context.heartbeat(details);
  // No heartbeat before the first tick: heartbeats after the first are throttled (up to 1 s), and an
  // engine's first checkpoint (a prediction id) should be the one that goes out at once.
  let timer: NodeJS.Timeout | undefined;
  const firstBeat = setTimeout(() => {
    beat();
    timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  }, FIRST_HEARTBEAT_AFTER_MS);
  try {
    if (turn && !(await turn(context.cancellationSignal))) return undefined;
    return await engine.synthesize({
      text: input.text,
      pin: input.pin,
      ...(input.take ? { take: input.take } : {}),
      ...(input.lexicon ? { pronunciations: pronouncedSpans(input.text, input.lexicon) } : {}),
      ...(input.voice === undefined ? {} : { voice: input.voice }),
      ...(input.speed === undefined ? {} : { speed: input.speed }),
      order: input.index,
      options: input.engineOptions,
      signal: context.cancellationSignal,
      resumeFrom: details,
      checkpoint: (checkpoint) => {
        details = checkpoint;
        beat();
      },
      documentCancelled: () => context.cancellationDetails?.cancelRequested === true,
    });
  } catch (error) {
    throw toTemporalFailure(error);
  } finally {
    clearTimeout(firstBeat);
    clearInterval(timer);
  }
}

/** Engine errors as Temporal understands them: what to retry, when, and what never to retry. */
function toTemporalFailure(error: unknown): unknown {
  if (error instanceof EngineInputError) return ApplicationFailure.nonRetryable(error.message, 'InvalidInputError');
  if (error instanceof PermanentEngineError) return ApplicationFailure.nonRetryable(error.message, error.type);
  if (error instanceof RateLimitedError) {
    // Wait what the provider asked, not our backoff: the next attempt is its one request.
    return ApplicationFailure.create({ message: error.message, type: 'RateLimited', nextRetryDelay: error.retryAfterMs });
  }
  return error;
}

function chunkRef(
  input: SynthesizeChunkInput,
  uri: string,
  audio: SynthesizedAudio,
  /** Of the stored WAV bytes. */
  sha256: string,
  attempt: number,
  cached: boolean,
): ChunkRef {
  const frames = audio.samples.length / audio.channels;
  return {
    index: input.index,
    uri,
    sampleRate: audio.sampleRate,
    channels: audio.channels,
    frames,
    durationSec: frames / audio.sampleRate,
    sha256,
    attempt,
    cached,
    characters: input.text.length,
    ...(audio.predictTimeSec === undefined || cached ? {} : { predictTimeSec: audio.predictTimeSec }),
  };
}
