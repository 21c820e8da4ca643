// sha256 on worker threads. The stitch checks every chunk it reads and hashes the file it writes
// (about 1 ms per MB each): on the thread that also levels, writes and serves Temporal, that was
// the tail's largest cost. A chunk to check is read by the checks thread itself and its bytes
// handed back with the hash (no copy, and none of the open, stat, read and close on the stitch's
// thread). The file the stitch writes is written by the files thread, which hashes each block
// from memory as it writes it and flushes the file to disk as it goes. A buffer already here is
// copied over (a tenth of the hash's time). (A chunk's activity hashes its own audio in place: on a
// thread it measured no faster.) Two threads, started on first use and kept; if one cannot start
// or fails, the work happens here, as before.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Smaller buffers are hashed here: posting them would cost about what hashing does. */
const ON_THREAD_FROM_BYTES = 256 * 1024;

/**
 * Plain JavaScript, so the thread needs no loader: a one-shot hash of bytes handed over; a whole
 * file read and hashed, its bytes handed back; or a file written block by block through its
 * descriptor and hashed as it goes (each block handed over, and back once written), then synced.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, fdatasync, fstatSync, fsyncSync, openSync, readSync, writeSync } = require('node:fs');
const SYNC_EVERY_BYTES = 8 * 1024 * 1024;
const files = new Map();
const failure = ({ error }) => (error ? { error: error.message, code: error.code } : {});
parentPort.on('message', ({ id, bytes, path, into, file, fd, block, length, end, drop, hashFirst }) => {
  if (path !== undefined) {
    let fd;
    let read;
    try {
      fd = openSync(path, 'r');
      const size = fstatSync(fd).size;
      // Into the buffer handed over when it is large enough; else a new one with room to spare, to be handed over next time.
      read = into && into.byteLength >= size ? Buffer.from(into, 0, size) : Buffer.allocUnsafeSlow(size + (size >> 2)).subarray(0, size);
      let at = 0;
      for (let got = 1; at < size && got > 0; at += got) got = readSync(fd, read, at, size - at, at);
      read = read.subarray(0, at);
    } catch (error) {
      return parentPort.postMessage({ id, error: String(error.message), code: error.code });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const hex = createHash('sha256').update(read).digest('hex');
    return parentPort.postMessage({ id, hex, bytes: read }, [read.buffer]);
  }
  if (file === undefined) return parentPort.postMessage({ id, hex: createHash('sha256').update(bytes).digest('hex') });
  if (drop) {
    const syncing = files.get(file)?.syncing ?? Promise.resolve();
    files.delete(file);
    return syncing.then(() => parentPort.postMessage({ id, hex: '' })); // the descriptor is closed once this is said
  }
  let written = files.get(file);
  if (!written) files.set(file, (written = { hash: createHash('sha256'), unsynced: 0 }));
  if (hashFirst !== undefined) {
    // A file gone on from: the bytes it holds already are hashed first, read where they lie.
    try {
      const read = Buffer.allocUnsafeSlow(1024 * 1024);
      for (let at = 0, got = 1; at < hashFirst; at += got) {
        got = readSync(fd, read, 0, Math.min(read.length, hashFirst - at), at);
        if (got === 0) throw Object.assign(new Error('the file holds less than it should'), { code: 'ESHORT' });
        written.hash.update(read.subarray(0, got));
      }
    } catch (error) {
      written.error = { message: String(error.message), code: error.code };
    }
    return;
  }
  if (block !== undefined) {
    // A block to append, then hash; flushed to disk every so often, so the last sync has little left.
    if (!written.error) {
      try {
        const bytes = new Uint8Array(block, 0, length);
        for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at);
        written.hash.update(bytes);
        written.unsynced += length;
        if (written.unsynced >= SYNC_EVERY_BYTES && !written.syncing) {
          // One flush at a time, beside the next writes (not before them).
          written.unsynced = 0;
          written.syncing = new Promise((resolve) =>
            fdatasync(fd, (error) => {
              if (error) written.error ??= { message: String(error.message), code: error.code };
              written.syncing = undefined;
              resolve();
            }),
          );
        }
      } catch (error) {
        written.error = { message: String(error.message), code: error.code };
      }
    }
    return parentPort.postMessage({ file, block, ...failure(written) }, [block]);
  }
  if (end) {
    files.delete(file);
    return (written.syncing ?? Promise.resolve()).then(() => {
      try {
        if (!written.error) fsyncSync(fd);
      } catch (error) {
        written.error = { message: String(error.message), code: error.code };
      }
      parentPort.postMessage(written.error ? { id, ...failure(written) } : { id, hex: written.hash.digest('hex') });
    });
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
 * Two lanes, a thread each: checks (a chunk the stitch reads next) do not queue behind the file
 * being written, which the stitch hands over as fast as it levels.
 */
type Lane = 'checks' | 'files';

interface HashThread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Files being written through this thread, and their blocks it holds. */
  files: Map<number, HashedFileWrites>;
  blocksOut: number;
  /** True once the thread runs; false if it failed to. */
  online: Promise<boolean>;
}

/** What the thread posts: a request's answer (`id`), or a file's block back (`file`, `block`). */
interface ThreadReply {
  id?: number;
  hex?: string;
  bytes?: Uint8Array;
  file?: number;
  block?: ArrayBuffer;
  error?: string;
  code?: string;
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
 * Read into `into` when it is large enough (it is handed over: detached here from then on); the
 * bytes may be a view of a larger buffer. A file that cannot be read rejects as reading it here
 * would, with the same `code` (ENOENT...).
 */
export async function readFileSha256(path: string, into?: ArrayBuffer): Promise<{ bytes: Buffer; sha256: string }> {
  const thread = hashThread('checks');
  if (thread) {
    const reply = await request(thread, { path, ...(into ? { into } : {}) }, undefined, into ? [into] : []).catch(
      (error: Error & { fellBack?: boolean }) => {
        if (error.fellBack) return undefined; // the thread stopped: read here
        throw error;
      },
    );
    if (reply?.bytes) return { bytes: Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength), sha256: reply.hex };
  }
  const bytes = await readFile(path);
  return { bytes, sha256: sha256Hex(bytes) };
}

/** A file written on the files thread is written a block at a time: what is given is copied into one. */
const BLOCK_BYTES = 1024 * 1024;
/** Blocks at once (filling, or on their way to the file): the caller goes on while the last ones are written. */
const MAX_BLOCKS = 4;

/**
 * A file written on the files thread, in order from where its descriptor stands, and the sha256 of
 * what it wrote: what is given is copied into a few blocks that are handed to the thread, written,
 * hashed from memory and handed back to be filled again. The stitch's thread only copies: the writes and the hash are
 * the other thread's, outside Node's I/O pool, which other work shares (only the flushes to disk,
 * every 8 MB, go through it). Keep the file open until finish() or drop() settles.
 * `HashedFileWrites.open` gives none when the thread cannot run: the caller writes itself. A thread
 * that stops in the middle of a file fails it (the blocks it held are lost): a retry writes it here.
 */
export class HashedFileWrites {
  private readonly file = nextId++;
  /** Blocks back from the thread, to fill again. */
  private readonly free: ArrayBuffer[] = [];
  private blocks = 0;
  private block: Uint8Array | undefined;
  private filled = 0;
  private failure: Error | undefined;
  /** Finished or dropped: nothing more goes to the thread (it may have closed the file by then). */
  private closed = false;
  /** Writes waiting for a block back. */
  private readonly waiting: Array<() => void> = [];

  private constructor(
    private readonly thread: HashThread,
    private readonly fd: number,
  ) {
    thread.files.set(this.file, this);
  }

  /**
   * Once the thread runs (before any byte is handed over, so a thread that cannot start costs
   * nothing). `hashFirst`: the file holds that many bytes already (its writes append), hashed first.
   */
  static async open(fd: number, hashFirst?: number): Promise<HashedFileWrites | undefined> {
    const thread = hashThread('files');
    if (!thread || !(await thread.online) || threads.files !== thread) return undefined;
    const writes = new HashedFileWrites(thread, fd);
    if (hashFirst !== undefined) thread.worker.postMessage({ file: writes.file, fd, hashFirst });
    return writes;
  }

  /** Resolves once `bytes` are copied (when every block is on its way, once one is back): they are the caller's again. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      this.block ??= new Uint8Array(await this.blockToFill());
      const copied = Math.min(bytes.length - at, this.block.length - this.filled);
      this.block.set(bytes.subarray(at, at + copied), this.filled);
      this.filled += copied;
      at += copied;
      if (this.filled === this.block.length) this.send();
    }
  }

  /** Everything written, the file synced to disk, and its sha256; rejects with the first failure. */
  async finish(): Promise<string> {
    if (this.filled > 0 && !this.closed) this.send();
    this.closed = true;
    if (this.failure) throw this.failure;
    try {
      return (await request(this.thread, { file: this.file, fd: this.fd, end: true })).hex;
    } finally {
      this.thread.files.delete(this.file);
    }
  }

  /** Nothing more is written (a file aborted): the thread forgets it, once the blocks sent are done with. */
  async drop(): Promise<void> {
    // A write still waiting for a block fails now, and sends nothing after the thread forgot the file.
    this.closed = true;
    this.failure ??= new Error('the file was dropped');
    this.wake();
    this.block = undefined;
    this.filled = 0;
    if (threads.files === this.thread) await request(this.thread, { file: this.file, drop: true }).catch(() => {});
    this.thread.files.delete(this.file);
  }

  /** A block back from the thread; `error` when its write failed (the rest are not written). */
  returned(block: ArrayBuffer, error?: Error): void {
    this.failure ??= error;
    this.free.push(block);
    this.wake();
  }

  /** The thread stopped: blocks on their way are lost, and so is the file. */
  lost(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    for (const resume of this.waiting.splice(0)) resume();
  }

  private async blockToFill(): Promise<ArrayBuffer> {
    while (this.free.length === 0 && this.blocks >= MAX_BLOCKS && !this.failure) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    if (this.failure) throw this.failure;
    if (this.free.length > 0) return this.free.pop()!;
    this.blocks++;
    return new ArrayBuffer(BLOCK_BYTES);
  }

  private send(): void {
    if (this.closed) throw this.failure ?? new Error('the file is finished');
    const block = this.block!.buffer as ArrayBuffer;
    const length = this.filled;
    this.block = undefined;
    this.filled = 0;
    this.thread.blocksOut++;
    this.thread.worker.ref();
    this.thread.worker.postMessage({ file: this.file, fd: this.fd, block, length }, [block]);
  }
}

/** A request; `bytes` are posted as a copy, `transfer` handed over. */
function request(thread: HashThread, message: object, bytes?: Uint8Array, transfer: ArrayBuffer[] = []): Promise<Reply> {
  const id = nextId++;
  return new Promise<Reply>((resolve, reject) => {
    thread.pending.set(id, { resolve, reject, ...(bytes ? { bytes } : {}) });
    thread.worker.ref(); // pending work keeps the process up; an idle thread does not
    if (bytes) post(thread, { id, ...message }, bytes);
    else thread.worker.postMessage({ id, ...message }, transfer);
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
  const online = new Promise<boolean>((resolve) => {
    worker.once('online', () => resolve(true));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  const thread: HashThread = { worker, pending: new Map(), files: new Map(), blocksOut: 0, online };
  threads[lane] = thread;
  worker.unref();
  const settle = () => {
    if (thread.pending.size === 0 && thread.blocksOut === 0) worker.unref(); // idle: the process may exit
  };
  worker.on('message', (reply: ThreadReply) => {
    if (reply.block) {
      thread.blocksOut--;
      const error = reply.error === undefined ? undefined : Object.assign(new Error(reply.error), { code: reply.code });
      thread.files.get(reply.file!)?.returned(reply.block, error);
      return settle();
    }
    const { id, hex, bytes, error, code } = reply;
    const waiting = thread.pending.get(id!);
    thread.pending.delete(id!);
    settle();
    if (hex === undefined) waiting?.reject(Object.assign(new Error(error), code ? { code } : {}));
    else waiting?.resolve(bytes ? { hex, bytes } : { hex });
  });
  // None is started again: one-shots still waiting are hashed here; a file's digest is rejected (its writer hashes it).
  const fail = () => {
    if (threads[lane] === thread) delete threads[lane];
    unavailable = true;
    for (const { resolve, reject, bytes } of thread.pending.values()) {
      if (bytes) resolve({ hex: sha256Hex(bytes) });
      else reject(Object.assign(new Error('the hashing thread stopped'), { fellBack: true }));
    }
    thread.pending.clear();
    for (const file of thread.files.values()) file.lost(new Error('the hashing thread stopped: the file was not all written'));
    thread.files.clear();
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  return thread;
}

/** Whether large buffers are hashed on threads (`running`), here after one failed (`unavailable`), or not yet asked. */
export function hashThreadState(): 'not started' | 'running' | 'unavailable' {
  return unavailable ? 'unavailable' : threads.checks || threads.files ? 'running' : 'not started';
}
