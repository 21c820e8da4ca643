// Builds a worker for audio documents: the real engines, the blob store and the activities.
// Used by src/worker.ts, the main job, the tests and the benchmarks.

import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { EngineName } from '../document/input.ts';
import type { TtsEngine } from '../engines/engine.ts';
import { EspeakEngine } from '../engines/espeak/espeak-engine.ts';
import { SimulatedEngine } from '../engines/simulated.ts';
import { LocalBlobStore } from '../storage/blob-store.ts';
import type { WorkerSettings } from '../config.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface AudioWorkerOptions extends WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Engines to use instead of the defaults (tests pass a SimulatedEngine they can inspect). */
  engines?: Partial<Record<EngineName, TtsEngine>>;
  /** Extra Worker options (tests shorten the shutdown grace time, benchmarks tune pollers). */
  workerOptions?: Partial<WorkerOptions>;
}

export interface AudioWorker {
  worker: Worker;
  engines: Partial<Record<EngineName, TtsEngine>>;
  /** Closes engines once the worker has stopped. */
  close(): Promise<void>;
}

export async function createAudioWorker(options: AudioWorkerOptions): Promise<AudioWorker> {
  const engines = options.engines ?? {
    espeak: new EspeakEngine(options.espeakThreads),
    simulated: new SimulatedEngine(),
  };
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities({ engines, blobStore: new LocalBlobStore(options.blobDir), outputDir: options.outputDir }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
    // Heartbeats (and with them cancellation) go out at least every second, not every 80 % of the timeout.
    maxHeartbeatThrottleInterval: '1 second',
    ...options.workerOptions,
  });
  return {
    worker,
    engines,
    close: async () => {
      await Promise.all(Object.values(engines).map((engine) => engine.close?.()));
    },
  };
}
