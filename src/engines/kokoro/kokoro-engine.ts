// The kokoro engine: Kokoro-82M v1.0 run locally (float32 ONNX, made from the published int8 one),
// the model our Replicate default runs.
// A small pool of worker threads, one ONNX Runtime session each (kokoro-thread.ts), started on first
// use: the model is fetched into the cache then if it is missing (model-files.ts). Phonemes come
// from eSpeak-NG (GPL-3.0, espeak-ipa.ts), loaded only inside those threads.

import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { canonicalBlend, isBlend, parseBlend } from '../../cast/index.ts';
import type { WordTiming } from '../../contract/audio.ts';
import type { EnginePin } from '../../contract/input-schema.ts';
import { respell } from '../../text/respell.ts';
import {
  EngineInputError,
  PermanentEngineError,
  type SynthesisRequest,
  type SynthesizedAudio,
  TransientEngineError,
  type TtsEngine,
} from '../engine.ts';
import { localPinMismatch } from '../local-pin.ts';
import { ThreadPool } from '../thread-pool.ts';
import type { ThreadData, ThreadRequest } from './kokoro-thread.ts';
import {
  ensureKokoroModel,
  type KOKORO_INT8_MODEL_FILE,
  KOKORO_MODEL_FILE,
  KOKORO_VOICES,
  KokoroDownloadError,
  KokoroModelError,
  pinnedSha256,
} from './model-files.ts';
import type { IpaOverride } from './phonemes.ts';
import { KOKORO_SAMPLE_RATE } from './speak.ts';

export const KOKORO_DEFAULT_VOICE = 'af_heart';
/** Bump when the same model, voice and speed would give other audio (phonemes, trimming): part of the cache key. */
const PIPELINE_VERSION = 1;
const THREAD_URL = new URL('./kokoro-thread.js', import.meta.url);

/**
 * How the pin and the threads spell a voice: lowercase; a blend in its canonical spelling (its
 * recipe, so any spelling of the same mix shares a chunk key). A blend that does not parse stays
 * as written: synthesize refuses it.
 */
function kokoroVoiceName(voice: string | undefined): string {
  const name = (voice || KOKORO_DEFAULT_VOICE).toLowerCase();
  if (!isBlend(name)) return name;
  const parts = parseBlend(name);
  return 'problem' in parts ? name : canonicalBlend(parts);
}

/** The model file's pinned sha256 and how we phonemize and trim: with the voice and the speed (in the key), they decide the audio. */
export const kokoroPin = (voice?: string, modelFile: string = KOKORO_MODEL_FILE): EnginePin => ({
  engine: 'kokoro',
  model: modelFile,
  version: pinnedSha256(modelFile),
  voice: kokoroVoiceName(voice),
  settings: { pipeline: PIPELINE_VERSION },
});

/** Kokoro's audio, with when each word is spoken (samples of `samples`). */
export interface KokoroAudio extends SynthesizedAudio {
  words: WordTiming[];
}

/**
 * Sessions per worker: min(2, cores), and one per 6 GB of memory at most, as each holds the float32
 * model (about 1.8 GB of RSS). On 2 cores, 2 sessions of 1 thread made 1.1x the audio per second of
 * 1 session of 2 threads (real-time factor 0.55 against 0.60 on 6 chunks).
 */
export const defaultKokoroSessions = () => Math.max(1, Math.min(2, availableParallelism(), Math.floor(totalmem() / (6 * 2 ** 30))));

/**
 * Kokoro for a server that answers short requests: one session with every core, so a sentence spoken
 * alone uses them all (its first words in about 1.1 s instead of 1.5 s on 2 cores), with half the
 * memory of two. Two sessions of every core answered no sooner, and a long input took as long with
 * each layout (docs/benchmarks.md).
 */
export const latencyFirstKokoro = (): Required<Pick<KokoroEngineOptions, 'threads' | 'intraOpThreads'>> => ({
  threads: 1,
  intraOpThreads: availableParallelism(),
});

export interface KokoroEngineOptions {
  /** Sessions, one per worker thread (KOKORO_THREADS); default defaultKokoroSessions(). */
  threads?: number;
  /** ONNX Runtime threads per session (KOKORO_SESSION_THREADS). Default: the cores shared out among the sessions. */
  intraOpThreads?: number;
  /** A model dir the user already has (KOKORO_MODEL_DIR); else the cache's, fetched on first use. */
  modelDir?: string;
  /** The float32 model (default), or the int8 one as published, for the benchmark's comparison. */
  modelFile?: typeof KOKORO_MODEL_FILE | typeof KOKORO_INT8_MODEL_FILE;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

interface Job {
  request: SynthesisRequest;
  voice: string;
  /** The text with the dictionary's respellings, and where its IPA entries stand in it. */
  text: string;
  ipa: IpaOverride[];
}

export class KokoroEngine implements TtsEngine {
  readonly name = 'kokoro' as const;
  readonly threadCount: number;
  readonly intraOpThreads: number;
  readonly modelFile: string;
  private started?: Promise<string>;
  private modelDir?: string;
  private readonly pool = new ThreadPool<Job, KokoroAudio, unknown, { samples: Int16Array; words: WordTiming[] }>({
    createWorker: () => {
      const data: ThreadData = {
        modelDir: this.modelDir!,
        modelFile: this.modelFile,
        intraOpThreads: this.intraOpThreads,
        allowSpinning: this.threadCount * this.intraOpThreads <= availableParallelism(),
      };
      return new Worker(THREAD_URL, { workerData: data });
    },
    message: ({ request, voice, text, ipa }, id, abortFlag): ThreadRequest => ({
      id,
      text,
      ipa,
      voice,
      speed: request.speed ?? 1,
      abortFlag,
    }),
    result: ({ samples, words }) => ({ sampleRate: KOKORO_SAMPLE_RATE, channels: 1, samples, words }),
    jobError: (message) => new Error(`Kokoro failed: ${message}`),
    threadError: (error) =>
      error instanceof PermanentEngineError ? error : new TransientEngineError(`Kokoro thread failed: ${error.message}`),
    exitMessage: 'Kokoro thread exited',
    startError: (message) => new PermanentEngineError(message, 'KokoroModelUnavailable'),
    // A cancelled chunk fails at once; the thread stops at its next piece and is busy until then.
    rejectOnAbort: true,
    // Terminating a thread inside a model run aborts the process.
    finishJobOnClose: true,
  });

  constructor(private readonly options: KokoroEngineOptions = {}) {
    this.threadCount = options.threads ?? defaultKokoroSessions();
    this.intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / this.threadCount));
    this.modelFile = options.modelFile ?? KOKORO_MODEL_FILE;
  }

  async pin(voice: string | undefined): Promise<EnginePin> {
    return kokoroPin(voice, this.modelFile);
  }

  cannotServe(pin: EnginePin): string | undefined {
    return localPinMismatch(kokoroPin(undefined, this.modelFile), pin);
  }

  async synthesize(request: SynthesisRequest): Promise<KokoroAudio> {
    const voice = kokoroVoiceName(request.voice);
    if (isBlend(voice)) {
      const parts = parseBlend(voice);
      if ('problem' in parts) throw new EngineInputError(`the Kokoro voice blend "${request.voice}" ${parts.problem}`);
      const unknown = parts.find((part) => !KOKORO_VOICES.includes(part.voice));
      if (unknown) {
        throw new EngineInputError(
          `the blend "${request.voice}" names an unknown Kokoro voice "${unknown.voice}" (try ${KOKORO_VOICES.join(', ')})`,
        );
      }
    } else if (!KOKORO_VOICES.includes(voice)) {
      throw new EngineInputError(`unknown Kokoro voice "${request.voice}" (try ${KOKORO_VOICES.join(', ')})`);
    }
    await this.start();
    // Respellings are said as text; IPA entries keep their written word and replace its phonemes.
    const respelled = respell(request.text, request.pronunciations ?? [], (span) => (span.ipa ? span.written : (span.say ?? span.written)));
    const ipa = respelled.spans.flatMap((span) =>
      span.ipa ? [{ index: span.spokenIndex, length: span.spokenLength, ipa: span.ipa }] : [],
    );
    const audio = await this.pool.run({ request, voice, text: respelled.text, ipa });
    return { ...audio, words: respelled.toWritten(audio.words) };
  }

  /** Loads the model now (in the background of a worker that will use it), so that the first chunk does not wait for it. */
  async warm(): Promise<void> {
    await this.start();
  }

  /** Drops waiting chunks and ends the threads, each after the chunk it is speaking (if any). */
  async close(): Promise<void> {
    this.pool.close(new TransientEngineError('Kokoro engine closed'));
    await this.started?.catch(() => undefined);
    await this.pool.terminate();
  }

  /** Fetches or checks the model once, then starts the threads; a failure is tried again by the next chunk. */
  private start(): Promise<string> {
    this.started ??= (async () => {
      try {
        const { modelDir, env, log } = this.options;
        const started = performance.now();
        const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
        log?.(`Kokoro: loading the model (${plural(this.threadCount, 'session')} of ${plural(this.intraOpThreads, 'thread')})`);
        this.modelDir = await ensureKokoroModel({ modelDir, env, log });
        if (this.pool.closed) throw new Error('Kokoro engine closed');
        this.pool.start(this.threadCount);
        await Promise.all(this.pool.ready());
        log?.(`Kokoro: model loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; it stays loaded for the next documents`);
        return this.modelDir;
      } catch (error) {
        this.started = undefined;
        await this.pool.terminate();
        this.pool.start(0);
        // A failed download is retried with the chunk; a missing tool or a file that fails its pin is not.
        if (error instanceof KokoroDownloadError) throw new TransientEngineError(error.message);
        throw error instanceof KokoroModelError ? new PermanentEngineError(error.message, 'KokoroModelUnavailable') : error;
      }
    })();
    return this.started;
  }
}
