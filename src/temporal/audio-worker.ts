// Builds the workers of one process: one for workflows, stitching and the local engines, and, when a
// Replicate token is configured, one for the Replicate task queue whose rate the Temporal server
// limits for all workers together. Used by src/worker.ts, the main job, the tests and the benchmarks.
// Both are one version (build) of the Worker Deployment, and documents are pinned to the build they
// started on (src/temporal/workflow-build.ts).

import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { DEFAULT_DEPLOYMENT, type WorkerSettings } from '../config/settings.ts';
import type { EngineName } from '../document/input.ts';
import type { TtsEngine } from '../engines/engine.ts';
import { EspeakEngine } from '../engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../engines/kokoro/kokoro-engine.ts';
import type { OpenAiConfig } from '../engines/openai/openai-config.ts';
import { OpenAiEngine } from '../engines/openai/openai-engine.ts';
import type { ReplicateConfig } from '../engines/replicate/replicate-config.ts';
import { ReplicateEngine } from '../engines/replicate/replicate-engine.ts';
import { SimulatedEngine } from '../engines/simulated.ts';
import { Recognizer } from '../recognizer/index.ts';
import { ensureS3Bucket, openBlobStore } from '../storage/open-blob-store.ts';
import { abortStaleUploads, removeAbandonedStaging } from '../storage/output-cleanup.ts';
import { REMOTE_ENGINES, ttsTaskQueue } from '../workflows/definitions.ts';
import { ensureSearchAttributes } from './search-attributes.ts';
import { type DeploymentVersion, promoteBuild } from './worker-deployment.ts';
import { bundleWorkflows } from './workflow-build.ts';

export interface AudioWorkerOptions extends Omit<WorkerSettings, 'shutdownGraceMs' | 'promote'> {
  /** Default: the SDK's (0: chunks in flight are cancelled at once, fine for tests). */
  shutdownGraceMs?: number;
  /** Default true: once polling, make this build current (new documents start on it). */
  promote?: boolean;
  /** Promote even if this build does not poll every queue the current one used (see PromoteOptions). */
  ignoreMissingTaskQueues?: boolean;
  /** Default DEFAULT_DEPLOYMENT. */
  deploymentName?: string;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Enables the Replicate engine and its rate-limited task queue. */
  replicate?: ReplicateConfig;
  /** Enables the openai engine (an OpenAI-compatible speech server) and its rate-limited task queue. */
  openai?: OpenAiConfig;
  /** Where the local engines and the recognizer say when they load their models (a server's log); absent: silent. */
  engineLog?: (line: string) => void;
  /** Engines whose model is loaded as the worker starts (in the background), not by the first chunk. */
  warmEngines?: EngineName[];
  /** Engines to use instead of the defaults (tests pass a SimulatedEngine they can inspect). */
  engines?: Partial<Record<EngineName, TtsEngine>>;
}

export interface AudioWorker {
  workers: Worker[];
  /** The deployment version these workers are: the build documents started here are pinned to. */
  version: DeploymentVersion;
  /** Runs every worker until shutdown() or a shutdown signal. */
  run(): Promise<void>;
  /** Runs the workers while `fn` runs, then shuts them down. */
  runUntil<T>(fn: () => Promise<T>): Promise<T>;
  shutdown(): void;
  /** Closes engines once the workers have stopped. */
  close(): Promise<void>;
}

export async function createAudioWorker(options: AudioWorkerOptions): Promise<AudioWorker> {
  await ensureSearchAttributes(options.connection, options.namespace);
  await Promise.all([options.blobLocation, options.outputUrl ?? ''].map((location) => ensureS3Bucket(location)));
  // What a worker killed while it stitched for S3 leaves: its staging folder, and the upload's parts.
  // Tidying is best effort: a store that refuses it (no ListMultipartUploads right) does not stop a worker.
  const tidy = <T>(what: string, work: Promise<T[]>) =>
    work.catch((error: unknown) => {
      console.error(`could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return [] as T[];
    });
  for (const folder of await tidy('look for abandoned staging folders', removeAbandonedStaging(options.outputDir)))
    console.error(`removed ${folder}, left by a worker that died while it stitched`);
  for (const key of await tidy('look for unfinished uploads', abortStaleUploads(options.outputUrl ?? '')))
    console.error(`aborted a day-old unfinished upload of ${key}`);
  const engines = options.engines ?? defaultEngines(options);
  // One chunk heard at a time, on one core: the engines keep the others.
  const recognizer = new Recognizer({ threads: 1, ...(options.engineLog ? { log: options.engineLog } : {}) });
  for (const name of options.warmEngines ?? []) {
    // Loaded once and kept: a short document to a warm worker does not wait for a model.
    engines[name]?.warm?.().catch((error: unknown) => options.engineLog?.(`${name}: could not load ahead: ${(error as Error).message}`));
  }
  const activities = createActivities({
    engines,
    recognizer,
    blobStore: openBlobStore(options.blobLocation),
    outputDir: options.outputDir,
    ...(options.outputUrl ? { outputUrl: options.outputUrl } : {}),
    ...(options.libraryDir ? { libraryDir: options.libraryDir } : {}),
  });
  const build = await bundleWorkflows();
  const version = { deploymentName: options.deploymentName ?? DEFAULT_DEPLOYMENT, buildId: options.buildId ?? build.hash };
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    // Pinned: a document runs to its end on the build it started on, whatever is deployed meanwhile.
    workerDeploymentOptions: { useWorkerVersioning: true, version, defaultVersioningBehavior: 'PINNED' },
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
    // Heartbeats (and with them cancellation) go out at least every second, not every 80 % of the timeout.
    maxHeartbeatThrottleInterval: '1 second',
    // On SIGTERM, chunks in flight get this long to finish before they are cancelled (and retried elsewhere).
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceTime: options.shutdownGraceMs }),
  } satisfies Partial<WorkerOptions>;
  const workers = [await Worker.create({ ...common, taskQueue: options.taskQueue, workflowBundle: { code: build.code } })];
  for (const engine of REMOTE_ENGINES) {
    if (!engines[engine]) continue;
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: ttsTaskQueue(options.taskQueue, engine),
        // Enforced by the server across every worker of this queue: give them all the same value.
        maxTaskQueueActivitiesPerSecond: remoteRatePerMinute(engine, options) / 60,
      }),
    );
  }
  const stopped = new AbortController();
  const shutdown = () => {
    stopped.abort();
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  const run = async () => {
    const running = Promise.all(workers.map((worker) => worker.run()));
    const stopPromoting = () => stopped.abort();
    running.then(stopPromoting, stopPromoting); // however the workers stop
    if (options.promote !== false) {
      // The server knows this build once the workers poll. A promotion that fails stops the workers.
      const promoted = promoteBuild(options.connection, options.namespace, version, {
        ignoreMissingTaskQueues: options.ignoreMissingTaskQueues === true,
        signal: stopped.signal,
      });
      promoted.catch(() => undefined); // observed below, unless the workers stop first
      try {
        await Promise.race([running, promoted]);
      } catch (error) {
        shutdown();
        await running.catch(() => undefined);
        throw error;
      }
    }
    await running;
  };
  return {
    workers,
    version,
    run,
    shutdown,
    async runUntil(fn) {
      const running = run();
      try {
        return await Promise.race([fn(), running.then(() => Promise.reject(new Error('worker stopped before the work was done')))]);
      } finally {
        shutdown();
        await running;
      }
    },
    close: async () => {
      await Promise.all([...Object.values(engines).map((engine) => engine.close?.()), recognizer.close()]);
    },
  };
}

/** A remote engine's request limit per minute, the same on every worker of its queue. */
export function remoteRatePerMinute(
  engine: (typeof REMOTE_ENGINES)[number],
  options: Pick<AudioWorkerOptions, 'replicate' | 'openai'>,
): number {
  return engine === 'replicate' ? (options.replicate?.ratePerMinute ?? 600) : (options.openai?.ratePerMinute ?? 500);
}

function defaultEngines(options: AudioWorkerOptions): Partial<Record<EngineName, TtsEngine>> {
  return {
    espeak: new EspeakEngine(options.espeakThreads),
    simulated: new SimulatedEngine(),
    // Starts nothing until its first chunk (then fetches the model if it is missing).
    kokoro: new KokoroEngine({
      ...(options.kokoroThreads ? { threads: options.kokoroThreads } : {}),
      ...(options.kokoroSessionThreads ? { intraOpThreads: options.kokoroSessionThreads } : {}),
      modelDir: options.kokoroModelDir,
      ...(options.engineLog ? { log: options.engineLog } : {}),
    }),
    ...(options.replicate ? { replicate: new ReplicateEngine(options.replicate) } : {}),
    ...(options.openai ? { openai: new OpenAiEngine(options.openai) } : {}),
  };
}
