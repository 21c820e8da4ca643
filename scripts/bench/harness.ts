// The benchmark's world: one tuned dev server, and in-process workers per scenario.

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { AudioDocumentInput, EngineName } from '../../src/document/input.ts';
import type { TtsEngine } from '../../src/engines/engine.ts';
import type { ReplicateConfig } from '../../src/engines/replicate/replicate-config.ts';
import { ReplicateEngine } from '../../src/engines/replicate/replicate-engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { buildServer } from '../../src/server/app.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import { type AudioWorker, createAudioWorker } from '../../src/temporal/audio-worker.ts';
import { type LocalTemporal, type RunningServer, startLocalTemporal } from '../../src/temporal/local-temporal.ts';

export interface Bench extends LocalTemporal {
  /** Runs one document on a fresh, warmed-up worker (own queue, own chunk store: no chunk is reused) and times it. */
  run(input: AudioDocumentInput, options?: { replicate?: ReplicateConfig }): Promise<DocumentRun>;
}

export interface DocumentRun {
  workflowId: string;
  seconds: number;
  /** CPU time spent meanwhile, in ms: this process (SDK, worker, engine) and the Temporal server. */
  workerCpuMs: number;
  serverCpuMs: number;
}

let queues = 0;

export async function startBench(): Promise<Bench> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporal = await startLocalTemporal('durable-tts-bench-');
  const { server, client } = temporal;
  return {
    ...temporal,
    async run(input, options = {}) {
      const taskQueue = `bench-${++queues}`;
      const { worker, outputDir } = await benchWorker(temporal, taskQueue, options);
      // Time the document only, from start request to result: the worker is already polling.
      const measured = await worker.runUntil(async () => {
        await untilPolling(worker);
        // A worker's first workflow task pays for its sandbox and cold code (~130 ms measured); a
        // fleet's workers are warm, so warm this one on a small document of other text first.
        const warmUp = { text: paragraphs(3, `warm-up of ${taskQueue}`), engine: 'simulated' as const, mode: input.mode ?? 'parallel' };
        await client.workflow.execute('audioDocument', { args: [warmUp], taskQueue, workflowId: `${taskQueue}-warm-up` });
        const workflowId = `${taskQueue}-doc`;
        const { elapsedMs, workerCpuMs, serverCpuMs } = await measureCpu(server, () =>
          client.workflow.execute('audioDocument', { args: [input], taskQueue, workflowId }),
        );
        return { workflowId, seconds: elapsedMs / 1000, workerCpuMs, serverCpuMs };
      });
      await worker.close();
      await rm(outputDir, { recursive: true, force: true });
      return measured;
    },
  };
}

export interface BenchWorkerOptions {
  replicate?: ReplicateConfig;
  engines?: Partial<Record<EngineName, TtsEngine>>;
  /** Default: a directory of its own (s3://… for a store in S3). */
  blobLocation?: string;
  outputUrl?: string;
  /** Default 100. */
  maxConcurrentActivities?: number;
}

/**
 * A fresh worker for one scenario, as a fleet's would be: its own task queue, output directory and
 * chunk store (so no chunk is reused), the simulated engine (and Replicate when given).
 */
export async function benchWorker(
  temporal: LocalTemporal<RunningServer>,
  taskQueue: string,
  options: BenchWorkerOptions = {},
): Promise<{ worker: AudioWorker; outputDir: string }> {
  const outputDir = join(temporal.dir, taskQueue);
  const worker = await createAudioWorker({
    connection: temporal.workerConnection,
    namespace: 'default',
    taskQueue,
    outputDir,
    blobLocation: options.blobLocation ?? join(outputDir, '.chunks'),
    ...(options.outputUrl ? { outputUrl: options.outputUrl } : {}),
    maxConcurrentActivities: options.maxConcurrentActivities ?? 100,
    espeakThreads: 1,
    engines: {
      simulated: new SimulatedEngine(),
      ...(options.replicate ? { replicate: new ReplicateEngine(options.replicate) } : {}),
      ...options.engines,
    },
    ...(options.replicate ? { replicate: options.replicate } : {}),
  });
  return { worker, outputDir };
}

/**
 * A fresh bench worker (benchWorker) and the HTTP API in front of it on 127.0.0.1, for as long as
 * `use` runs; then both close, and the worker's output directory is removed.
 */
export async function withBenchServer<T>(
  temporal: LocalTemporal<RunningServer>,
  taskQueue: string,
  options: BenchWorkerOptions,
  use: (base: string, outputDir: string) => Promise<T>,
): Promise<T> {
  const { worker, outputDir } = await benchWorker(temporal, taskQueue, options);
  try {
    return await worker.runUntil(async () => {
      await untilPolling(worker);
      const blobStore = new LocalBlobStore(join(outputDir, '.chunks'));
      const app = await buildServer({ client: temporal.client, taskQueue, outputDir, blobStore });
      try {
        return await use(await app.listen({ port: 0, host: '127.0.0.1' }), outputDir);
      } finally {
        await app.close();
      }
    });
  } finally {
    await worker.close();
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** Call once the worker's run() has begun: resolves when its pollers are running and have reached the server. */
export async function untilPolling(worker: AudioWorker): Promise<void> {
  while (worker.workers.some((w) => w.getState() !== 'RUNNING')) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200));
}

/** `count` one-sentence paragraphs: one chunk each. */
export function paragraphs(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) => `Paragraph ${i} of ${tag}.`).join('\n\n');
}

/**
 * Wall time of `fn`, and the CPU time this process and the Temporal server spent meanwhile, and the
 * database's (its whole process tree: PostgreSQL runs a process per connection) when given.
 */
export async function measureCpu(
  server: RunningServer,
  fn: () => Promise<unknown>,
  databasePid?: number,
): Promise<{ elapsedMs: number; workerCpuMs: number; serverCpuMs: number; databaseCpuMs: number }> {
  const database = async () => (databasePid === undefined ? 0 : processTreeCpuMs(databasePid));
  const [cpu, serverCpu, databaseCpu, started] = [
    process.cpuUsage(),
    await processCpuMs(server.process.pid!),
    await database(),
    performance.now(),
  ];
  await fn();
  const elapsedMs = performance.now() - started;
  const workerCpu = process.cpuUsage(cpu);
  return {
    elapsedMs,
    workerCpuMs: (workerCpu.user + workerCpu.system) / 1000,
    serverCpuMs: (await processCpuMs(server.process.pid!)) - serverCpu,
    databaseCpuMs: (await database()) - databaseCpu,
  };
}

/** /proc/<pid>/stat after the command name: state is field 0, ppid 1, utime 11, stime 12, children's 13 and 14. */
async function statFields(pid: number | string): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may hold ") " itself
  } catch {
    return undefined;
  }
}

const ticksToMs = (ticks: number) => (ticks * 1000) / 100; // clock ticks, 100 per second

/** User + system CPU time of a process, from /proc (Linux); NaN elsewhere. */
async function processCpuMs(pid: number): Promise<number> {
  const fields = await statFields(pid);
  return fields ? ticksToMs(Number(fields[11]) + Number(fields[12])) : Number.NaN;
}

/** CPU of a process, its live descendants, and the children it has reaped (whose time it inherits). */
async function processTreeCpuMs(root: number): Promise<number> {
  const stats = new Map<number, string[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/u.test(name)) continue;
    const fields = await statFields(name);
    if (fields) stats.set(Number(name), fields);
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && stats.has(pid) && inTree(Number(stats.get(pid)![1])));
  let ticks = 0;
  for (const [pid, fields] of stats) if (inTree(pid)) ticks += Number(fields[11]) + Number(fields[12]);
  const rootFields = stats.get(root);
  return rootFields ? ticksToMs(ticks + Number(rootFields[13]) + Number(rootFields[14])) : Number.NaN;
}
