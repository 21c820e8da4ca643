// Listening while it renders, through the HTTP API as a client sees it: POST a document, then at
// once GET its /live WAV with plain fetch. Measures the time from the POST to the first audio byte
// (past the 44-byte header) against the time to the whole document, checks that a listener who
// starts at the first byte and plays in real time never runs dry, and that the live bytes are the
// final file's.
//
// Alone: `node --import tsx scripts/bench/live.ts [--latency-ms 2000 --chunks 50 --concurrency 5]`.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WAV_HEADER_BYTES } from '../../src/audio/wav.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import type { LocalTemporal } from '../../src/temporal/local-temporal.ts';
import { startBench, withBenchServer } from './harness.ts';

export interface LiveResult {
  chunks: number;
  concurrency: number;
  latencyMs: number;
  /** Time to first audio: from sending the POST to the first byte past the WAV header. */
  ttfaSec: number;
  /** From sending the POST until GET /v1/documents/{id} first said `completed` (polled every 100 ms). */
  wholeSec: number;
  /** The workflow's own start-to-close time, from Temporal. */
  workflowSec: number;
  /** wholeSec / ttfaSec */
  ratio: number;
  /** The target: one chunk's latency plus 1 s. */
  targetSec: number;
  targetMet: boolean;
  /** Audio received live, in seconds, and the reads it came in. */
  audioSec: number;
  reads: number;
  /**
   * A listener starting at the first audio byte and playing in real time: the least audio it still
   * had buffered when the stream resumed after waiting for chunks (a read >= 50 ms after the one
   * before), the least at any read after the first audio read (within the first burst this is just
   * the socket's read size, ~1.4 s at 64 KiB), and how many times it would have run dry (a run of
   * late reads counts once).
   */
  minLeadSec: number;
  minLeadAnyReadSec: number;
  underruns: number;
  /** The live samples are the final file's (past the header), and the format fields match. */
  identical: boolean;
  liveBytes: number;
  finalBytes: number;
}

export interface LiveOptions {
  chunks: number;
  concurrency: number;
  latencyMs: number;
}

const POLL_MS = 100;
/** A read this long after the one before ended a wait for chunks (a burst's reads come ~1 ms apart). */
const WAITED_MS = 50;
let runs = 0;

/** `count` one-sentence paragraphs (one chunk each), each telling its index, like the tests' numberedParagraphs. */
export function liveText(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) => `Paragraph number ${i} of the ${tag} speaks here.`).join('\n\n');
}

export async function liveAudio(temporal: LocalTemporal, { chunks, concurrency, latencyMs }: LiveOptions): Promise<LiveResult> {
  const taskQueue = `live-${++runs}`;
  return withBenchServer(temporal, taskQueue, {}, async (base) => {
    // Warm the worker (workflow sandbox), the server's routes and fetch on a small document,
    // listened to live the same way: a fleet and a running API server are warm.
    await listenTo(base, {
      text: liveText(3, `warm-up of ${taskQueue}`),
      engine: 'simulated',
      concurrency,
      engineOptions: { latencyMs: 300 },
    });
    const input: AudioDocumentInput = {
      text: liveText(chunks, 'live benchmark'),
      engine: 'simulated',
      mode: 'parallel',
      concurrency,
      engineOptions: { latencyMs },
    };
    const run = await listenTo(base, input);
    const description = await temporal.client.workflow.getHandle(run.id).describe();
    const final = await readFile(run.result.path);
    return summarize(
      run,
      final,
      { chunks, concurrency, latencyMs },
      (description.closeTime!.getTime() - description.startTime.getTime()) / 1000,
    );
  });
}

interface Read {
  /** ms since the POST was sent */
  atMs: number;
  /** bytes received before this read (header included) */
  before: number;
  length: number;
}

interface ListenedRun {
  id: string;
  reads: Read[];
  live: Buffer;
  completedMs: number;
  result: AudioDocumentResult;
}

/** POSTs `input`, GETs its /live stream at once and reads it to the end, while polling the document until completed. */
async function listenTo(base: string, input: AudioDocumentInput): Promise<ListenedRun> {
  const started = performance.now();
  const posted = await fetch(`${base}/v1/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (posted.status !== 202) throw new Error(`POST /v1/documents answered ${posted.status}: ${await posted.text()}`);
  const { id } = (await posted.json()) as { id: string };
  const completed = untilCompleted(base, id, started);
  completed.catch(() => undefined); // awaited below; not unhandled while the stream is read
  const response = await fetch(`${base}/v1/documents/${encodeURIComponent(id)}/live`);
  if (response.status !== 200) throw new Error(`GET /live answered ${response.status}: ${await response.text()}`);
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  const reads: Read[] = [];
  let before = 0;
  for (;;) {
    const { value, done } = await reader.read();
    const atMs = performance.now() - started;
    if (done) break;
    reads.push({ atMs, before, length: value.length });
    parts.push(value);
    before += value.length;
  }
  const { atMs, result } = await completed;
  return { id, reads, live: Buffer.concat(parts), completedMs: atMs, result };
}

async function untilCompleted(base: string, id: string, started: number): Promise<{ atMs: number; result: AudioDocumentResult }> {
  for (;;) {
    const detail = (await (await fetch(`${base}/v1/documents/${encodeURIComponent(id)}`)).json()) as {
      status: string;
      result?: AudioDocumentResult;
      error?: unknown;
    };
    const atMs = performance.now() - started;
    if (detail.status === 'completed') return { atMs, result: detail.result! };
    if (detail.status !== 'running') throw new Error(`document ${id} ended ${detail.status}: ${JSON.stringify(detail.error)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function summarize(run: ListenedRun, final: Buffer, options: LiveOptions, workflowSec: number): LiveResult {
  const { live, reads } = run;
  const bytesPerSec = live.readUInt32LE(24) * live.readUInt16LE(22) * 2; // sample rate * channels * 16-bit
  const firstAudio = reads.findIndex((r) => r.before + r.length > WAV_HEADER_BYTES);
  if (firstAudio < 0) throw new Error('the live stream carried no audio');
  const firstMs = reads[firstAudio]!.atMs;
  // The listener needs the byte at audio offset o at firstMs + o; a read brings its first byte at
  // atMs. Its lead then is the audio it still had buffered just before that read. Every read counts
  // for underruns; the minimum lead is taken where the buffer runs lowest, at reads that end a wait
  // for the next chunks (the reads of one burst come about 1 ms apart, so the first burst's reads
  // would otherwise only measure the socket's read size).
  let minLeadSec = Number.POSITIVE_INFINITY;
  let minLeadAnyReadSec = Number.POSITIVE_INFINITY;
  let underruns = 0;
  let late = false;
  for (let i = firstAudio + 1; i < reads.length; i++) {
    const read = reads[i]!;
    const lead = (read.before - WAV_HEADER_BYTES) / bytesPerSec - (read.atMs - firstMs) / 1000;
    minLeadAnyReadSec = Math.min(minLeadAnyReadSec, lead);
    if (read.atMs - reads[i - 1]!.atMs >= WAITED_MS) minLeadSec = Math.min(minLeadSec, lead);
    if (lead < 0 && !late) underruns++;
    late = lead < 0;
  }
  const audioSec = (live.length - WAV_HEADER_BYTES) / bytesPerSec;
  // Everything came in one burst: the listener was never waiting on the stream.
  if (!Number.isFinite(minLeadSec)) minLeadSec = audioSec;
  if (!Number.isFinite(minLeadAnyReadSec)) minLeadAnyReadSec = audioSec;
  const ttfaSec = firstMs / 1000;
  const wholeSec = run.completedMs / 1000;
  const targetSec = options.latencyMs / 1000 + 1;
  const identical =
    live.subarray(8, 36).equals(final.subarray(8, 36)) && live.subarray(WAV_HEADER_BYTES).equals(final.subarray(WAV_HEADER_BYTES));
  return {
    ...options,
    ttfaSec,
    wholeSec,
    workflowSec,
    ratio: wholeSec / ttfaSec,
    targetSec,
    targetMet: ttfaSec <= targetSec,
    audioSec,
    reads: reads.length,
    minLeadSec,
    minLeadAnyReadSec,
    underruns,
    identical,
    liveBytes: live.length,
    finalBytes: final.length,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'latency-ms': { type: 'string', default: '2000' },
      chunks: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '5' },
    },
  });
  const { liveRow } = await import('./report.ts');
  const bench = await startBench();
  try {
    const result = await liveAudio(bench, {
      latencyMs: Number(values['latency-ms']),
      chunks: Number(values.chunks),
      concurrency: Number(values.concurrency),
    });
    console.log(['| Measure | Result | Target |', '|---|---|---|', liveRow(result)].join('\n'));
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await bench.teardown();
  }
}
