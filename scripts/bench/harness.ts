// The benchmark's world: one tuned dev server, and in-process workers per scenario.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import type { AudioDocumentResult } from '../../src/document/result.ts';
import type { ReplicateConfig } from '../../src/engines/replicate/replicate-config.ts';
import { ReplicateEngine } from '../../src/engines/replicate/replicate-engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { createAudioWorker } from '../../src/temporal/audio-worker.ts';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.ts';

export interface Bench {
  dir: string;
  server: DevServer;
  client: Client;
  /** Runs one document on a fresh worker (own queue, own chunk store: nothing is reused) and times it. */
  run(input: AudioDocumentInput, options?: { engine?: SimulatedEngine; replicate?: ReplicateConfig }): Promise<{ result: AudioDocumentResult; seconds: number }>;
  close(): Promise<void>;
}

let queues = 0;

export async function startBench(): Promise<Bench> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(join(tmpdir(), 'durable-tts-bench-'));
  const server = await startDevServer({ cliPath: await ensureTemporalCli(), dataDir: join(dir, 'temporal') });
  const connection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    dir,
    server,
    client,
    async run(input, options = {}) {
      const taskQueue = `bench-${++queues}`;
      const outputDir = join(dir, taskQueue);
      const worker = await createAudioWorker({
        connection: workerConnection,
        namespace: 'default',
        taskQueue,
        outputDir,
        blobDir: join(outputDir, '.chunks'),
        maxConcurrentActivities: 100,
        espeakThreads: 1,
        engines: {
          simulated: options.engine ?? new SimulatedEngine(),
          ...(options.replicate ? { replicate: new ReplicateEngine(options.replicate) } : {}),
        },
        ...(options.replicate ? { replicate: options.replicate } : {}),
      });
      // Time the document only, from start request to result: the worker is already polling.
      const { result, seconds } = await worker.runUntil(async () => {
        while (worker.workers.some((w) => w.getState() !== 'RUNNING')) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200)); // its pollers reach the server
        const started = performance.now();
        const result = (await client.workflow.execute('audioDocument', { args: [input], taskQueue, workflowId: `${taskQueue}-doc` })) as AudioDocumentResult;
        return { result, seconds: (performance.now() - started) / 1000 };
      });
      await worker.close();
      await rm(outputDir, { recursive: true, force: true });
      return { result, seconds };
    },
    async close() {
      await connection.close();
      await workerConnection.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `count` one-sentence paragraphs: one chunk each. */
export function paragraphs(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) => `Paragraph ${i} of ${tag}.`).join('\n\n');
}
