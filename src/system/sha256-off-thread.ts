// sha256 of large buffers on a worker thread. The stitch checks every chunk it reads and hashes
// the file it writes (about 1 ms per MB each): on the thread that also levels, writes and serves
// Temporal, that was the tail's largest cost. A file to check is read by the thread itself and its
// bytes handed back with the hash (no copy, and none of the open, stat, read and close on the
// stitch's thread); a buffer already here is copied over (a tenth of the hash's time). (A chunk's
// activity hashes its own audio in place: on a thread it measured no faster.) Two threads (below),
// started on first use and kept; if one cannot start or fails, hashing happens here, as before.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Smaller buffers are hashed here: posting them would cost about what hashing does. */
const ON_THREAD_FROM_BYTES = 256 * 1024;

/**
 * Plain JavaScript, so the thread needs no loader: a one-shot hash of bytes handed over; a whole
 * file read and hashed, its bytes handed back; or a file read by its descriptor as it is written
 * (`upTo`: its bytes written so far) and its end. A written file's bytes never travel in a
 * message: the thread reads them back from the page cache itself.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readFileSync, readSync } = require('node:fs');
const files = new Map();
const block = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, bytes, path, file, fd, upTo, end, drop }) => {
  if (path !== undefined) {
    let read;
    try {
      read = readFileSync(path);
    } catch (error) {
      return parentPort.postMessage({ id, error: String(error.message), code: error.code });
    }
    // A file's own buffer is handed over whole; a pooled one (a small file) is copied out first.
    const own = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength ? read : Buffer.from(read);
    const hex = createHash('sha256').update(own).digest('hex');
    return parentPort.postMessage({ id, hex, bytes: own }, [own.buffer]);
  }
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

interface Reply {
  hex: string;
  /** A file read on the thread: its bytes. */
  bytes?: Uint8Array;
}

interface Pending {
  resolve: (reply: Reply) => void;
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
  return request(thread, {}, bytes).then(({ hex }) => hex);
}

/**
 * A file's bytes and their sha256, read and hashed on the checks' thread (here if it cannot run).
 * A file that cannot be read rejects as reading it here would, with the same `code` (ENOENT...).
 */
export async function readFileSha256(path: string): Promise<{ bytes: Buffer; sha256: string }> {
  const thread = hashThread('checks');
  if (thread) {
    const reply = await request(thread, { path }).catch((error: Error & { fellBack?: boolean }) => {
      if (error.fellBack) return undefined; // the thread stopped: read here
      throw error;
    });
    if (reply?.bytes) return { bytes: Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength), sha256: reply.hex };
  }
  const bytes = await readFile(path);
  return { bytes, sha256: sha256Hex(bytes) };
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
    return request(this.thread, { file: this.file, fd: this.fd, upTo: bytes, end: true }).then(({ hex }) => hex);
  }
}

function request(thread: HashThread, message: object, bytes?: Uint8Array): Promise<Reply> {
  const id = nextId++;
  return new Promise<Reply>((resolve, reject) => {
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
  worker.on(
    'message',
    ({ id, hex, bytes, error, code }: { id: number; hex?: string; bytes?: Uint8Array; error?: string; code?: string }) => {
      const waiting = thread.pending.get(id);
      thread.pending.delete(id);
      if (thread.pending.size === 0) worker.unref();
      if (hex === undefined)
        waiting?.reject(
          Object.assign(new Error(code ? error : `the hashing thread could not read the file: ${error}`), code ? { code } : {}),
        );
      else waiting?.resolve(bytes ? { hex, bytes } : { hex });
    },
  );
  // None is started again: one-shots still waiting are hashed here; a file's digest is rejected (its writer hashes it).
  const fail = () => {
    if (threads[lane] === thread) delete threads[lane];
    unavailable = true;
    for (const { resolve, reject, bytes } of thread.pending.values()) {
      if (bytes) resolve({ hex: sha256Hex(bytes) });
      else reject(Object.assign(new Error('the hashing thread stopped'), { fellBack: true }));
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
