// The lock on our dev server's kept history: one job at a time uses it, and a dead job's lock is taken over.
//
// `lock.json` in the history's directory holds the pid of the job that uses it, and of that job's
// server and its address once it runs (a client that finds nothing on the default address names
// it). It is released on close() and on any exit of the job; a SIGKILL or a power cut leaves it
// behind, with perhaps the server still running (in its own process group, nothing stopped it).

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheDir } from '../system/cache-dir.ts';
import { isProcessAlive } from '../system/process-alive.ts';

interface LockHolder {
  pid: number;
  serverPid?: number;
  /** The server's gRPC address, 127.0.0.1:<port>. */
  address?: string;
}

export interface HeldLock {
  recordServer(pid: number, address: string): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the lock (an exclusive create), or says who holds it. A lock whose job is gone (SIGKILL,
 * power cut) is stale: its server, if it outlived the job, is stopped, and the file is moved aside
 * with an atomic rename before we create ours. If what we moved turns out to be a live job's fresh
 * lock (it took the stale one over a moment before us), we put it back and leave it to that job.
 */
export async function acquireLock(path: string, dbFile: string, log: (line: string) => void): Promise<HeldLock | { heldBy: number }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await writeFile(path, JSON.stringify({ pid: process.pid } satisfies LockHolder), { flag: 'wx' });
      return heldLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder === 'gone') continue;
    if (holder === 'unreadable' && attempt < 3) {
      await new Promise((r) => setTimeout(r, 100)); // being written right now
      continue;
    }
    const stale = holder === 'unreadable' ? undefined : holder;
    if (stale && isProcessAlive(stale.pid)) return { heldBy: stale.pid };
    if (stale?.serverPid && isProcessAlive(stale.serverPid)) await stopOrphanServer(stale.serverPid, dbFile, log);
    const aside = `${path}.${process.pid}.stale`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readHolder(aside);
    if (typeof moved === 'object' && moved.pid !== stale?.pid && isProcessAlive(moved.pid)) {
      await rename(aside, path);
      return { heldBy: moved.pid };
    }
    await rm(aside, { force: true });
  }
  throw new Error(`cannot take the lock ${path}; if no other job runs, remove it`);
}

function heldLock(path: string): HeldLock {
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid === process.pid;
    } catch {
      return false;
    }
  };
  // On any exit (process.exit after a second Ctrl-C, an uncaught error), not only through close().
  const releaseOnExit = () => ours() && rmSync(path, { force: true });
  process.once('exit', releaseOnExit);
  return {
    async recordServer(serverPid, address) {
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify({ pid: process.pid, serverPid, address } satisfies LockHolder));
      await rename(temporary, path);
    },
    async release() {
      process.off('exit', releaseOnExit);
      releaseOnExit();
    },
  };
}

/** The history of our own dev server: `<cache>/dev-server/history.sqlite`, and its lock beside it. */
export function embeddedServerDir(env = process.env): string {
  return join(cacheDir(env), 'dev-server');
}
export const EMBEDDED_LOCK_FILE = 'lock.json';

/**
 * The dev server `npm start` or `npm run serve` runs on the kept history, if one runs now (from its
 * lock): a client that finds nothing on the default address names it. A job on a temporary history
 * (another held the lock) is recorded nowhere.
 */
export async function runningEmbeddedServer(env = process.env): Promise<{ address: string; jobPid: number } | undefined> {
  const holder = await readHolder(join(embeddedServerDir(env), EMBEDDED_LOCK_FILE));
  if (typeof holder !== 'object' || !holder.address || !holder.serverPid) return undefined;
  return isProcessAlive(holder.pid) && isProcessAlive(holder.serverPid) ? { address: holder.address, jobPid: holder.pid } : undefined;
}

async function readHolder(path: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
}

/**
 * The dev server of a job that was SIGKILLed (it is in its own process group, so nothing stopped
 * it). Stopped only if its command line names our history file: a recycled pid is left alone.
 */
async function stopOrphanServer(pid: number, dbFile: string, log: (line: string) => void): Promise<void> {
  let command = '';
  try {
    command = execFileSync('ps', ['-o', 'command=', '-p', String(pid)]).toString();
  } catch {
    return; // gone meanwhile
  }
  if (!command.includes(resolve(dbFile))) return;
  log(`Stopping the dev server (pid ${pid}) left running by a job that was killed`);
  process.kill(pid, 'SIGTERM');
  // Bounded: where nothing reaps orphans, a dead server stays a zombie and keeps its pid.
  for (let waited = 0; waited < 15_000 && isProcessAlive(pid); waited += 100) {
    if (waited === 10_000) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}
