// The seed's table (sequential vs parallel), window vs batch, and the cost of orchestration itself.

import { type Bench, paragraphs } from './harness.ts';
import { type WindowTimings, windowTimings } from './window-timings.ts';

export interface SeedRow {
  chunks: number;
  sequentialSec: number;
  parallelSec: number;
  speedup: number;
  idealSpeedup: number;
  /** Ideal parallel makespan (ceil(N/C) * L) over the measured one. */
  efficiency: number;
  /** Where the parallel run's time beyond ideal went. */
  parallelTimings: WindowTimings;
}

export async function seedTable(bench: Bench, latencyMs: number, counts: number[], concurrency: number): Promise<SeedRow[]> {
  const rows: SeedRow[] = [];
  for (const chunks of counts) {
    const engineOptions = { latencyMs };
    const text = paragraphs(chunks, `seed-${chunks}`);
    const sequential = await bench.run({ text, engine: 'simulated', mode: 'sequential', engineOptions });
    const parallel = await bench.run({ text, engine: 'simulated', mode: 'parallel', concurrency, engineOptions });
    const ideal = (Math.ceil(chunks / concurrency) * latencyMs) / 1000;
    rows.push({
      chunks,
      sequentialSec: sequential.seconds,
      parallelSec: parallel.seconds,
      speedup: sequential.seconds / parallel.seconds,
      idealSpeedup: (chunks * latencyMs) / 1000 / ideal,
      efficiency: ideal / parallel.seconds,
      parallelTimings: await windowTimings(bench.client, parallel.workflowId, concurrency, latencyMs),
    });
    console.error(`  N=${chunks}: sequential ${sequential.seconds.toFixed(1)} s, parallel ${parallel.seconds.toFixed(1)} s`);
  }
  return rows;
}

export interface ScheduleComparison {
  chunks: number;
  concurrency: number;
  sigma: number;
  windowSec: number;
  batchSec: number;
  /** batch / window */
  windowAdvantage: number;
}

/** The same lognormal latencies (seeded) for both schedules. */
export async function windowVsBatch(
  bench: Bench,
  latencyMs: number,
  chunks: number,
  concurrency: number,
  sigma: number,
): Promise<ScheduleComparison> {
  const text = paragraphs(chunks, 'schedules');
  const engineOptions = { latencyMs, latencySigma: sigma, seed: 11 };
  const window = await bench.run({ text, engine: 'simulated', concurrency, schedule: 'window', engineOptions });
  const batch = await bench.run({ text, engine: 'simulated', concurrency, schedule: 'batch', engineOptions });
  return {
    chunks,
    concurrency,
    sigma,
    windowSec: window.seconds,
    batchSec: batch.seconds,
    windowAdvantage: batch.seconds / window.seconds,
  };
}

export interface Overhead {
  chunks: number;
  seconds: number;
  msPerChunk: number;
  /** CPU time per chunk, in ms: the worker process and the Temporal server. */
  workerCpuMs: number;
  serverCpuMs: number;
}

/** A sequential chain of zero-latency chunks: what Temporal itself costs per chunk. */
export async function orchestrationOverhead(bench: Bench, chunks: number): Promise<Overhead> {
  const run = await bench.run({ text: paragraphs(chunks, 'overhead'), engine: 'simulated', mode: 'sequential' });
  return {
    chunks,
    seconds: run.seconds,
    msPerChunk: (run.seconds * 1000) / chunks,
    workerCpuMs: run.workerCpuMs / chunks,
    serverCpuMs: run.serverCpuMs / chunks,
  };
}
