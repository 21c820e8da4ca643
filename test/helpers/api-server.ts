// The HTTP API for the server suites: a real Temporal dev server, an in-process worker on its own
// task queue, and as many servers on 127.0.0.1:0 as a test asks for (a restart, a token).

import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/server/app.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import type { AudioWorker, AudioWorkerOptions } from '../../src/temporal/audio-worker.ts';
import { inProcessWorker } from './documents.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from './temporal.ts';

export interface ListeningServer {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  base: string;
}

export interface ApiTestEnvironment {
  temporal: TestTemporal;
  taskQueue: string;
  /** What every server is built with: the worker's queue, output directory and chunk store. */
  options: ServerOptions;
  /** Builds and starts another server; `extra` overrides options (a token, a log stream). */
  listen(extra?: Partial<ServerOptions>): Promise<ListeningServer>;
  /** Closes the servers still listening, then the worker and the dev server. */
  stop(): Promise<void>;
}

/** `worker` overrides the in-process worker's options (e.g. `engines`). */
export async function startApiTestEnvironment(name: string, worker: Partial<AudioWorkerOptions> = {}): Promise<ApiTestEnvironment> {
  const temporal = await startTestTemporal();
  const taskQueue = uniqueTaskQueue(name);
  const outputDir = join(temporal.dir, taskQueue);
  let audioWorker: AudioWorker | undefined;
  let running: Promise<void> | undefined;
  const servers: FastifyInstance[] = [];
  const options: ServerOptions = {
    client: temporal.client,
    taskQueue,
    outputDir,
    blobStore: new LocalBlobStore(join(outputDir, '.chunks')),
  };
  const stop = async () => {
    await Promise.all(servers.filter((app) => app.server.listening).map((app) => app.close()));
    audioWorker?.shutdown();
    await running;
    await audioWorker?.close();
    await temporal.teardown();
  };
  try {
    audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, worker);
    running = audioWorker.run();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    temporal,
    taskQueue,
    options,
    async listen(extra = {}) {
      const app = await buildServer({ ...options, ...extra });
      servers.push(app);
      return { app, base: await app.listen({ port: 0, host: '127.0.0.1' }) };
    },
    stop,
  };
}
