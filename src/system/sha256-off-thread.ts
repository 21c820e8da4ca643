// sha256 of large buffers on a worker thread. The stitch checks every chunk it reads and hashes
// the file it writes (about 1 ms per MB each), and a chunk's activity hashes its audio as five
// others finish beside it: on the thread that also levels, writes and serves Temporal, that is
// the tail's largest cost. Posting a buffer copies it (a tenth of the hash's time); the hash then
// runs on the other core. One thread, started on first use and kept; if it cannot start or
// fails, hashing happens here, as before.

import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Smaller buffers are hashed here: posting them would cost about what hashing does. */
const ON_THREAD_FROM_BYTES = 256 * 1024;

/** Plain JavaScript, so the thread needs no loader: a one-shot hash, or a stream of updates and its end. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', ({ id, stream, bytes, end }) => {
  if (stream === undefined) return parentPort.postMessage({ id, hex: createHash('sha256').update(bytes).digest('hex') });
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

let thread: Worker | undefined;
let unavailable = false;
let nextId = 0;
const pending = new Map<number, Pending>();

/** The hex sha256, here and now. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hex sha256 of `bytes`, hashed on the thread when they are large. */
export function sha256Of(bytes: Uint8Array): Promise<string> {
  const worker = bytes.length >= ON_THREAD_FROM_BYTES ? hashThread() : undefined;
  if (!worker) return Promise.resolve(sha256Hex(bytes));
  return request(worker, { bytes }, bytes);
}

/** A sha256 fed in order (a file as it is written); digest() rejects if the thread failed meanwhile. */
export class StreamingSha256 {
  private readonly worker = hashThread();
  private readonly here = this.worker ? undefined : createHash('sha256');
  private readonly stream = nextId++;
  private readonly startedWith = thread;

  update(bytes: Uint8Array): void {
    if (this.here) this.here.update(bytes);
    else this.worker!.postMessage({ stream: this.stream, bytes });
  }

  digest(): Promise<string> {
    if (this.here) return Promise.resolve(this.here.digest('hex'));
    if (thread !== this.startedWith) return Promise.reject(new Error('the hashing thread stopped while the file was written'));
    return request(this.worker!, { stream: this.stream, end: true });
  }
}

function request(worker: Worker, message: object, bytes?: Uint8Array): Promise<string> {
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    pending.set(id, { resolve, reject, ...(bytes ? { bytes } : {}) });
    worker.ref(); // pending work keeps the process up; an idle thread does not
    worker.postMessage({ id, ...message });
  });
}

function hashThread(): Worker | undefined {
  if (thread || unavailable) return thread;
  try {
    thread = new Worker(THREAD_SOURCE, { eval: true });
  } catch {
    unavailable = true;
    return undefined;
  }
  const worker = thread;
  worker.unref();
  worker.on('message', ({ id, hex }: { id: number; hex: string }) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    waiting?.resolve(hex);
  });
  // Not started again: one-shots still waiting are hashed here; a stream's updates are lost with it.
  const fail = () => {
    if (thread === worker) thread = undefined;
    unavailable = true;
    for (const { resolve, reject, bytes } of pending.values()) {
      if (bytes) resolve(sha256Hex(bytes));
      else reject(new Error('the hashing thread stopped'));
    }
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  return worker;
}

/** Whether large buffers are hashed on the thread (`running`), here after it failed (`unavailable`), or not yet asked. */
export function hashThreadState(): 'not started' | 'running' | 'unavailable' {
  return thread ? 'running' : unavailable ? 'unavailable' : 'not started';
}
