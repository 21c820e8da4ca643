// Books at scale: a generated 1 MB and 5 MB text (thousands of chunks, spoken in parts of up to
// 1,000), with the simulated engine at 0 ms and 1 s per chunk, C = 50. Per run: wall time,
// synthesis and stitch, the makespan against its ideal (or chunks per second at 0 ms), the largest
// history (the parent's and every part's), the peak RSS of the worker (this process) and of the
// Temporal server, and Temporal's own floor in the same run: no-op workflows of the same shape
// (the same part sizes as sequential children, each a sliding window of C no-op activities).
//
// Alone: `node --import tsx scripts/bench/books.ts [--sizes 1,5] [--latencies 0,1000]` (the table,
// then the figures as JSON). The report (report.ts, booksTable) imports only types from here.

import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come on the default export
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.ts';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput, EngineOptions } from '../../src/document/input.ts';
import { SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import { storeText } from '../../src/storage/stored-text.ts';
import type { LocalTemporal } from '../../src/temporal/local-temporal.ts';
import { chunkText } from '../../src/text/chunker.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { seededRandom } from '../../test/helpers/seeded-random.ts';
import { benchWorker, measureCpu, paragraphs, startBench, untilPolling } from './harness.ts';

export const BOOK_CONCURRENCY = 50;

export interface BookOptions {
  /** Text sizes, in millions of characters. */
  sizesMb: number[];
  latenciesMs: number[];
  concurrency?: number;
}

export interface HistorySize {
  workflowId: string;
  events: number;
  /** The history protobuf-encoded (temporal.api.history.v1.History), as the server stores and sends it. */
  bytes: number;
  /** Workflow tasks completed in it. */
  workflowTasks: number;
}

export interface RssPeaks {
  /** Sampled every 500 ms during the run, in MB. */
  workerSampledMb: number;
  serverSampledMb: number;
  /** VmHWM after resetting it (/proc/<pid>/clear_refs) just before the run, in MB; absent when it could not be reset. */
  workerHwmMb?: number;
  serverHwmMb?: number;
}

/** Where a run's time went between the parent's chunking and its stitch, read from the histories. */
export interface PartTimings {
  /** Parts' own time, first event to last, summed. */
  partsSec: number;
  /** Each part's own time, in order: a cost that grew with the document would show here. */
  eachPartSec: number[];
  /** From one part's close to the next part's start, summed (the parent's workflow tasks, the child's start). */
  betweenPartsSec: number;
  /** Inside the parts: readChunks and storeChunkList, summed (absent in the floor). */
  readChunksSec: number;
  storeChunkListSec: number;
  /** Inside the parts: the last `concurrency` chunks' drain, from the last chunk scheduled to the last closed, summed. */
  drainSec: number;
}

export interface BookFloor {
  wallSec: number;
  workerCpuSec: number;
  serverCpuSec: number;
  rss: RssPeaks;
  parent: HistorySize;
  largestPart: HistorySize;
  workflowTasks: number;
  timings: PartTimings;
}

export interface BookRun {
  sizeMb: number;
  characters: number;
  latencyMs: number;
  concurrency: number;
  chunks: number;
  parts: number;
  partSizes: number[];
  /** Start request -> result, as the client sees it. */
  wallSec: number;
  /** The result's timings: chunking (prepareText and what precedes it), synthesis (all parts), stitch. */
  chunkingSec: number;
  synthesisSec: number;
  stitchSec: number;
  /** latency > 0: ceil(chunks / C) x latency, and synthesis over it. */
  idealSec?: number;
  makespanRatio?: number;
  /** Chunks over synthesis seconds. */
  chunksPerSec: number;
  workerCpuSec: number;
  serverCpuSec: number;
  rss: RssPeaks;
  parent: HistorySize;
  /** The largest of the parent's and every part's histories, by events (and the largest by bytes). */
  largestPart: HistorySize;
  largestBytes: HistorySize;
  /** What the result said: the history lengths the runs saw when they returned. */
  resultHistoryEvents?: { document: number; largestPart: number };
  workflowTasks: number;
  timings: PartTimings;
  audioSec: number;
  outputMb: number;
  floor: BookFloor;
  /**
   * The chunk activity's own work, alone in this process after the run (the engine, the key's hash,
   * the store's lookup and durable write, the ref's hash): CPU ms per chunk, all threads.
   */
  chunkActivityCpuMs: number;
  /** synthesis / floor wall, and (wall - stitch) / floor wall. */
  synthesisOverFloor: number;
  wallLessStitchOverFloor: number;
}

// --- The text: deterministic, English-like, in chapters ---

const WORDS = (
  'the a of and to in that it was he she they we you his her their our on with as at by from for not but or ' +
  'had have has were would could should will might must said told asked went came saw knew thought found made took gave ' +
  'old young long short little great small high low dark bright cold warm quiet early late last first next other same ' +
  'house road river sea ship town garden window door letter morning evening night winter summer rain wind light stone ' +
  'hand face voice heart mind name word story friend father mother brother sister captain doctor teacher stranger ' +
  'walked turned looked waited listened answered remembered wondered followed carried opened closed began stopped ' +
  'slowly quietly suddenly always never again almost perhaps there here then now before after under over between ' +
  'across toward through along behind beyond without nothing something everything someone nobody every each many few'
).split(' ');

/**
 * About `characters` characters (the last paragraph finishes it): "Chapter N" headings, each followed
 * by 40 paragraphs of 2-5 sentences of 5-16 words from a fixed list. The same size gives the same text.
 */
export function bookText(characters: number, seed = 2024): string {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const sentence = () => {
    const words = Array.from({ length: between(5, 16) }, () => pick(WORDS));
    if (words.length > 8 && random() < 0.4) words[between(2, words.length - 4)] += ',';
    const end = random();
    const text = words.join(' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${end < 0.85 ? '.' : end < 0.95 ? '?' : '!'}`;
  };
  const blocks: string[] = [];
  let length = 0;
  const add = (block: string) => {
    blocks.push(block);
    length += block.length + 2;
  };
  for (let chapter = 1; length < characters; chapter++) {
    add(`Chapter ${chapter}`);
    for (let p = 0; p < 40 && length < characters; p++) add(Array.from({ length: between(2, 5) }, sentence).join(' '));
  }
  return blocks.join('\n\n');
}

// --- Measuring ---

const MB = 1024 * 1024;
const BYTES = /^(\w+):\s+(\d+) kB$/mu;

function statusKb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const line = status.split('\n').find((l) => l.startsWith(`${field}:`));
    const match = line ? BYTES.exec(line) : null;
    return match ? Number(match[2]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux: "5" to clear_refs); false when not allowed. */
function resetHwm(pid: number | 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples this process's RSS and the server's every 500 ms until stopped; the VmHWM too when it could be reset. */
function sampleRss(serverPid: number): () => RssPeaks {
  const [workerReset, serverReset] = [resetHwm('self'), resetHwm(serverPid)];
  let worker = 0;
  let server = 0;
  const tick = () => {
    worker = Math.max(worker, process.memoryUsage().rss);
    const kb = statusKb(serverPid, 'VmRSS');
    if (Number.isFinite(kb)) server = Math.max(server, kb * 1024);
  };
  tick();
  const timer = setInterval(tick, 500);
  return () => {
    clearInterval(timer);
    tick();
    return {
      workerSampledMb: worker / MB,
      serverSampledMb: server / MB,
      ...(workerReset ? { workerHwmMb: statusKb('self', 'VmHWM') / 1024 } : {}),
      ...(serverReset ? { serverHwmMb: statusKb(serverPid, 'VmHWM') / 1024 } : {}),
    };
  };
}

type Event = proto.temporal.api.history.v1.IHistoryEvent;
const at = (event: Event) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;

interface ReadHistory {
  size: HistorySize;
  events: Event[];
}

async function readHistory(client: Client, workflowId: string): Promise<ReadHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    size: {
      workflowId,
      events: events.length,
      bytes: proto.temporal.api.history.v1.History.encode(history).finish().length,
      workflowTasks: events.filter((event) => event.workflowTaskCompletedEventAttributes).length,
    },
    events,
  };
}

/** An activity's scheduled -> closed time, summed over the activities of `type`, in ms. */
function activityMs(events: Event[], type: string): number {
  const scheduled = new Map<number, number>();
  let total = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === type) scheduled.set(Number(event.eventId), at(event));
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
    const start = closed ? scheduled.get(Number(closed.scheduledEventId)) : undefined;
    if (start !== undefined) total += at(event) - start;
  }
  return total;
}

/** From the last activity of `type` scheduled to the last one closed, in ms. */
function drainMs(events: Event[], type: string | undefined): number {
  const ids = new Set<number>();
  let lastScheduled = Number.NaN;
  let lastClosed = Number.NaN;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled && (type === undefined || scheduled.activityType?.name === type)) {
      ids.add(Number(event.eventId));
      lastScheduled = at(event);
    }
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
    if (closed && ids.has(Number(closed.scheduledEventId))) lastClosed = at(event);
  }
  return Number.isFinite(lastClosed - lastScheduled) ? lastClosed - lastScheduled : 0;
}

interface Histories {
  parent: HistorySize;
  largestPart: HistorySize;
  largestBytes: HistorySize;
  workflowTasks: number;
  timings: PartTimings;
  /** Each part's chunk count, from its input (from/to) or, for the floor, its activities. */
  partSizes: number[];
}

/**
 * The parent's history and every part's (`<id>/part-N`, N from 1 while they exist), one at a time:
 * sizes, and where the time went. `chunkActivity` names the per-chunk activity (undefined: every activity).
 */
async function readHistories(client: Client, workflowId: string, parts: number, chunkActivity: string | undefined): Promise<Histories> {
  const parent = await readHistory(client, workflowId);
  let largestPart = parent.size;
  let largestBytes = parent.size;
  let workflowTasks = parent.size.workflowTasks;
  const timings: PartTimings = { partsSec: 0, eachPartSec: [], betweenPartsSec: 0, readChunksSec: 0, storeChunkListSec: 0, drainSec: 0 };
  const partSizes: number[] = [];
  let previousClose: number | undefined;
  for (let n = 1; n <= parts; n++) {
    const { size, events } = await readHistory(client, `${workflowId}/part-${n}`);
    if (size.events > largestPart.events) largestPart = size;
    if (size.bytes > largestBytes.bytes) largestBytes = size;
    workflowTasks += size.workflowTasks;
    const [first, last] = [at(events[0]!), at(events.at(-1)!)];
    timings.partsSec += (last - first) / 1000;
    timings.eachPartSec.push((last - first) / 1000);
    if (previousClose !== undefined) timings.betweenPartsSec += (first - previousClose) / 1000;
    previousClose = last;
    timings.readChunksSec += activityMs(events, 'readChunks') / 1000;
    timings.storeChunkListSec += activityMs(events, 'storeChunkList') / 1000;
    timings.drainSec += drainMs(events, chunkActivity) / 1000;
    const input = events[0]!.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const decoded = input ? (JSON.parse(Buffer.from(input).toString()) as unknown) : undefined;
    partSizes.push(
      decoded && typeof decoded === 'object' && 'from' in decoded && 'to' in decoded
        ? Number(decoded.to) - Number(decoded.from)
        : events.filter(
            (event) =>
              event.activityTaskScheduledEventAttributes &&
              (chunkActivity === undefined || event.activityTaskScheduledEventAttributes.activityType?.name === chunkActivity),
          ).length,
    );
  }
  return { parent: parent.size, largestPart, largestBytes, workflowTasks, timings, partSizes };
}

const FLOOR_WORKFLOWS_PATH = fileURLToPath(new URL('./noop-chain-workflow.ts', import.meta.url));
let runs = 0;

/** Temporal's floor for a book: `partSizes` no-op activities per child, children in sequence, C in flight. */
async function bookFloor(temporal: LocalTemporal, partSizes: number[], concurrency: number, latencyMs: number): Promise<BookFloor> {
  const taskQueue = `book-floor-${++runs}`;
  const noopWait = async (ms: number) => {
    if (ms > 0) await new Promise((done) => setTimeout(done, ms));
  };
  const worker = await Worker.create({
    connection: temporal.workerConnection,
    taskQueue,
    workflowsPath: FLOOR_WORKFLOWS_PATH,
    activities: { noopWait },
    maxConcurrentActivityTaskExecutions: 100, // as the audio worker of the document run
  });
  const workflowId = `${taskQueue}-book`;
  const measured = await worker.runUntil(async () => {
    await temporal.client.workflow.execute('noopBook', { args: [[3], concurrency, 0], taskQueue, workflowId: `${taskQueue}-warm-up` });
    const stop = sampleRss(temporal.server.process.pid!);
    const cpu = await measureCpu(temporal.server, () =>
      temporal.client.workflow.execute('noopBook', { args: [partSizes, concurrency, latencyMs], taskQueue, workflowId }),
    );
    return { ...cpu, rss: stop() };
  });
  const histories = await readHistories(temporal.client, workflowId, partSizes.length, undefined);
  return {
    wallSec: measured.elapsedMs / 1000,
    workerCpuSec: measured.workerCpuMs / 1000,
    serverCpuSec: measured.serverCpuMs / 1000,
    rss: measured.rss,
    parent: histories.parent,
    largestPart: histories.largestPart,
    workflowTasks: histories.workflowTasks,
    timings: histories.timings,
  };
}

/** One book: the document on a fresh worker, its histories, then the floor of the same shape. */
async function bookRun(
  temporal: LocalTemporal,
  text: string,
  sizeMb: number,
  latencyMs: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<BookRun> {
  const taskQueue = `book-${sizeMb}mb-${latencyMs}ms-${++runs}`;
  const { worker, outputDir } = await benchWorker(temporal, taskQueue);
  const textRef = await storeText(new LocalBlobStore(join(outputDir, '.chunks')), text);
  const input: AudioDocumentInput = {
    textRef,
    engine: 'simulated',
    concurrency,
    engineOptions: { latencyMs, sampleRate: 8000, charsPerSecond: 1500 },
    output: { name: 'book.wav', loudness: false, captions: false },
  };
  const workflowId = `${taskQueue}-doc`;
  const { client, server } = temporal;
  const measured = await worker.runUntil(async () => {
    await untilPolling(worker);
    // Warm the worker's sandbox and code on a small document first, as Bench.run does.
    await client.workflow.execute('audioDocument', {
      args: [{ text: paragraphs(3, `warm-up of ${taskQueue}`), engine: 'simulated' }],
      taskQueue,
      workflowId: `${taskQueue}-warm-up`,
    });
    const stop = sampleRss(server.process.pid!);
    const started = performance.now();
    // A line a minute while it runs: the progress query (answered by the worker, not recorded).
    const ticker = setInterval(() => {
      client.workflow
        .getHandle(workflowId)
        .query(progressQuery)
        .then((p) =>
          log(
            `    ${((performance.now() - started) / 1000).toFixed(0)} s: ${p.phase}, ${p.done}/${p.total} chunks, worker RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB`,
          ),
        )
        .catch(() => undefined);
    }, 60_000);
    try {
      let result: AudioDocumentResult | undefined;
      const cpu = await measureCpu(
        server,
        async () =>
          (result = (await client.workflow.execute('audioDocument', { args: [input], taskQueue, workflowId })) as AudioDocumentResult),
      );
      return { ...cpu, result: result!, rss: stop() };
    } finally {
      clearInterval(ticker);
    }
  });
  await worker.close();
  await rm(outputDir, { recursive: true, force: true });
  const { result } = measured;
  const parts = result.parts ?? 1;
  const histories = await readHistories(client, workflowId, result.parts ?? 0, 'synthesizeChunk');
  const partSizes = result.parts ? histories.partSizes : [result.chunks];
  const wallSec = measured.elapsedMs / 1000;
  const synthesisSec = result.timings.synthesisMs / 1000;
  const stitchSec = result.timings.stitchMs / 1000;
  log(
    `  ${sizeMb} MB, L=${latencyMs} ms: ${result.chunks} chunks in ${parts} parts, ${wallSec.toFixed(1)} s (synthesis ${synthesisSec.toFixed(1)} s, stitch ${stitchSec.toFixed(1)} s); the floor...`,
  );
  const floor = await bookFloor(temporal, partSizes, concurrency, latencyMs);
  const chunkActivityCpuMs = await chunkActivityCost(text, input.engineOptions!, concurrency);
  log(
    `  floor: ${floor.wallSec.toFixed(1)} s for ${partSizes.reduce((a, b) => a + b, 0)} no-op activities in ${partSizes.length} children`,
  );
  const idealSec = latencyMs > 0 ? (Math.ceil(result.chunks / concurrency) * latencyMs) / 1000 : undefined;
  return {
    sizeMb,
    characters: text.length,
    latencyMs,
    concurrency,
    chunks: result.chunks,
    parts,
    partSizes,
    wallSec,
    chunkingSec: (result.timings.totalMs - result.timings.synthesisMs - result.timings.stitchMs) / 1000,
    synthesisSec,
    stitchSec,
    ...(idealSec ? { idealSec, makespanRatio: synthesisSec / idealSec } : {}),
    chunksPerSec: result.chunks / synthesisSec,
    workerCpuSec: measured.workerCpuMs / 1000,
    serverCpuSec: measured.serverCpuMs / 1000,
    rss: measured.rss,
    parent: histories.parent,
    largestPart: histories.largestPart,
    largestBytes: histories.largestBytes,
    ...(result.historyEvents ? { resultHistoryEvents: result.historyEvents } : {}),
    workflowTasks: histories.workflowTasks,
    timings: histories.timings,
    audioSec: result.durationSec,
    outputMb: result.bytes / MB,
    floor,
    chunkActivityCpuMs,
    synthesisOverFloor: synthesisSec / floor.wallSec,
    wallLessStitchOverFloor: (wallSec - stitchSec) / floor.wallSec,
  };
}

/**
 * What one chunk's activity costs by itself, without Temporal: synthesizeChunk run directly (the
 * SDK's mock activity context) on 2,000 of the book's chunks, C at a time, into a fresh store on
 * the same disk, at latency 0. CPU ms per chunk, all of the process's threads (the store's file
 * calls run on libuv's).
 */
async function chunkActivityCost(text: string, engineOptions: EngineOptions, concurrency: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'chunk-activity-'));
  try {
    const { synthesizeChunk } = createActivities({
      engines: { simulated: new SimulatedEngine() },
      blobStore: new LocalBlobStore(join(dir, 'blobs')),
      outputDir: dir,
    });
    const texts = chunkText(text.slice(0, 400_000), { speakable: true })
      .slice(0, 2_000)
      .map((chunk) => chunk.text);
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const options = { ...engineOptions, latencyMs: 0 };
    let next = 0;
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let index = next++; index < texts.length; index = next++) {
          const request: SynthesizeChunkInput = {
            index,
            text: texts[index]!,
            engine: 'simulated',
            pin: simulatedPin(),
            engineOptions: options,
            textInPlan: true,
          };
          await env.run(synthesizeChunk, request);
        }
      }),
    );
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / texts.length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every size at every latency, on the bench's server; a fresh worker per run. */
export async function booksAtScale(
  temporal: LocalTemporal,
  options: BookOptions,
  log: (line: string) => void = () => undefined,
): Promise<BookRun[]> {
  const concurrency = options.concurrency ?? BOOK_CONCURRENCY;
  const results: BookRun[] = [];
  for (const sizeMb of options.sizesMb) {
    const text = bookText(Math.round(sizeMb * 1_000_000));
    for (const latencyMs of options.latenciesMs) {
      log(`  ${sizeMb} MB (${text.length} characters), L=${latencyMs} ms, C=${concurrency}...`);
      results.push(await bookRun(temporal, text, sizeMb, latencyMs, concurrency, log));
    }
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1,5' }, latencies: { type: 'string', default: '0,1000' } },
  });
  const list = (value: string | undefined) => value!.split(',').map(Number);
  const { booksTable } = await import('./report.ts');
  const started = performance.now();
  const bench = await startBench();
  try {
    const results = await booksAtScale(bench, { sizesMb: list(values.sizes), latenciesMs: list(values.latencies) }, (line) =>
      console.error(line),
    );
    console.log(booksTable(results).join('\n'));
    console.log(`\nWhole run: ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await bench.teardown();
  }
}
