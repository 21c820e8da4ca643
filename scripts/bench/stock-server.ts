// The seed's comparison as a user runs it: 50 chunks at L = 1 s, C = 5, sequential then parallel, each started with
// `temporal workflow execute` (the CLI binary), with the defaults on (loudness, captions, WAV), on our tuned dev server
// and on a stock one (only the transfer poll rate set), alternating in the same run.
// `node --import tsx scripts/bench/stock-server.ts [--rounds 2 --chunks 50]` prints a table.

import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { ensureTemporalCli } from '../../src/temporal/cli.ts';
import { type LocalTemporal, startLocalTemporal } from '../../src/temporal/local-temporal.ts';
import { benchWorker, paragraphs, untilPolling } from './harness.ts';
import { type WindowTimings, windowTimings } from './window-timings.ts';

export type ServerTuning = 'ours' | 'stock';

export interface CliRun {
  /** The `temporal workflow execute` process, from spawn to exit. */
  wallMs: number;
  synthesisMs: number;
  stitchMs: number;
  chunks: number;
  timings: WindowTimings;
}

export interface StockServerRow {
  server: ServerTuning;
  round: number;
  sequential: CliRun;
  parallel: CliRun;
  /** Temporal's floor, in the same round: the same window of no-op activities that wait L, through the same CLI. */
  floorWallMs: number;
  /** Sequential wall over parallel wall. */
  speedup: number;
  /** ceil(N/C) * L over the parallel wall. */
  efficiency: number;
  /** The same two from result.timings.synthesisMs. */
  synthesisSpeedup: number;
  synthesisEfficiency: number;
}

export interface StockServerOptions {
  chunks: number;
  concurrency: number;
  latencyMs: number;
  rounds: number;
}

const NOOP_WORKFLOWS = fileURLToPath(new URL('./noop-chain-workflow.ts', import.meta.url));
const DEFAULTS: StockServerOptions = { chunks: 50, concurrency: 5, latencyMs: 1_000, rounds: 2 };

/** Both servers, alternating: ours then stock, `rounds` times. */
export async function stockServerComparison(
  options: Partial<StockServerOptions> = {},
  log: (line: string) => void = console.error,
): Promise<StockServerRow[]> {
  const settings = { ...DEFAULTS, ...options };
  const cliPath = await ensureTemporalCli(log);
  const servers: Record<ServerTuning, LocalTemporal> = {
    ours: await startLocalTemporal('durable-tts-bench-ours-', 'ours'),
    stock: await startLocalTemporal('durable-tts-bench-stock-', 'stock'),
  };
  try {
    const rows: StockServerRow[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const server of ['ours', 'stock'] as const) {
        const row = await seedPair(servers[server], cliPath, server, round, settings);
        log(
          `  ${server}, round ${round}: sequential ${(row.sequential.wallMs / 1000).toFixed(1)} s, ` +
            `parallel ${(row.parallel.wallMs / 1000).toFixed(1)} s: ${row.speedup.toFixed(2)}x, efficiency ${row.efficiency.toFixed(3)}`,
        );
        rows.push(row);
      }
    }
    return rows;
  } finally {
    await Promise.all(Object.values(servers).map((temporal) => temporal.teardown()));
  }
}

async function seedPair(
  temporal: LocalTemporal,
  cliPath: string,
  server: ServerTuning,
  round: number,
  { chunks, concurrency, latencyMs }: StockServerOptions,
): Promise<StockServerRow> {
  const taskQueue = `cli-${server}-${round}`;
  const { worker, outputDir } = await benchWorker(temporal, taskQueue);
  const runs = await worker.runUntil(async () => {
    await untilPolling(worker);
    const engineOptions = { latencyMs, charsPerSecond: 15 };
    const document = (mode: 'sequential' | 'parallel'): AudioDocumentInput => ({
      text: longParagraphs(chunks, `${taskQueue} ${mode}`),
      engine: 'simulated',
      mode,
      concurrency,
      engineOptions,
    });
    // Warm the worker's sandbox and the CLI's binary in the page cache on a small document first.
    await cliExecute(temporal, cliPath, taskQueue, `${taskQueue}-warm-up`, {
      text: paragraphs(3, `warm-up of ${taskQueue}`),
      engine: 'simulated',
      mode: 'parallel',
    });
    const sequential = await cliExecute(temporal, cliPath, taskQueue, `${taskQueue}-sequential`, document('sequential'));
    const parallel = await cliExecute(temporal, cliPath, taskQueue, `${taskQueue}-parallel`, document('parallel'));
    return {
      sequential: { ...sequential, timings: await windowTimings(temporal.client, `${taskQueue}-sequential`, 1, latencyMs) },
      parallel: { ...parallel, timings: await windowTimings(temporal.client, `${taskQueue}-parallel`, concurrency, latencyMs) },
    };
  });
  await worker.close();
  await rm(outputDir, { recursive: true, force: true });
  const floorWallMs = await temporalWindowFloor(temporal, cliPath, `${taskQueue}-floor`, { chunks, concurrency, latencyMs });
  const idealMs = Math.ceil(chunks / concurrency) * latencyMs;
  return {
    server,
    round,
    ...runs,
    floorWallMs,
    speedup: runs.sequential.wallMs / runs.parallel.wallMs,
    efficiency: idealMs / runs.parallel.wallMs,
    synthesisSpeedup: runs.sequential.synthesisMs / runs.parallel.synthesisMs,
    synthesisEfficiency: idealMs / runs.parallel.synthesisMs,
  };
}

/**
 * What Temporal itself needs for this shape: `chunks` no-op activities that only wait `latencyMs`,
 * at most `concurrency` at once through the window our chunks use (noopBookPart), started with the
 * same CLI. The wall of this run is the best any implementation can do on this server and machine.
 */
async function temporalWindowFloor(
  temporal: LocalTemporal,
  cliPath: string,
  taskQueue: string,
  { chunks, concurrency, latencyMs }: Omit<StockServerOptions, 'rounds'>,
): Promise<number> {
  const worker = await Worker.create({
    connection: temporal.workerConnection,
    taskQueue,
    workflowsPath: NOOP_WORKFLOWS,
    activities: { noopWait: (ms: number) => sleep(ms) },
  });
  return worker.runUntil(async () => {
    const execute = async (workflowId: string, args: number[]) => {
      const flags = ['workflow', 'execute', '--address', temporal.server.address, '--namespace', temporal.server.namespace];
      flags.push('--task-queue', taskQueue, '--type', 'noopBookPart', '--workflow-id', workflowId, '--output', 'json');
      for (const arg of args) flags.push('--input', String(arg));
      const started = performance.now();
      const { code, stderr } = await run(cliPath, flags);
      if (code !== 0) throw new Error(`temporal workflow execute ${workflowId} exited with ${code}:\n${stderr}`);
      return performance.now() - started;
    };
    await execute(`${taskQueue}-warm-up`, [3, 3, 0]);
    return execute(`${taskQueue}-window`, [chunks, concurrency, latencyMs]);
  });
}

/** `temporal workflow execute --output json` (JSON mode waits for the close event only; text mode polls every event). */
async function cliExecute(
  temporal: LocalTemporal,
  cliPath: string,
  taskQueue: string,
  workflowId: string,
  input: AudioDocumentInput,
): Promise<Omit<CliRun, 'timings'>> {
  const inputFile = join(temporal.dir, `${workflowId}.json`);
  await writeFile(inputFile, JSON.stringify(input));
  const args = ['workflow', 'execute', '--address', temporal.server.address, '--namespace', temporal.server.namespace];
  args.push('--task-queue', taskQueue, '--type', 'audioDocument', '--workflow-id', workflowId, '--input-file', inputFile);
  const started = performance.now();
  const { code, stdout, stderr } = await run(cliPath, [...args, '--output', 'json']);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`temporal workflow execute ${workflowId} exited with ${code}:\n${stderr}\n${stdout}`);
  const result = JSON.parse(stdout).result as AudioDocumentResult;
  return { wallMs, synthesisMs: result.timings.synthesisMs, stitchMs: result.timings.stitchMs, chunks: result.chunks };
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const FILLER =
  'The river ran quietly past the old mill, where the miller kept his ledgers and counted the sacks of grain that came ' +
  'down from the hills each autumn, and the children watched the wheel turn from the bridge until the light went out of the sky.';

/** `count` paragraphs of about 290 characters: one chunk each (under the default maxChunkChars of 300). */
export function longParagraphs(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) => {
    const paragraph = `Paragraph ${i} of ${tag}. ${FILLER}`;
    return paragraph.length <= 295 ? paragraph : `${paragraph.slice(0, 290).replace(/\s+\S*$/u, '')}.`;
  }).join('\n\n');
}

export function stockServerMarkdown(rows: StockServerRow[], { chunks, concurrency, latencyMs }: StockServerOptions = DEFAULTS): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const idealMs = Math.ceil(chunks / concurrency) * latencyMs;
  const lines = [
    `${chunks} chunks, L = ${latencyMs} ms, C = ${concurrency}, through \`temporal workflow execute --output json\`, defaults on ` +
      '(loudness, captions, WAV). Wall: the CLI process. Synthesis: result.timings.synthesisMs.',
    '',
    "| Server | Round | Sequential | Parallel | Speedup | Efficiency | Synthesis alone | First chunk after | Slot gap | After last chunk | Temporal's floor: no-op window (efficiency) |",
    '| ------ | ----- | ---------- | -------- | ------- | ---------- | --------------- | ----------------- | ------ | ---------------- | ------------------------------------------- |',
  ];
  for (const row of rows) {
    const t = row.parallel.timings;
    lines.push(
      `| ${row.server} | ${row.round} | ${s(row.sequential.wallMs)} | ${s(row.parallel.wallMs)} | ${row.speedup.toFixed(2)}x | ` +
        `${row.efficiency.toFixed(3)} | ${row.synthesisSpeedup.toFixed(2)}x, ${row.synthesisEfficiency.toFixed(3)} | ` +
        `${t.firstChunkAfterMs.toFixed(0)} ms | ${t.meanSlotGapMs.toFixed(1)} ms | ${t.afterLastChunkMs.toFixed(0)} ms ` +
        `(stitch ${row.parallel.stitchMs.toFixed(0)} ms) | ${s(row.floorWallMs)} (${(idealMs / row.floorWallMs).toFixed(2)}) |`,
    );
  }
  // The targets, unrounded: speedup >= 4.85x and efficiency >= 0.95 end to end, synthesis alone >= 0.97.
  for (const server of [...new Set(rows.map((row) => row.server))]) {
    const own = rows.filter((row) => row.server === server);
    const met = own.filter((row) => row.speedup >= 4.85 && row.efficiency >= 0.95).length;
    const synthesis = own.filter((row) => row.synthesisEfficiency >= 0.97).length;
    lines.push(
      '',
      `${server}: speedup >= 4.85x and efficiency >= 0.95 in ${met} of ${own.length} rounds; synthesis alone >= 0.97 in ${synthesis} of ${own.length}.`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, chunks: { type: 'string', default: '50' } } });
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const options = { ...DEFAULTS, rounds: Number(values.rounds), chunks: Number(values.chunks) };
  const rows = await stockServerComparison(options);
  console.log(stockServerMarkdown(rows, options));
}
