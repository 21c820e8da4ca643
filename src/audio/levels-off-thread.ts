// A chunk's loudness record measured on a worker thread: 15-30 ms of CPU per 19 s chunk which, on
// the thread that serves Temporal, would hold up every other chunk's completion and the next
// chunk's start (five chunks finishing together wait on each other's records). Up to two threads,
// started on first use and kept: a window's last chunks finish together, and the stitch waits for
// their records. When a thread cannot start or fails, the records are measured here instead.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { typescriptThread } from '../system/typescript-thread.ts';
import type { ChunkLevels } from './levels.ts';
import { computeLevels } from './levels.ts';
import type { LevelsRequest } from './levels-thread.ts';

type Reply = { id: number; levels: ChunkLevels } | { id: number; error: string };

interface Waiting {
  request: LevelsRequest;
  resolve: (levels: ChunkLevels) => void;
  reject: (error: Error) => void;
}
interface LevelsThread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

/** Two at most; fewer once a thread cannot start. */
let maxThreads = Math.min(2, availableParallelism());
const threads: LevelsThread[] = [];
let unavailable = false;
let nextId = 0;

export function measureLevelsOffThread(audio: LevelsRequest['audio'], stored: LevelsRequest['stored']): Promise<ChunkLevels> {
  const thread = leastBusyThread();
  if (!thread) return Promise.resolve().then(() => computeLevels(audio, stored));
  const request: LevelsRequest = { id: nextId++, audio, stored };
  return new Promise<ChunkLevels>((resolve, reject) => {
    thread.waiting.set(request.id, { request, resolve, reject });
    thread.worker.ref(); // pending work keeps the process up; an idle thread does not
    thread.worker.postMessage(request);
  });
}

/** An idle thread, a new one while there are fewer than maxThreads, else the one with the least queued. */
function leastBusyThread(): LevelsThread | undefined {
  if (unavailable) return undefined;
  const idle = threads.find((thread) => thread.waiting.size === 0);
  if (idle) return idle;
  if (threads.length < maxThreads) return startThread() ?? leastBusyThread();
  return threads.reduce((least, thread) => (thread.waiting.size < least.waiting.size ? thread : least));
}

function startThread(): LevelsThread | undefined {
  let worker: Worker;
  try {
    worker = typescriptThread(new URL('./levels-thread.ts', import.meta.url));
  } catch {
    maxThreads = threads.length;
    unavailable = threads.length === 0;
    return undefined;
  }
  const thread: LevelsThread = { worker, waiting: new Map() };
  threads.push(thread);
  worker.unref();
  worker.on('message', (reply: Reply) => {
    const pending = thread.waiting.get(reply.id);
    thread.waiting.delete(reply.id);
    if (thread.waiting.size === 0) worker.unref();
    if ('error' in reply) pending?.reject(new Error(reply.error));
    else pending?.resolve(reply.levels);
  });
  // A thread that fails is not started again, nor any other: what it had, and all after, is measured here.
  const fail = () => {
    const at = threads.indexOf(thread);
    if (at < 0) return; // 'error' and then 'exit': once is enough
    threads.splice(at, 1);
    unavailable = true;
    for (const { request, resolve, reject } of thread.waiting.values()) {
      try {
        resolve(computeLevels(request.audio, request.stored));
      } catch (error) {
        reject(error as Error);
      }
    }
    thread.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  return thread;
}

/** Whether records are measured on the thread (`running`), here after it failed (`unavailable`), or not yet asked for. */
export function levelsThreadState(): 'not started' | 'running' | 'unavailable' {
  return unavailable ? 'unavailable' : threads.length > 0 ? 'running' : 'not started';
}
