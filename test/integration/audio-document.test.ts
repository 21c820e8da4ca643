// The audioDocument workflow on a real Temporal dev server, with an in-process worker.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { describeFailure } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { LocalBlobStore, sha256Hex } from '../../src/storage/blob-store.ts';
import { levelsKey, loadChunkLevels } from '../../src/storage/chunk-levels.ts';
import { stagingPidOnThisMachine } from '../../src/storage/staging-folders.ts';
import { type AudioWorker, createAudioWorker } from '../../src/temporal/audio-worker.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { chunkSchedulingDecisions } from '../helpers/history.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

const run = promisify(execFile);

let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let engine: SimulatedEngine;
let outputDir: string;
let blobDir: string;
const taskQueue = uniqueTaskQueue('audio-document');

/** Each activity of a history: its type, input, result, and the event ids it was scheduled and completed at. */
function activityEvents(events: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events'] & object) {
  const byId = new Map<number, { type: string; input: unknown; scheduledAt: number; completedAt?: number; result?: unknown }>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = defaultPayloadConverter.fromPayload(scheduled.input!.payloads![0]!);
      byId.set(Number(event.eventId), { type: scheduled.activityType!.name!, input, scheduledAt: Number(event.eventId) });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const activity = byId.get(Number(completed?.scheduledEventId));
    if (activity && completed) {
      activity.completedAt = Number(event.eventId);
      activity.result = defaultPayloadConverter.fromPayload(completed.result!.payloads![0]!);
    }
  }
  return [...byId.values()];
}

function indexOf(text: string): number {
  return Number(/number (\d+)/u.exec(text)![1]);
}

async function start(input: AudioDocumentInput, workflowId = uniqueTaskQueue('doc')): Promise<WorkflowHandle> {
  return temporal.client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId });
}

async function speak(input: AudioDocumentInput): Promise<AudioDocumentResult> {
  return (await start(input)).result() as Promise<AudioDocumentResult>;
}

beforeAll(async () => {
  temporal = await startTestTemporal();
  outputDir = join(temporal.dir, 'output');
  blobDir = join(temporal.dir, 'blobs');
  engine = new SimulatedEngine(seededRandom(42));
  audioWorker = await createAudioWorker({
    connection: temporal.workerConnection,
    namespace: 'default',
    taskQueue,
    outputDir,
    blobLocation: blobDir,
    maxConcurrentActivities: 50,
    espeakThreads: 1,
    engines: { simulated: engine, espeak: new EspeakEngine(1) },
  });
  running = audioWorker.run();
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await temporal?.teardown();
});

beforeEach(async () => {
  engine.resetStats();
  await rm(blobDir, { recursive: true, force: true }); // every test synthesises afresh
});

describe('audioDocument on a real Temporal server', () => {
  it('gives byte-identical WAVs sequentially and in parallel, with 1 and exactly C chunks in flight', async () => {
    const text = numberedParagraphs(12);
    const sequential = await speak({
      text,
      engine: 'simulated',
      mode: 'sequential',
      engineOptions: { latencyMs: 30 },
      output: { name: 'seq.wav' },
    });
    expect(engine.stats.maxInFlight).toBe(1);
    expect(engine.stats.calls).toBe(12);

    engine.resetStats();
    await rm(blobDir, { recursive: true, force: true });
    const parallel = await speak({
      text,
      engine: 'simulated',
      mode: 'parallel',
      concurrency: 3,
      engineOptions: { latencyMs: 30 },
      output: { name: 'par.wav' },
    });
    expect(engine.stats.maxInFlight).toBe(3);
    expect(engine.stats.calls).toBe(12);

    expect(parallel.chunks).toBe(12);
    expect(parallel.sha256).toBe(sequential.sha256);
    const [seqBytes, parBytes] = await Promise.all([readFile(sequential.path), readFile(parallel.path)]);
    expect(parBytes.equals(seqBytes)).toBe(true);
    expect(sha256Hex(parBytes)).toBe(parallel.sha256);
    expect(parallel.path).toBe(join(outputDir, 'par.wav'));
    expect(parallel).toMatchObject({ mode: 'parallel', concurrency: 3, schedule: 'window', cachedChunks: 0 });
    expect(sequential).toMatchObject({ mode: 'sequential', concurrency: 1 });
    const audio = decodeWav(parBytes);
    expect(audio.samples.length / audio.sampleRate).toBeCloseTo(parallel.durationSec, 6);
  });

  it('stitches the first chunks while the last are spoken, and the stitch goes on from them', async () => {
    // Sequential: the tenth chunk's end schedules the stitch ahead and the eleventh chunk in one workflow task.
    const handle = await start({ text: numberedParagraphs(12), engine: 'simulated', mode: 'sequential', engineOptions: { latencyMs: 30 } });
    const result = (await handle.result()) as AudioDocumentResult;
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = activityEvents(events);
    const ahead = activities.find((activity) => activity.type === 'stitchAhead')!;
    const stitch = activities.find((activity) => activity.type === 'stitch')!;
    const chunkEnds = activities.filter((activity) => activity.type === 'synthesizeChunk').map((activity) => activity.completedAt!);
    // Started once the first ten were done, before the last two were.
    expect((ahead.input as { chunks: unknown[] }).chunks).toHaveLength(10);
    expect(chunkEnds.filter((at) => at < ahead.scheduledAt)).toHaveLength(10);
    expect(Math.max(...chunkEnds)).toBeGreaterThan(ahead.scheduledAt);
    expect((stitch.input as { ahead?: string }).ahead).toBe(ahead.result);
    expect(stitch.result).toMatchObject({ aheadChunks: 10, sha256: result.sha256 });
    expect(sha256Hex(await readFile(result.path))).toBe(result.sha256);
    expect(Math.abs(result.loudness!.after.integratedLufs! - result.loudness!.targetLufs)).toBeLessThanOrEqual(0.06);
    // The prefix's file became the document's, and its staging folder is gone.
    expect((await readdir(outputDir)).filter((name) => stagingPidOnThisMachine(name) === process.pid)).toEqual([]);
  });

  it('keeps C chunks busy with the window schedule, and waits for each batch with the batch schedule', async () => {
    const N = 12;
    const C = 3;
    const base = {
      text: numberedParagraphs(N),
      engine: 'simulated' as const,
      concurrency: C,
      engineOptions: { latencyMs: 40, jitterMs: 400 },
    };

    const batchHandle = await start({ ...base, schedule: 'batch', output: { name: 'batch.wav' } });
    await batchHandle.result();
    const batch = engine.stats.timeline.map((t) => ({ ...t, index: indexOf(t.text) }));
    for (let b = C; b < N; b += C) {
      const previousEnd = Math.max(...batch.filter((t) => t.index < b).map((t) => t.endMs));
      const nextStart = Math.min(...batch.filter((t) => t.index >= b && t.index < b + C).map((t) => t.startMs));
      expect(nextStart).toBeGreaterThanOrEqual(previousEnd);
    }
    // Each workflow task schedules the next batch only once the whole previous batch has finished.
    for (const { finished, scheduled } of await chunkSchedulingDecisions(batchHandle)) {
      expect(scheduled).toBe(Math.min(N, (Math.floor(finished / C) + 1) * C));
    }

    engine.resetStats();
    await rm(blobDir, { recursive: true, force: true });
    const windowHandle = await start({ ...base, schedule: 'window', output: { name: 'window.wav' } });
    await windowHandle.result();
    // Each of the C lanes keeps its next chunk queued behind the running one: the workflow task that
    // learns of a finished chunk queues the next, so C chunks are always started beyond the finished
    // ones and their C queued followers, never more.
    const decisions = await chunkSchedulingDecisions(windowHandle);
    expect(decisions.length).toBeGreaterThan(2);
    expect(decisions[0]!.scheduled).toBe(2 * C);
    for (const { finished, scheduled } of decisions) {
      expect(scheduled).toBeGreaterThanOrEqual(Math.min(N, finished + C));
      expect(scheduled).toBeLessThanOrEqual(Math.min(N, finished + 2 * C));
    }
    const starts = engine.stats.timeline.map((t) => t.startMs).sort((a, b) => a - b);
    const ends = engine.stats.timeline.map((t) => t.endMs).sort((a, b) => a - b);
    for (let k = C; k < N; k++) expect(starts[k]!).toBeGreaterThanOrEqual(ends[k - C]!);
    expect(engine.stats.maxInFlight).toBe(C);
  });

  it('answers the progress query while it runs', async () => {
    // 1.5 s a chunk: after the third, four more waves (6 s) remain, far more than one poll takes on a busy machine.
    const handle = await start({ text: numberedParagraphs(10), engine: 'simulated', concurrency: 2, engineOptions: { latencyMs: 1_500 } });
    let progress = await handle.query(progressQuery);
    while (progress.done < 3) {
      expect(progress.inFlight).toBeLessThanOrEqual(2);
      await sleep(50);
      progress = await handle.query(progressQuery);
    }
    expect(progress).toMatchObject({ phase: 'synthesizing', total: 10, failedAttempts: 0 });
    expect(progress.done).toBeLessThan(10);
    expect(progress.elapsedMs).toBeGreaterThan(0);
    expect(progress.etaMs).toBeGreaterThan(0);
    await handle.result();
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'done', done: 10, inFlight: 0 });
  });

  it('counts failed attempts, which Temporal retries', async () => {
    const result = await speak({ text: numberedParagraphs(8), engine: 'simulated', concurrency: 4, engineOptions: { failureRate: 0.3 } });
    expect(result.chunks).toBe(8);
    expect(engine.stats.failures).toBeGreaterThan(0);
    expect(result.failedAttempts).toBe(engine.stats.failures);
  });

  it('cancels in-flight chunks and ends cancelled, writing nothing', async () => {
    // A minute a chunk: a chunk that ends sooner was stopped by the cancellation, whatever the machine's load.
    const handle = await start({
      text: numberedParagraphs(20),
      engine: 'simulated',
      concurrency: 2,
      engineOptions: { latencyMs: 60_000 },
      output: { name: 'cancelled.wav' },
    });
    while ((await handle.query(progressQuery)).inFlight < 2) await sleep(50);
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    // The chunks that were in flight stop on their next heartbeat instead of running out their latency.
    const cancelledAt = Date.now();
    while (engine.stats.inFlight > 0 && Date.now() - cancelledAt < 30_000) await sleep(20);
    expect(engine.stats.inFlight).toBe(0);
    expect(engine.stats.timeline.filter((t) => t.endMs - t.startMs < 59_000)).toHaveLength(2); // both stopped long before their latency ran out
    expect(engine.stats.calls).toBe(2);
    expect(existsSync(join(outputDir, 'cancelled.wav'))).toBe(false);
  });

  it('rejects invalid input at once, naming the field, without retrying', async () => {
    const handle = await start({ text: 'Hello.', engine: 'simulated', concurrency: 0 });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.message).toMatch(/concurrency must be at least 1/u);
    expect(cause.nonRetryable).toBe(true);
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(engine.stats.calls).toBe(0);
  });

  it("fails fast with the engine's message for an unknown voice", async () => {
    const handle = await start({ text: 'One.\n\nTwo.\n\nThree.', voice: 'klingon' });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(describeFailure(error)).toMatch(/unknown eSpeak voice "klingon"/u);
    const history = await handle.fetchHistory();
    const retried = history.events!.filter(
      (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
    );
    expect(retried).toEqual([]);
  });

  it('names the output after the workflow id when no name is given', async () => {
    const workflowId = uniqueTaskQueue('unnamed');
    const result = (await (await start({ text: 'Just one line here.', engine: 'simulated' }, workflowId)).result()) as AudioDocumentResult;
    expect(result.path).toBe(join(outputDir, `${workflowId}.wav`));
    expect(existsSync(result.path)).toBe(true);
  });

  it('makes an ACX master split by chapter, from the headings the chunker finds', async () => {
    const text = `Chapter One\n\n${numberedParagraphs(3)}\n\nChapter Two\n\nThe end is near.`;
    const result = await speak({
      text,
      engine: 'simulated',
      output: { name: 'acx/book', preset: 'acx', split: 'chapter', title: 'The Book' },
    });
    expect(result.format).toBe('mp3');
    expect(result.path).toBe(join(outputDir, 'acx/book.m3u8'));
    expect(result.chapters!.map((c) => c.title)).toEqual(['Chapter One', 'Chapter Two']);
    const audio = result.artifacts!.filter((a) => a.kind === 'audio');
    expect(audio.map((a) => a.name)).toEqual(['acx/book/01 Chapter One.mp3', 'acx/book/02 Chapter Two.mp3']);
    for (const artifact of result.artifacts!) expect(existsSync(artifact.path), artifact.name).toBe(true);
    expect(result.acx!.files!.map((f) => f.pass)).toEqual([true, true]);
    expect(result.acx!.pass).toBe(true);
  });

  it('speaks real audio with the local eSpeak engine', async () => {
    const result = await speak({ text: 'Hello world.\n\nThis is a durable reading, spoken by eSpeak.', output: { name: 'espeak.wav' } });
    expect(result.engine).toBe('espeak');
    expect(result.sampleRate).toBe(22_050);
    const audio = decodeWav(await readFile(result.path));
    expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(2);
    const rms = Math.sqrt(audio.samples.reduce((sum, s) => sum + s * s, 0) / audio.samples.length);
    expect(rms).toBeGreaterThan(500); // speech, not silence
  });

  it("keeps each chunk's loudness record beside its audio, and a rerun backfills one that is missing", async () => {
    const input = { text: 'Records first.\n\nThen the stitch can know its gain.', output: { name: 'levels.wav' } };
    await speak(input);
    const store = new LocalBlobStore(blobDir);
    const folders = await readdir(join(blobDir, 'chunks'));
    const wavs = (
      await Promise.all(folders.map(async (d) => (await readdir(join(blobDir, 'chunks', d))).map((f) => join(blobDir, 'chunks', d, f))))
    )
      .flat()
      .filter((path) => path.endsWith('.wav'));
    expect(wavs).toHaveLength(2);
    const audio = await Promise.all(wavs.map(async (path) => readFile(path)));
    const records = async () =>
      Promise.all(audio.map((bytes) => loadChunkLevels(store, { audioSha256: sha256Hex(bytes), audioBytes: bytes.length })));
    for (const [i, record] of (await records()).entries()) {
      expect(record, wavs[i]).toBeDefined();
      expect(record!.frames).toBe(decodeWav(audio[i]!).samples.length);
      expect(record!.first).toBeGreaterThanOrEqual(0);
    }
    await store.remove(levelsKey(sha256Hex(audio[0]!)));
    expect((await records())[0]).toBeUndefined();
    const again = await speak(input);
    expect(again.cachedChunks).toBe(2);
    expect((await records()).every((record) => record !== undefined)).toBe(true);
  });

  it('passes a speaking rate to the chunks: eSpeak at speed 2 is shorter, and speed 1 schedules what no speed does', async () => {
    const text = 'A sentence read at two speeds.\n\nAnd a second paragraph, to make two chunks.';
    const [normal, fast, one] = [uniqueTaskQueue('speed-none'), uniqueTaskQueue('speed-2'), uniqueTaskQueue('speed-1')];
    const runs = await Promise.all([
      start({ text, output: { name: 'speed-none.wav' } }, normal),
      start({ text, speed: 2, output: { name: 'speed-2.wav' } }, fast),
      start({ text, speed: 1, output: { name: 'speed-1.wav' } }, one),
    ]);
    const [normalResult, fastResult] = (await Promise.all(runs.map((handle) => handle.result()))) as AudioDocumentResult[];
    expect(fastResult!.durationSec).toBeLessThan(normalResult!.durationSec * 0.75);
    const chunkInputs = async (handle: WorkflowHandle) =>
      ((await handle.fetchHistory()).events ?? [])
        .map((event) => event.activityTaskScheduledEventAttributes)
        .filter((scheduled) => scheduled?.activityType?.name === 'synthesizeChunk')
        .map((scheduled) => defaultPayloadConverter.fromPayload<SynthesizeChunkInput>(scheduled!.input!.payloads![0]!));
    expect((await chunkInputs(runs[1]!)).map((input) => input.speed)).toEqual([2, 2]);
    expect(await chunkInputs(runs[2]!)).toEqual(await chunkInputs(runs[0]!)); // no `speed: 1`: same inputs, same cache keys
  });

  it('speaks a document that repeats a paragraph (the same request made twice at once) with eSpeak', async () => {
    const text = Array.from({ length: 6 }, (_, i) => `Section ${i}.\n\nKey points to remember.`).join('\n\n');
    const result = await speak({ text, concurrency: 5, output: { name: 'repeated.wav' } });
    expect(result.chunks).toBe(12);
    expect(decodeWav(await readFile(result.path)).samples.length).toBeGreaterThan(0);
  });

  it('completes a run started with the temporal CLI and plain JSON input', async () => {
    const cli = process.env.TEMPORAL_CLI!;
    const address = temporal.server.address;
    const workflowId = uniqueTaskQueue('cli');
    const input = JSON.stringify({
      text: 'Started from the command line.\n\nSecond paragraph.',
      engine: 'simulated',
      output: { name: 'cli.wav' },
    });
    await run(cli, [
      'workflow',
      'start',
      '--address',
      address,
      '--type',
      'audioDocument',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      input,
    ]);
    const { stdout } = await run(cli, ['workflow', 'result', '--address', address, '--workflow-id', workflowId, '-o', 'json']);
    const answer = JSON.parse(stdout) as { status: string; result: AudioDocumentResult };
    expect(answer.status).toMatch(/COMPLETED/u);
    expect(answer.result.chunks).toBe(2);
    expect(answer.result.path).toBe(join(outputDir, 'cli.wav'));
    expect(sha256Hex(await readFile(answer.result.path))).toBe(answer.result.sha256);
    expect((await readdir(outputDir)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});
