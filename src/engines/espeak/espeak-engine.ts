// The local engine: eSpeak-NG compiled to JavaScript (GPL-3.0, kept in this folder on its own).
// A small pool of worker threads, one eSpeak instance each, so chunks are spoken in parallel on
// several cores and the worker's event loop (heartbeats, polling) never blocks on synthesis.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EngineInputError, TransientEngineError, type PcmAudio, type SynthesisRequest, type TtsEngine } from '../engine.ts';

export const ESPEAK_SAMPLE_RATE = 22_050;
export const ESPEAK_DEFAULT_VOICE = 'en-us';
const THREAD_URL = new URL('./espeak-thread.js', import.meta.url);

interface Job {
  request: SynthesisRequest;
  voice: string;
  resolve: (audio: PcmAudio) => void;
  reject: (error: Error) => void;
}

interface ThreadReady {
  sampleRate: number;
  voices: string[];
}

class EspeakThread {
  readonly ready: Promise<ThreadReady>;
  busy = false;
  /** Set when the thread crashed or exited: the engine replaces it. */
  dead = false;
  private readonly worker = new Worker(THREAD_URL);
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  private current?: { id: number; job: Job };
  private nextId = 0;

  constructor(private readonly onIdle: () => void) {
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (message) => {
        if (message.type === 'ready') resolve(message as ThreadReady);
        else this.finish(message);
      });
    });
    this.ready.catch(() => undefined); // callers that await it see the error; nobody else must
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('eSpeak thread exited')));
  }

  run(job: Job): void {
    this.busy = true;
    this.current = { id: ++this.nextId, job };
    Atomics.store(this.abortFlag, 0, 0);
    const { text, signal } = job.request;
    signal.addEventListener('abort', this.abort, { once: true });
    this.worker.postMessage({ id: this.current.id, text, voice: job.voice, abortFlag: this.abortFlag });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private readonly abort = () => Atomics.store(this.abortFlag, 0, 1);

  private finish(message: { type: string; id: number; samples?: Int16Array; message?: string }): void {
    const current = this.current;
    if (!current || current.id !== message.id) return;
    const { job } = current;
    this.release(job);
    if (job.request.signal.aborted) job.reject(job.request.signal.reason as Error);
    else if (message.type === 'done') job.resolve({ sampleRate: ESPEAK_SAMPLE_RATE, channels: 1, samples: message.samples! });
    else job.reject(new Error(`eSpeak failed: ${message.message}`));
  }

  private fail(error: Error): void {
    this.dead = true;
    if (!this.current) return;
    const { job } = this.current;
    this.release(job);
    job.reject(new TransientEngineError(`eSpeak thread failed: ${error.message}`));
  }

  private release(job: Job): void {
    job.request.signal.removeEventListener('abort', this.abort);
    this.current = undefined;
    this.busy = false;
    this.onIdle();
  }
}

export class EspeakEngine implements TtsEngine {
  readonly name = 'espeak' as const;
  private readonly threads: EspeakThread[];
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(readonly threadCount = Math.min(2, availableParallelism())) {
    this.threads = Array.from({ length: threadCount }, () => this.newThread());
  }

  async synthesize(request: SynthesisRequest): Promise<PcmAudio> {
    const { voices } = await this.threads[0]!.ready;
    const voice = (request.voice ?? ESPEAK_DEFAULT_VOICE).toLowerCase();
    if (!voices.includes(voice)) {
      throw new EngineInputError(`unknown eSpeak voice "${request.voice}" (try en-us, en-gb, fr, de, es, or gmw/en-US)`);
    }
    await Promise.all(this.threads.map((thread) => thread.ready));
    return new Promise<PcmAudio>((resolve, reject) => {
      const job: Job = { request, voice, resolve, reject };
      request.signal.throwIfAborted();
      // A job still waiting for a thread is simply dropped when cancelled.
      request.signal.addEventListener('abort', () => this.dropQueued(job), { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  private newThread(): EspeakThread {
    return new EspeakThread(() => this.dispatch());
  }

  private dispatch(): void {
    this.threads.forEach((thread, i) => {
      if (thread.dead && !this.closed) this.threads[i] = this.newThread(); // a crashed thread is replaced
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
    job.reject(job.request.signal.reason as Error);
  }
}
