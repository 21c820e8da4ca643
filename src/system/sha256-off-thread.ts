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

/**
 * Plain JavaScript, so the thread needs no loader: a one-shot hash of bytes handed over, or a file
 * read by its descriptor as it is written (`upTo`: its bytes written so far) and its end. A file's
 * bytes never travel in a message: the thread reads them back from the page cache itself.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const files = new Map();
const block = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, bytes, file, fd, upTo, end, drop }) => {
  if (file === undefined) return parentPort.postMessage({ id, hex: createHash('sha256').update(bytes).digest('hex') });
  if (drop) {
    files.delete(file);
    return parentPort.postMessage({ id, hex: '' });
  }
  let hashed = files.get(file);
  if (!hashed) files.set(file, (hashed = { hash: createHash('sha256'), at: 0 }));
  try {
    while (!hashed.error && hashed.at < upTo) {
      const read = readSync(fd, block, 0, Math.min(block.length, upTo - hashed.at), hashed.at);
      if (read === 0) throw new Error('the file is shorter than was written');
      hashed.hash.update(block.subarray(0, read));
      hashed.at += read;
    }
  } catch (error) {
    hashed.error = String(error);
  }
  if (end) {
    files.delete(file);
    parentPort.postMessage(hashed.error ? { id, error: hashed.error } : { id, hex: hashed.hash.digest('hex') });
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
 * file being written, which the stitch reports as fast as it levels.
 */
type Lane = 'checks' | 'files';

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

/**
 * The sha256 of a file as it is written in order from its start, read back on a thread through the
 * open descriptor `fd` (a file's own bytes, from the page cache: posting copies of them cost the
 * stitch's thread as much as hashing them there). Keep the file open until digest() settles; it
 * rejects if the thread failed or could not read the file, and the caller hashes the file itself.
 */
export class WrittenFileSha256 {
  private readonly thread = hashThread('files');
  private readonly file = nextId++;

  constructor(private readonly fd: number) {}

  /** The file's first `bytes` are written: the thread may hash them. */
  writtenUpTo(bytes: number): void {
    this.thread?.worker.postMessage({ file: this.file, fd: this.fd, upTo: bytes });
  }

  /**
   * No digest will be asked for (a file aborted, or hashed another way): the thread forgets this
   * file. Call it once no write is on its way, and close the file once it settles (the thread reads it until then).
   */
  async drop(): Promise<void> {
    if (this.thread && threads.files === this.thread) await request(this.thread, { file: this.file, drop: true }).catch(() => {});
  }

  /** The hash of the file's first `bytes`, all written. */
  digest(bytes: number): Promise<string> {
    if (!this.thread || threads.files !== this.thread) return Promise.reject(new Error('no hashing thread read the file'));
    return request(this.thread, { file: this.file, fd: this.fd, upTo: bytes, end: true });
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
  worker.on('message', ({ id, hex, error }: { id: number; hex?: string; error?: string }) => {
    const waiting = thread.pending.get(id);
    thread.pending.delete(id);
    if (thread.pending.size === 0) worker.unref();
    if (hex === undefined) waiting?.reject(new Error(`the hashing thread could not read the file: ${error}`));
    else waiting?.resolve(hex);
  });
  // None is started again: one-shots still waiting are hashed here; a file's digest is rejected (its writer hashes it).
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
  return unavailable ? 'unavailable' : threads.checks || threads.files ? 'running' : 'not started';
}
