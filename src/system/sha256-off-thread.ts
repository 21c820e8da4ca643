// sha256 of large buffers on a worker thread. The stitch checks every chunk it reads and hashes
// the file it writes (about 1 ms per MB each): on the thread that also levels, writes and serves
// Temporal, that was the tail's largest cost. Posting a buffer copies it (a tenth of the hash's
// time); the hash then runs on the other core. (A chunk's activity hashes its own audio in place:
// on a thread it measured no faster.) Two threads (below), started on first use and kept; if one
// cannot start or fails, hashing happens here, as before.

import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Smaller buffers are hashed here: posting them would cost about what hashing does. */
const ON_THREAD_FROM_BYTES = 256 * 1024;

/** Plain JavaScript, so the thread needs no loader: a one-shot hash, or a stream of updates and its end. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', ({ id, stream, bytes, end, drop }) => {
  if (stream === undefined) return parentPort.postMessage({ id, hex: createHash('sha256').update(bytes).digest('hex') });
  if (drop) return streams.delete(stream);
  let hash = streams.get(stream);
  if (!hash) streams.set(stream, (hash = createHash('sha256')));
  if (bytes) hash.update(bytes);
  if (end) {
    streams.delete(stream);
    parentPort.postMessage({ id, hex: hash.digest('hex') });
  }
});`;

interface Pending {
  resolve: (hex: string) => void;
  reject: (error: Error) => void;
  /** A one-shot's bytes, hashed here if the thread fails first. */
  bytes?: Uint8Array;
}

/**
 * Two lanes, a thread each: one-shot checks (a chunk the stitch reads next) do not queue behind a
 * file's stream of updates, which the stitch posts as fast as it levels.
 */
type Lane = 'checks' | 'streams';

interface HashThread {
  worker: Worker;
  pending: Map<number, Pending>;
}

const threads: Partial<Record<Lane, HashThread>> = {};
let unavailable = false;
let nextId = 0;

/** The hex sha256, here and now. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hex sha256 of `bytes`, hashed on a thread when they are large. */
export function sha256Of(bytes: Uint8Array): Promise<string> {
  const thread = bytes.length >= ON_THREAD_FROM_BYTES ? hashThread('checks') : undefined;
  if (!thread) return Promise.resolve(sha256Hex(bytes));
  return request(thread, {}, bytes);
}

/** A sha256 fed in order (a file as it is written); digest() rejects if its thread failed meanwhile. */
export class StreamingSha256 {
  private readonly thread = hashThread('streams');
  private readonly here = this.thread ? undefined : createHash('sha256');
  private readonly stream = nextId++;

  update(bytes: Uint8Array): void {
    if (this.here) this.here.update(bytes);
    else post(this.thread!, { stream: this.stream }, bytes);
  }

  /** No digest will be asked for (a file aborted, or hashed another way): the thread forgets this stream. */
  drop(): void {
    this.thread?.worker.postMessage({ stream: this.stream, drop: true });
  }

  digest(): Promise<string> {
    if (this.here) return Promise.resolve(this.here.digest('hex'));
    if (threads.streams !== this.thread) return Promise.reject(new Error('the hashing thread stopped while the file was written'));
    return request(this.thread!, { stream: this.stream, end: true });
  }
}

function request(thread: HashThread, message: object, bytes?: Uint8Array): Promise<string> {
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    thread.pending.set(id, { resolve, reject, ...(bytes ? { bytes } : {}) });
    thread.worker.ref(); // pending work keeps the process up; an idle thread does not
    if (bytes) post(thread, { id, ...message }, bytes);
    else thread.worker.postMessage({ id, ...message });
  });
}

/**
 * Sends a copy of exactly `bytes`, handed over rather than cloned: cloning a view copies all of the
 * buffer under it (a trimmed chunk's body would send the whole chunk), and the caller keeps its own.
 */
function post(thread: HashThread, message: object, bytes: Uint8Array): void {
  const copy = new Uint8Array(bytes); // not bytes.slice(): on a Buffer that is a view, and would hand over the caller's memory
  thread.worker.postMessage({ ...message, bytes: copy }, [copy.buffer]);
}

function hashThread(lane: Lane): HashThread | undefined {
  if (threads[lane] || unavailable) return threads[lane];
  let worker: Worker;
  try {
    worker = new Worker(THREAD_SOURCE, { eval: true });
  } catch {
    unavailable = true;
    return undefined;
  }
  const thread: HashThread = { worker, pending: new Map() };
  threads[lane] = thread;
  worker.unref();
  worker.on('message', ({ id, hex }: { id: number; hex: string }) => {
    const waiting = thread.pending.get(id);
    thread.pending.delete(id);
    if (thread.pending.size === 0) worker.unref();
    waiting?.resolve(hex);
  });
  // None is started again: one-shots still waiting are hashed here; a stream's updates are lost with it.
  const fail = () => {
    if (threads[lane] === thread) delete threads[lane];
    unavailable = true;
    for (const { resolve, reject, bytes } of thread.pending.values()) {
      if (bytes) resolve(sha256Hex(bytes));
      else reject(new Error('the hashing thread stopped'));
    }
    thread.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  return thread;
}

/** Whether large buffers are hashed on threads (`running`), here after one failed (`unavailable`), or not yet asked. */
export function hashThreadState(): 'not started' | 'running' | 'unavailable' {
  return unavailable ? 'unavailable' : threads.checks || threads.streams ? 'running' : 'not started';
}
