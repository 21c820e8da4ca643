// A small pool of worker threads for the local engines, each thread speaking one chunk at a time,
// so chunks are spoken in parallel on several cores and the worker's event loop never blocks.
// A thread posts { type: 'ready', ... } once loaded, then { type: 'done' | 'error', id, ... } per job;
// it polls the job's abort flag (a shared Int32Array, 1 = stop) since it cannot see our events.

import type { Worker } from 'node:worker_threads';
import type { SynthesisRequest } from './engine.ts';

export interface PoolJob {
  request: SynthesisRequest;
}

/** What differs between engines: the thread, its messages and errors. */
// biome-ignore lint/correctness/noUnusedVariables: TReady carries the type of the thread's 'ready' message to the pool.
export interface ThreadPoolSpec<TJob extends PoolJob, TResult, TReady, TDone> {
  createWorker(): Worker;
  /** The message asking a thread to do `job`. */
  message(job: TJob, id: number, abortFlag: Int32Array): unknown;
  /** The job's result from its 'done' message. */
  result(message: TDone): TResult;
  /** The error for an 'error' message: the job failed inside the thread. */
  jobError(message: string): Error;
  /** The error for a job whose thread crashed or exited. */
  threadError(error: Error): Error;
  /** Passed to threadError when a thread exits. */
  exitMessage: string;
  /** The error for a { type: 'failed', message } the thread posts instead of 'ready' (if it does). */
  startError?(message: string): Error;
  /** Reject a cancelled job at once, not when its thread stops; the thread stays busy until then. */
  rejectOnAbort?: boolean;
  /** Close lets each thread finish its job before ending it, and starts no more jobs. */
  finishJobOnClose?: boolean;
}

interface Job<TJob, TResult> {
  job: TJob;
  resolve: (result: TResult) => void;
  reject: (error: Error) => void;
}

type Reply<TDone> = ({ type: 'done' } & TDone) | { type: 'error'; message: string };

class PoolThread<TJob extends PoolJob, TResult, TReady, TDone> {
  readonly ready: Promise<TReady>;
  busy = false;
  /** Set when the thread crashed or exited: the pool replaces it. */
  dead = false;
  private readonly worker: Worker;
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  private current?: { id: number; job: Job<TJob, TResult> };
  private nextId = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly spec: ThreadPoolSpec<TJob, TResult, TReady, TDone>,
    private readonly onIdle: () => void,
  ) {
    this.worker = spec.createWorker();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (message) => {
        if (message.type === 'ready') resolve(message as TReady);
        else if (message.type === 'failed' && spec.startError) {
          const error = spec.startError(message.message);
          reject(error);
          this.fail(error);
        } else this.finish(message);
      });
    });
    this.ready.catch(() => undefined); // callers that await it see the error; nobody else must
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error(spec.exitMessage)));
  }

  run(job: Job<TJob, TResult>): void {
    this.busy = true;
    this.current = { id: ++this.nextId, job };
    Atomics.store(this.abortFlag, 0, 0);
    job.job.request.signal.addEventListener('abort', this.abort, { once: true });
    this.worker.postMessage(this.spec.message(job.job, this.current.id, this.abortFlag));
  }

  /** With finishJobOnClose, waits for the current job: some threads abort the process if ended inside one. */
  async terminate(): Promise<void> {
    if (this.spec.finishJobOnClose && this.busy && !this.dead) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.worker.terminate();
  }

  private readonly abort = () => {
    Atomics.store(this.abortFlag, 0, 1);
    if (this.spec.rejectOnAbort && this.current) this.current.job.reject(this.current.job.job.request.signal.reason as Error);
  };

  private finish(message: Reply<TDone> & { id: number }): void {
    const current = this.current;
    if (!current || current.id !== message.id) return;
    const { job } = current;
    this.release(job);
    const { signal } = job.job.request;
    if (signal.aborted) job.reject(signal.reason as Error);
    else if (message.type === 'done') job.resolve(this.spec.result(message));
    else job.reject(this.spec.jobError(message.message));
  }

  private fail(error: Error): void {
    this.dead = true;
    if (!this.current) return;
    const { job } = this.current;
    this.release(job);
    job.reject(this.spec.threadError(error));
  }

  private release(job: Job<TJob, TResult>): void {
    job.job.request.signal.removeEventListener('abort', this.abort);
    this.current = undefined;
    this.busy = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.onIdle();
  }
}

export class ThreadPool<TJob extends PoolJob, TResult, TReady = unknown, TDone = unknown> {
  private threads: Array<PoolThread<TJob, TResult, TReady, TDone>> = [];
  private readonly queue: Array<Job<TJob, TResult>> = [];
  private isClosed = false;

  constructor(private readonly spec: ThreadPoolSpec<TJob, TResult, TReady, TDone>) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Starts `count` new threads in place of any before. */
  start(count: number): void {
    this.threads = Array.from({ length: count }, () => this.newThread());
  }

  /** Each thread's 'ready' message, or why it could not start. */
  ready(): Array<Promise<TReady>> {
    return this.threads.map((thread) => thread.ready);
  }

  run(job: TJob): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      const queued: Job<TJob, TResult> = { job, resolve, reject };
      const { signal } = job.request;
      signal.throwIfAborted();
      // A job still waiting for a thread is simply dropped when cancelled.
      signal.addEventListener('abort', () => this.dropQueued(queued), { once: true });
      // Lowest order first (its place in its document); equal orders in the order they came.
      const order = (waiting: Job<TJob, TResult>) => waiting.job.request.order ?? Number.POSITIVE_INFINITY;
      const before = this.queue.findIndex((waiting) => order(waiting) > order(queued));
      this.queue.splice(before < 0 ? this.queue.length : before, 0, queued);
      this.dispatch();
    });
  }

  /** Takes no more threads (nor, with finishJobOnClose, jobs); rejects the waiting jobs with `queuedError` if given. */
  close(queuedError?: Error): void {
    this.isClosed = true;
    if (queuedError) for (const job of this.queue.splice(0)) job.reject(queuedError);
  }

  /** Ends the threads (each after its job, with finishJobOnClose). */
  async terminate(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  private newThread(): PoolThread<TJob, TResult, TReady, TDone> {
    return new PoolThread(this.spec, () => this.dispatch());
  }

  private dispatch(): void {
    if (this.isClosed && this.spec.finishJobOnClose) return; // a job started now would be cut off by terminate
    this.threads.forEach((thread, i) => {
      if (thread.dead && !this.isClosed) this.threads[i] = this.newThread(); // a crashed thread is replaced
    });
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (!thread.busy && !thread.dead) thread.run(this.queue.shift()!);
    }
  }

  private dropQueued(job: Job<TJob, TResult>): void {
    const at = this.queue.indexOf(job);
    if (at < 0) return;
    this.queue.splice(at, 1);
    job.reject(job.job.request.signal.reason as Error);
  }
}
