// A real Temporal dev server per test file, with a client and a worker connection to it.

import { DefaultLogger, Runtime } from '@temporalio/worker';
import { type LocalTemporal, startLocalTemporal } from '../../src/temporal/local-temporal.ts';

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
