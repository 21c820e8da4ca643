// The kokoro engine: Kokoro-82M v1.0 (int8 ONNX) run locally, the model our Replicate default runs.
// A small pool of worker threads, one ONNX Runtime session each (kokoro-thread.ts), started on first
// use: the model is fetched into the cache then if it is missing (model-files.ts). Phonemes come
// from eSpeak-NG (GPL-3.0, espeak-ipa.ts), loaded only inside those threads.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EngineInputError, PermanentEngineError, TransientEngineError, type SynthesisRequest, type SynthesizedAudio, type TtsEngine } from '../engine.ts';
import type { ThreadData, ThreadRequest } from './kokoro-thread.ts';
import { ensureKokoroModel, KOKORO_MODEL_SHA256, KOKORO_VOICES, KokoroModelError } from './model-files.ts';
import { KOKORO_SAMPLE_RATE } from './speak.ts';
import type { WordTiming } from './tokens.ts';

export const KOKORO_DEFAULT_VOICE = 'af_heart';
/** Bump when the same model, voice and speed would give other audio (phonemes, trimming): part of the cache key. */
const PIPELINE_VERSION = 1;
const THREAD_URL = new URL('./kokoro-thread.js', import.meta.url);

/** Kokoro's audio, with when each word is spoken (samples of `samples`). */
export interface KokoroAudio extends SynthesizedAudio {
  words: WordTiming[];
}

export interface KokoroEngineOptions {
  /**
   * Sessions, one per worker thread (KOKORO_THREADS). Default min(2, cores): on 2 cores, 2 sessions of
   * 1 thread made 1.4-1.6x the audio per second of 1 session of 2 threads (real-time factor 0.66-1.03
   * against 1.02-1.53 on 8 sentences, 5 runs), for 1.2-1.5 GB of RSS instead of 0.7 GB.
   */
  threads?: number;
  /** ONNX Runtime threads per session. Default: the cores shared out among the sessions. */
  intraOpThreads?: number;
  /** A model dir the user already has (KOKORO_MODEL_DIR); else the cache's, fetched on first use. */
  modelDir?: string;
  /** Speaking rate, 1 = the model's own. */
  speed?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

interface Job {
  request: SynthesisRequest;
  voice: string;
  resolve: (audio: KokoroAudio) => void;
  reject: (error: Error) => void;
  settled: boolean;
}

type ThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; samples: Int16Array; words: WordTiming[] }
  | { type: 'error'; id: number; message: string };

class KokoroThread {
  readonly ready: Promise<void>;
  busy = false;
  /** Set when the thread crashed or exited: the engine replaces it. */
  dead = false;
  private readonly worker: Worker;
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  private current?: { id: number; job: Job };
  private nextId = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(data: ThreadData, private readonly speed: number, private readonly onIdle: () => void) {
    this.worker = new Worker(THREAD_URL, { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') {
          const error = new PermanentEngineError(message.message, 'KokoroModelUnavailable');
          reject(error);
          this.fail(error);
        }
        else this.finish(message);
      });
    });
    this.ready.catch(() => undefined); // callers that await it see the error; nobody else must
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('Kokoro thread exited')));
  }

  run(job: Job): void {
    this.busy = true;
    this.current = { id: ++this.nextId, job };
    Atomics.store(this.abortFlag, 0, 0);
    job.request.signal.addEventListener('abort', this.abort, { once: true });
    const message: ThreadRequest = { id: this.current.id, text: job.request.text, voice: job.voice, speed: this.speed, abortFlag: this.abortFlag };
    this.worker.postMessage(message);
  }

  /** Ends the thread once its current chunk is done: terminating it inside a model run aborts the process. */
  async terminate(): Promise<void> {
    if (this.busy && !this.dead) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.worker.terminate();
  }

  /** A cancelled chunk fails at once; the thread stops at its next piece and is busy until then. */
  private readonly abort = () => {
    Atomics.store(this.abortFlag, 0, 1);
    if (this.current) settle(this.current.job, () => this.current!.job.reject(this.current!.job.request.signal.reason as Error));
  };

  private finish(message: Extract<ThreadMessage, { id: number }>): void {
    const current = this.current;
    if (!current || current.id !== message.id) return;
    const { job } = current;
    this.release(job);
    settle(job, () => {
      if (message.type === 'done') job.resolve({ sampleRate: KOKORO_SAMPLE_RATE, channels: 1, samples: message.samples, words: message.words });
      else job.reject(new Error(`Kokoro failed: ${message.message}`));
    });
  }

  private fail(error: Error): void {
    this.dead = true;
    if (!this.current) return;
    const { job } = this.current;
    this.release(job);
    const failure = error instanceof PermanentEngineError ? error : new TransientEngineError(`Kokoro thread failed: ${error.message}`);
    settle(job, () => job.reject(failure));
  }

  private release(job: Job): void {
    job.request.signal.removeEventListener('abort', this.abort);
    this.current = undefined;
    this.busy = false;
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.onIdle();
  }
}

function settle(job: Job, action: () => void): void {
  if (job.settled) return;
  job.settled = true;
  action();
}

export class KokoroEngine implements TtsEngine {
  readonly name = 'kokoro' as const;
  /** The model's sha256, the speed and how we phonemize and trim: with the voice, they decide the audio. */
  readonly identity: string;
  readonly threadCount: number;
  readonly intraOpThreads: number;
  private readonly speed: number;
  private threads: KokoroThread[] = [];
  private started?: Promise<string>;
  private modelDir?: string;
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(private readonly options: KokoroEngineOptions = {}) {
    this.threadCount = options.threads ?? Math.min(2, availableParallelism());
    this.intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / this.threadCount));
    this.speed = options.speed ?? 1;
    if (!(this.speed >= 0.5 && this.speed <= 2)) throw new Error(`Kokoro speed must be between 0.5 and 2, got ${options.speed}`);
    this.identity = JSON.stringify(['kokoro', KOKORO_MODEL_SHA256, { speed: this.speed, defaultVoice: KOKORO_DEFAULT_VOICE, pipeline: PIPELINE_VERSION }]);
  }

  async synthesize(request: SynthesisRequest): Promise<KokoroAudio> {
    const voice = (request.voice || KOKORO_DEFAULT_VOICE).toLowerCase();
    if (!KOKORO_VOICES.includes(voice)) {
      throw new EngineInputError(`unknown Kokoro voice "${request.voice}" (try ${KOKORO_VOICES.join(', ')})`);
    }
    await this.start();
    return new Promise<KokoroAudio>((resolve, reject) => {
      const job: Job = { request, voice, resolve, reject, settled: false };
      request.signal.throwIfAborted();
      // A job still waiting for a thread is simply dropped when cancelled.
      request.signal.addEventListener('abort', () => this.dropQueued(job), { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Drops waiting chunks and ends the threads, each after the chunk it is speaking (if any). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) settle(job, () => job.reject(new TransientEngineError('Kokoro engine closed')));
    await this.started?.catch(() => undefined);
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  /** Fetches or checks the model once, then starts the threads; a failure is tried again by the next chunk. */
  private start(): Promise<string> {
    this.started ??= (async () => {
      try {
        const { modelDir, env, log } = this.options;
        this.modelDir = await ensureKokoroModel({ modelDir, env, log });
        if (this.closed) throw new Error('Kokoro engine closed');
        this.threads = Array.from({ length: this.threadCount }, () => this.newThread());
        await Promise.all(this.threads.map((thread) => thread.ready));
        return this.modelDir;
      } catch (error) {
        this.started = undefined;
        await Promise.all(this.threads.map((thread) => thread.terminate()));
        this.threads = [];
        throw error instanceof KokoroModelError ? new PermanentEngineError(error.message, 'KokoroModelUnavailable') : error;
      }
    })();
    return this.started;
  }

  private newThread(): KokoroThread {
    const data: ThreadData = { modelDir: this.modelDir!, intraOpThreads: this.intraOpThreads };
    return new KokoroThread(data, this.speed, () => this.dispatch());
  }

  private dispatch(): void {
    if (this.closed) return;
    this.threads.forEach((thread, i) => {
      if (thread.dead) this.threads[i] = this.newThread(); // a crashed thread is replaced
    });
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (!thread.busy && !thread.dead) thread.run(this.queue.shift()!);
    }
  }

  private dropQueued(job: Job): void {
    const at = this.queue.indexOf(job);
    if (at < 0) return;
    this.queue.splice(at, 1);
    settle(job, () => job.reject(job.request.signal.reason as Error));
  }
}
