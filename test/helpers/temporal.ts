// A real Temporal dev server per test file, with a client and a worker connection to it.

import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startLocalTemporal, type LocalTemporal } from '../../src/temporal/local-temporal.ts';

export type TestTemporal = LocalTemporal;

// Workers log every state change at INFO; tests only need warnings.
Runtime.install({ logger: new DefaultLogger('WARN') });

export async function startTestTemporal(): Promise<TestTemporal> {
  const temporal = await startLocalTemporal('durable-tts-test-');
  console.log(`Temporal dev server ${temporal.server.address} (pid ${temporal.server.process.pid}, ${temporal.server.dbFile})`);
  return temporal;
}

/** A task queue no other test shares. */
export function uniqueTaskQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Deterministic pseudo-random numbers (mulberry32), for reproducible latencies. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
