// A chunk's loudness record measured on a worker thread: 15-30 ms of CPU per 19 s chunk which, on
// the thread that serves Temporal, would hold up every other chunk's completion and the next
// chunk's start (five chunks finishing together wait on each other's records). One thread, started
// on first use and kept; when it cannot start or fails, the records are measured here instead.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChunkLevels } from './levels.ts';
import { computeLevels } from './levels.ts';
import type { LevelsRequest } from './levels-thread.ts';

type Reply = { id: number; levels: ChunkLevels } | { id: number; error: string };

let thread: Worker | undefined;
let unavailable = false;
let nextId = 0;
const waiting = new Map<number, { request: LevelsRequest; resolve: (levels: ChunkLevels) => void; reject: (error: Error) => void }>();

export function measureLevelsOffThread(audio: LevelsRequest['audio'], stored: LevelsRequest['stored']): Promise<ChunkLevels> {
  const worker = levelsThread();
  if (!worker) return Promise.resolve().then(() => computeLevels(audio, stored));
  const request: LevelsRequest = { id: nextId++, audio, stored };
  return new Promise<ChunkLevels>((resolve, reject) => {
    waiting.set(request.id, { request, resolve, reject });
    worker.ref(); // pending work keeps the process up; an idle thread does not
    worker.postMessage(request);
  });
}

/**
 * The thread's code: tsx's loader, then levels-thread.ts. The thread runs TypeScript source as this
 * process does (node --import tsx), but Node 20 hands a thread neither `--import` nor the hooks.
 */
function threadSource(): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(tsx), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./levels-thread.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
}

function levelsThread(): Worker | undefined {
  if (thread || unavailable) return thread;
  try {
    thread = new Worker(threadSource(), { eval: true });
  } catch {
    unavailable = true;
    return undefined;
  }
  thread.unref();
  thread.on('message', (reply: Reply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) thread?.unref();
    if ('error' in reply) pending?.reject(new Error(reply.error));
    else pending?.resolve(reply.levels);
  });
  // A thread that fails is not started again: what it had, and all after, is measured here.
  const fail = () => {
    thread = undefined;
    unavailable = true;
    for (const { request, resolve, reject } of waiting.values()) {
      try {
        resolve(computeLevels(request.audio, request.stored));
      } catch (error) {
        reject(error as Error);
      }
    }
    waiting.clear();
  };
  thread.on('error', fail);
  thread.on('exit', fail);
  return thread;
}

/** Whether records are measured on the thread (`running`), here after it failed (`unavailable`), or not yet asked for. */
export function levelsThreadState(): 'not started' | 'running' | 'unavailable' {
  return thread ? 'running' : unavailable ? 'unavailable' : 'not started';
}
