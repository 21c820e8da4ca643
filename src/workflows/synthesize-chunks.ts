// The one synthesis loop: speaks a run of chunks one at a time, or with at most `concurrency` in
// flight (a sliding window, or strict batches). A document's own run and each part of a book use it.

import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, HandedBack, SynthesizeChunkInput } from '../activities/index.ts';
import type { ChunkRef } from '../contract/refs.ts';
import type { Verification } from '../contract/result.ts';
import type { EnginePin, ResolvedDocumentInput } from '../document/input.ts';
import { lexiconIn } from '../text/lexicon.ts';
import { saidText } from '../text/respell.ts';
import { ttsTaskQueue } from './definitions.ts';
import { hearBack, verificationOf } from './hear-back.ts';
import { type Ahead, runBatches, runQueuedWindow, runWindow } from './run-limited.ts';

export type SynthesisSettings = Pick<
  ResolvedDocumentInput,
  | 'engine'
  | 'voice'
  | 'speed'
  | 'engineOptions'
  | 'lexicon'
  | 'verify'
  | 'mode'
  | 'schedule'
  | 'concurrency'
  | 'retry'
  | 'tenant'
  | 'tenantWeight'
> & {
  /** The engine the document was pinned to when it started. */
  pin: EnginePin;
};

/** The input's synthesis settings alone, with the document's pin: what each part of a book is given. */
export function synthesisSettings(input: ResolvedDocumentInput, pin: EnginePin): SynthesisSettings {
  const { engine, voice, speed, engineOptions, lexicon, verify, mode, schedule, concurrency, retry, tenant, tenantWeight } = input;
  return {
    engine,
    pin,
    ...(lexicon ? { lexicon } : {}),
    ...(verify ? { verify } : {}),
    ...(voice ? { voice } : {}),
    ...(speed ? { speed } : {}),
    engineOptions,
    mode,
    schedule,
    concurrency,
    retry,
    ...(tenant ? { tenant, ...(tenantWeight === undefined ? {} : { tenantWeight }) } : {}),
  };
}

export interface SynthesisHooks {
  /** A chunk's activity is about to start. */
  started(): void;
  /** Chunk `index` (in the document) is done: after its `ended` (with verify, once its kept take is heard). */
  finished(index: number, ref: ChunkRef): void;
  /** A chunk's activity ended, done or not: it is no longer in flight. */
  ended(): void;
}

/**
 * synthesizeChunk's options; the retry numbers (DEFAULT_RETRY) can be overridden per document
 * (input.retry). A tenant's chunks carry its fairness key (documents without one schedule exactly
 * what they always did).
 */
function synthesisActivities(taskQueue: string, { retry, tenant, tenantWeight }: SynthesisSettings) {
  return proxyActivities<Activities>({
    taskQueue,
    ...(tenant ? { priority: { fairnessKey: tenant, ...(tenantWeight === undefined ? {} : { fairnessWeight: tenantWeight }) } } : {}),
    // A chunk is a few hundred characters: even a cold remote model finishes within minutes.
    startToCloseTimeout: '10 minutes',
    // The activity heartbeats every second; a crashed worker's chunk is retried after 10 s, not 10 min.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: ['InvalidInputError', 'EngineUnavailable', 'EngineMismatch'],
    },
  });
}

/** The recognizer runs on the document's own queue, whatever the engine's: any worker hears any chunk. */
const hearingActivities = proxyActivities<Activities>({
  // The first chunk a worker hears fetches the recognizer's model (about 10 s); chunks wait their turn.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/** Speaks `texts`, the chunks `firstIndex`.. of the document, each in its voice (null or none: the document's); refs come back in order. */
export async function synthesizeChunks(
  { texts, voices }: { texts: string[]; voices?: Array<string | null> },
  firstIndex: number,
  settings: SynthesisSettings,
  hooks: SynthesisHooks,
): Promise<ChunkRef[]> {
  const { synthesizeChunk } = synthesisActivities(ttsTaskQueue(workflowInfo().taskQueue, settings.engine), settings);
  const { hearChunk } = hearingActivities;
  const { engine, pin, voice, speed, engineOptions, lexicon, verify } = settings;
  const speak = (input: SynthesizeChunkInput): Promise<ChunkRef> => synthesizeChunk(input).then(spokenRef);
  /**
   * A chunk queued behind `ahead` in its lane: its activity is started now, so it is on a worker
   * when the chunk ahead ends. It is in flight (its turn) once the chunk ahead is done; if it handed
   * its turn back (the chunk ahead was not speaking in its worker), it is started again then.
   */
  const speakQueued = (input: SynthesizeChunkInput, ahead: Ahead): Promise<ChunkRef> => {
    const queued = synthesizeChunk({ ...input, after: firstIndex + ahead.index });
    queued.catch(() => undefined); // heard below, once the chunk ahead is done
    return ahead.done
      .then(
        () => true,
        () => false, // the lane hears the failure ahead and stops: this chunk is not needed, nor started again
      )
      .then((aheadDone) => {
        hooks.started();
        return queued.then((result) => {
          if (!('handedBack' in result)) return result;
          if (!aheadDone) throw ApplicationFailure.nonRetryable('the chunk ahead failed', 'ChunkAheadFailed');
          // The restart is a new activity: the attempts the handed-back one had failed still count.
          return speak(input).then((ref) => ({ ...ref, attempt: ref.attempt + result.attempt - 1 }));
        });
      });
  };
  // Not an async function: each chunk makes as few promises as it can (see runWindow).
  const synthesizeOne = (i: number, ahead?: Ahead): Promise<ChunkRef> => {
    const index = firstIndex + i;
    // Only the entries this chunk has: an edit to another entry leaves its key, and its audio, alone.
    const entries = lexiconIn(texts[i]!, lexicon);
    // The pin's voice is the input's with the engine's default filled in: a release that changes the
    // default cannot change a document's voice, nor reuse audio of another voice under the same key.
    const chunkVoice = voices?.[i] ?? pin.voice ?? voice;
    const input: SynthesizeChunkInput = {
      index,
      text: texts[i]!,
      engine,
      pin,
      ...(chunkVoice ? { voice: chunkVoice } : {}),
      ...(speed ? { speed } : {}),
      engineOptions,
      ...(entries ? { lexicon: entries } : {}),
      // The document's stored plan holds the text, and the stitch reads captions from there.
      textInPlan: true,
    };
    if (!ahead) hooks.started();
    return (ahead ? speakQueued(input, ahead) : speak(input)).then(
      (first) => {
        hooks.ended();
        if (!verify) {
          hooks.finished(index, first);
          return first;
        }
        // Heard back beside the next chunks: the chunk's slot is free once it is spoken, so the engine
        // does not wait on the recognizer. It is done (and heard live) once its kept take is known.
        const kept = hearBack(first, verify, {
          speak: (take) => speak({ ...input, take }),
          // Heard against what was to be said: a respelled name is heard as its respelling.
          hear: (ref) =>
            hearChunk({ uri: ref.uri, sha256: ref.sha256, text: saidText(input.text, entries), maxWordErrorRate: verify.maxWordErrorRate }),
        }).then((ref) => {
          hooks.finished(index, ref);
          return ref;
        });
        kept.catch(() => undefined); // awaited below, with the others: not an unhandled rejection meanwhile
        hearings[i] = kept;
        return first;
      },
      (error: unknown) => {
        hooks.ended();
        throw error;
      },
    );
  };
  const hearings: Array<Promise<ChunkRef>> = [];
  const spokenRefs = await runChunks(settings)(texts.length, settings.concurrency, synthesizeOne);
  return verify ? Promise.all(hearings) : spokenRefs;
}

/**
 * Parallel windows keep each lane's next chunk queued behind the running one; sequential speaks one
 * chunk, then asks for the next (the seed's baseline, and a provider that wants one request at a time
 * sees one); batches wait for their slowest.
 */
function runChunks({ mode, schedule }: SynthesisSettings) {
  if (mode !== 'parallel') return runWindow;
  return schedule === 'batch' ? runBatches : runQueuedWindow;
}

/** Only a queued chunk (`after`) hands its turn back. */
function spokenRef(result: ChunkRef | HandedBack): ChunkRef {
  if ('handedBack' in result) throw new Error('a chunk queued behind none handed its turn back');
  return result;
}

/** What a run of chunks cost: reused chunks, characters sent to the engine (reused ones cost nothing), the provider's seconds. */
export interface ChunkTotals {
  cachedChunks: number;
  characters: number;
  predictTimeSec?: number;
  /** With `verify`. */
  verification?: Omit<Verification, 'maxWordErrorRate'>;
}

export function chunkTotals(refs: ChunkRef[]): ChunkTotals {
  const reported = refs.filter((ref) => ref.predictTimeSec !== undefined);
  const verification = verificationOf(refs);
  return {
    ...(verification ? { verification } : {}),
    cachedChunks: refs.filter((ref) => ref.cached).length,
    characters: refs.filter((ref) => !ref.cached).reduce((sum, ref) => sum + ref.characters, 0),
    ...(reported.length > 0 ? { predictTimeSec: reported.reduce((sum, ref) => sum + ref.predictTimeSec!, 0) } : {}),
  };
}
