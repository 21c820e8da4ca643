// Beyond one machine, measured: (1) the same 200-chunk document with its chunks and output on the
// local disk and on S3 (versitygw on this machine), as a ratio and a per-chunk cost; (2) the same
// document on our tuned dev server and on the real server on PostgreSQL (stock, plus the dynamic
// config compose mounts); (3) fair sharing: a 10-chunk document's time alone, and while another
// tenant's 500-chunk document fills a worker with few slots, with and without tenants.
//
// Alone: `node --import tsx scripts/bench/fleet.ts` (the table, then the figures as JSON).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import type { LocalTemporal, RunningServer } from '../../src/temporal/local-temporal.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { startS3Server } from '../../testkit/s3-server.ts';
import { startTemporalCluster } from '../../testkit/temporal-cluster.ts';
import { type BenchWorkerOptions, benchWorker, measureCpu, paragraphs, startBench, untilPolling } from './harness.ts';

export interface StoreComparison {
  chunks: number;
  concurrency: number;
  localSec: number;
  s3Sec: number;
  /** (s3 - local) / chunks, in ms. */
  s3MsPerChunk: number;
  localWorkerCpuMs: number;
  s3WorkerCpuMs: number;
}

export interface ServerComparison {
  chunks: number;
  concurrency: number;
  devServerSec: number;
  realServerSec: number;
  /** CPU per chunk, in ms: the server process (the dev server keeps SQLite inside it), and the real server's PostgreSQL. */
  devServerCpuMsPerChunk: number;
  realServerCpuMsPerChunk: number;
  postgresCpuMsPerChunk: number;
}

export interface FairnessResult {
  slots: number;
  latencyMs: number;
  bigChunks: number;
  smallChunks: number;
  soloSec: number;
  /** The small document's time while the big one runs. */
  withTenantsSec: number;
  withoutTenantsSec: number;
}

export interface FleetResults {
  stores: StoreComparison;
  servers: ServerComparison;
  fairness: FairnessResult;
}

let runs = 0;

/** One document on a fresh worker with `options`, after a warm-up: its wall time and this process's CPU. */
async function timed(temporal: LocalTemporal<RunningServer>, input: AudioDocumentInput, options: BenchWorkerOptions, databasePid?: number) {
  const taskQueue = `fleet-${++runs}`;
  const { worker } = await benchWorker(temporal, taskQueue, options);
  return worker.runUntil(async () => {
    await untilPolling(worker);
    await temporal.client.workflow.execute('audioDocument', {
      args: [{ text: paragraphs(3, `warm-up of ${taskQueue}`), engine: 'simulated' }],
      taskQueue,
      workflowId: `${taskQueue}-warm-up`,
    });
    const run = () => temporal.client.workflow.execute('audioDocument', { args: [input], taskQueue, workflowId: `${taskQueue}-doc` });
    const { elapsedMs, workerCpuMs, serverCpuMs, databaseCpuMs } = await measureCpu(temporal.server, run, databasePid);
    return { seconds: elapsedMs / 1000, workerCpuMs, serverCpuMs, databaseCpuMs };
  });
}

/** The same document, chunks and output on disk, then on S3 (both this machine's). */
export async function storeComparison(temporal: LocalTemporal, chunks = 200, concurrency = 10): Promise<StoreComparison> {
  const s3 = await startS3Server();
  const saved = { ...process.env };
  try {
    const input: AudioDocumentInput = {
      text: paragraphs(chunks, 'stores'),
      engine: 'simulated',
      concurrency,
      engineOptions: { latencyMs: 0 },
      output: { captions: false, loudness: false },
    };
    const local = await timed(temporal, input, {});
    Object.assign(process.env, s3.env); // the S3 client reads the AWS SDK's standard settings
    const onS3 = await timed(temporal, input, { blobLocation: `s3://bench/chunks-${runs}`, outputUrl: `s3://bench/documents-${runs}` });
    return {
      chunks,
      concurrency,
      localSec: local.seconds,
      s3Sec: onS3.seconds,
      s3MsPerChunk: ((onS3.seconds - local.seconds) * 1000) / chunks,
      localWorkerCpuMs: local.workerCpuMs,
      s3WorkerCpuMs: onS3.workerCpuMs,
    };
  } finally {
    process.env = saved;
    await s3.stop();
  }
}

/** The same document (on disk) on the dev server we start, then on the real server on PostgreSQL. */
export async function serverComparison(temporal: LocalTemporal, chunks = 200, concurrency = 10): Promise<ServerComparison> {
  const input: AudioDocumentInput = {
    text: paragraphs(chunks, 'servers'),
    engine: 'simulated',
    concurrency,
    engineOptions: { latencyMs: 0 },
    output: { captions: false, loudness: false },
  };
  const dev = await timed(temporal, input, {});
  const cluster = await startTemporalCluster('durable-tts-bench-cluster-');
  try {
    const real = await timed(cluster, input, {}, cluster.postgres.process.pid);
    return {
      chunks,
      concurrency,
      devServerSec: dev.seconds,
      realServerSec: real.seconds,
      devServerCpuMsPerChunk: dev.serverCpuMs / chunks,
      realServerCpuMsPerChunk: real.serverCpuMs / chunks,
      postgresCpuMsPerChunk: real.databaseCpuMs / chunks,
    };
  } finally {
    await cluster.teardown();
  }
}

/** A small document alone, then while a big one of another tenant runs (with and without tenants), on `slots` activity slots. */
export async function fairness(
  temporal: LocalTemporal,
  { slots = 4, latencyMs = 100, bigChunks = 500, smallChunks = 10 } = {},
): Promise<FairnessResult> {
  const document = (tag: string, count: number, concurrency: number, tenant?: string): AudioDocumentInput => ({
    text: paragraphs(count, tag),
    engine: 'simulated',
    concurrency,
    engineOptions: { latencyMs, sampleRate: 8000 },
    output: { captions: false, loudness: false },
    ...(tenant ? { tenant } : {}),
  });
  const smallWhileBig = async (tenants: boolean): Promise<number> => {
    const taskQueue = `fairness-${++runs}`;
    const { worker } = await benchWorker(temporal, taskQueue, { maxConcurrentActivities: slots });
    return worker.runUntil(async () => {
      await untilPolling(worker);
      const { client } = temporal;
      const big = await client.workflow.start('audioDocument', {
        args: [document(`big ${runs}`, bigChunks, 50, tenants ? 'publisher' : undefined)],
        taskQueue,
        workflowId: `${taskQueue}-big`,
      });
      while ((await big.query(progressQuery)).done < 20) await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      await client.workflow.execute('audioDocument', {
        args: [document(`small ${runs}`, smallChunks, smallChunks, tenants ? 'reader' : undefined)],
        taskQueue,
        workflowId: `${taskQueue}-small`,
      });
      const seconds = (performance.now() - started) / 1000;
      await big.cancel(); // its time is not what is measured
      return seconds;
    });
  };
  const solo = await timed(temporal, document('solo', smallChunks, smallChunks), { maxConcurrentActivities: slots });
  return {
    slots,
    latencyMs,
    bigChunks,
    smallChunks,
    soloSec: solo.seconds,
    withTenantsSec: await smallWhileBig(true),
    withoutTenantsSec: await smallWhileBig(false),
  };
}

export async function fleetBenchmarks(temporal: LocalTemporal, log: (line: string) => void = () => undefined): Promise<FleetResults> {
  log('  the same document on disk and on S3...');
  const stores = await storeComparison(temporal);
  log('  the same document on the dev server and on the real server on PostgreSQL...');
  const servers = await serverComparison(temporal);
  log('  fair sharing between tenants...');
  return { stores, servers, fairness: await fairness(temporal) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { fleetTable } = await import('./report.ts');
  const bench = await startBench();
  try {
    const results = await fleetBenchmarks(bench, (line) => console.error(line));
    console.log(fleetTable(results).join('\n'));
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await bench.teardown();
  }
}
