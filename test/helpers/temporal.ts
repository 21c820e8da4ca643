// A real Temporal dev server per test file, with a client and a worker connection to it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server.ts';

export interface TestTemporal {
  server: DevServer;
  client: Client;
  workerConnection: NativeConnection;
  /** A scratch directory removed at teardown. */
  dir: string;
  teardown(): Promise<void>;
}

// Workers log every state change at INFO; tests only need warnings.
Runtime.install({ logger: new DefaultLogger('WARN') });

export async function startTestTemporal(): Promise<TestTemporal> {
  const dir = await mkdtemp(join(tmpdir(), 'durable-tts-test-'));
  const server = await startDevServer({ cliPath: await ensureTemporalCli(), dataDir: join(dir, 'temporal'), port: await freePort() });
  console.log(`Temporal dev server ${server.address} (pid ${server.process.pid}, ${server.dbFile})`);
  const clientConnection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    client: new Client({ connection: clientConnection, namespace: server.namespace }),
    workerConnection,
    dir,
    async teardown() {
      await clientConnection.close();
      await workerConnection.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
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
