import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.ts';
import type { PreparedText } from '../../src/activities/prepare-text.ts';
import { chunkKey, FIRST_HEARTBEAT_AFTER_MS } from '../../src/activities/synthesize-chunk.ts';
import type { StitchInput, StitchResult, SynthesizeChunkInput } from '../../src/activities/types.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { pauseFrames } from '../../src/stitch/joiner.ts';
import { LocalBlobStore, sha256Hex } from '../../src/storage/blob-store.ts';
import { chunkLevelsStored } from '../../src/storage/chunk-levels.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';
import { rejection, sleep } from '../helpers/async.ts';

let root: string;
let blobDir: string;
let outputDir: string;
let blobStore: LocalBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'activities-test-'));
  blobDir = join(root, 'blobs');
  outputDir = join(root, 'output');
  await mkdir(outputDir);
  blobStore = new LocalBlobStore(blobDir);
});
afterEach(async () => {
  await chunkLevelsStored(); // the chunks' records are stored after their activities return
  await rm(root, { recursive: true, force: true });
});

/** A mock environment that logs only errors: expected activity failures would otherwise log warnings. */
function mockEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

/** Runs synthesizeChunk in `env` (typed: MockActivityEnvironment.run cannot infer the result). */
function runSynthesize(env: MockActivityEnvironment, activities: Activities, input: SynthesizeChunkInput): Promise<ChunkRef> {
  return speakChunk(env, activities, input);
}

function runStitch(env: MockActivityEnvironment, activities: Activities, input: StitchInput): Promise<StitchResult> {
  return env.run<[StitchInput], StitchResult, Activities['stitch']>(activities.stitch, input);
}

function activitiesWith(engine: SimulatedEngine): Activities {
  return createActivities({ engines: { simulated: engine }, blobStore, outputDir });
}

function request(text: string, overrides: Partial<SynthesizeChunkInput> = {}): SynthesizeChunkInput {
  return { index: 0, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {}, ...overrides };
}

describe('synthesizeChunk', () => {
  it('stores the audio and returns a ref that matches the stored WAV', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const ref = await runSynthesize(mockEnv(), activities, request('Hello there.', { index: 3 }));

    expect(ref.uri.startsWith('file:')).toBe(true);
    const path = fileURLToPath(ref.uri);
    expect(path.startsWith(blobStore.root + sep)).toBe(true);
    const bytes = await readFile(path);
    const stored = decodeWav(bytes);
    expect(ref).toEqual({
      index: 3,
      uri: ref.uri,
      sampleRate: stored.sampleRate,
      channels: stored.channels,
      frames: stored.samples.length / stored.channels,
      durationSec: stored.samples.length / stored.channels / stored.sampleRate,
      sha256: sha256Hex(bytes),
      attempt: 1,
      cached: false,
      characters: ref.characters,
    });
    expect(ref.characters).toBeGreaterThan(0);
    expect(ref.sampleRate).toBe(24_000);
    expect(ref.frames).toBeGreaterThan(0);
    expect(engine.stats.calls).toBe(1);
  });

  it('a queued chunk speaks once the chunk ahead has spoken in this worker, and hands its turn back when that chunk is not here', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const slow = { engineOptions: { latencyMs: 300 } };
    const [first, queued] = await Promise.all([
      runSynthesize(mockEnv(), activities, request('The chunk ahead.', { index: 0, ...slow })),
      // A queued chunk waits at most a quarter of its timeout (the mock's is 1 s): give it a real one.
      new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 }, { logger: new DefaultLogger('ERROR') }).run(
        activities.synthesizeChunk,
        request('The chunk queued behind it.', { index: 1, after: 0, ...slow }),
      ),
    ]);
    expect(engine.stats.maxInFlight).toBe(1); // one after the other, never together
    expect(first.cached).toBe(false);
    expect(queued).toMatchObject({ index: 1, cached: false });
    // Chunk 5 never ran here (another worker's): the turn is handed back, the engine not asked.
    const handedBack = await mockEnv().run(activities.synthesizeChunk, request('Behind a chunk elsewhere.', { index: 6, after: 5 }));
    expect(handedBack).toEqual({ handedBack: true, attempt: 1 });
    expect(engine.stats.calls).toBe(2);
    // A retry with a checkpoint (a prediction's id) had its turn: it resumes at once, not handed back.
    const resumed = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: 'prediction-7' }, { logger: new DefaultLogger('ERROR') });
    expect(await resumed.run(activities.synthesizeChunk, request('A retry that had begun.', { index: 8, after: 7 }))).toMatchObject({
      index: 8,
      attempt: 2,
    });
    expect(engine.stats.calls).toBe(3);
    // Audio already stored needs no turn: reused at once, whatever is ahead.
    const reused = await mockEnv().run(activities.synthesizeChunk, request('The chunk queued behind it.', { index: 1, after: 9 }));
    expect(reused).toMatchObject({ cached: true });
  });

  it('heartbeats while it synthesises, from its third second on (a quicker chunk sends none)', async () => {
    const env = mockEnv();
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const activities = activitiesWith(new SimulatedEngine());
    await runSynthesize(env, activities, request('Hi.', { engineOptions: { latencyMs: 1_000 } }));
    expect(heartbeats).toBe(0);
    await runSynthesize(env, activities, request('Hi again.', { engineOptions: { latencyMs: FIRST_HEARTBEAT_AFTER_MS + 300 } }));
    expect(heartbeats).toBeGreaterThan(0);
  });

  it('keeps the first audio stored for a request: a second, different put returns the first bytes', async () => {
    // Two attempts of one chunk (or two documents sharing a sentence) can race, and eSpeak's audio varies.
    const first = await runSynthesize(mockEnv(), activitiesWith(new SimulatedEngine()), request('Said twice.'));
    const key = fileURLToPath(first.uri).slice(blobDir.length + 1);
    const again = await new LocalBlobStore(blobDir).put(key, new Uint8Array([1, 2, 3]));
    expect(again.uri).toBe(first.uri);
    expect(sha256Hex(again.bytes)).toBe(first.sha256);
    expect(sha256Hex(await readFile(fileURLToPath(first.uri)))).toBe(first.sha256);
  });

  it('makes a chunk again when its stored audio is truncated', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const first = await runSynthesize(mockEnv(), activities, request('Cut short.'));
    await writeFile(fileURLToPath(first.uri), (await readFile(fileURLToPath(first.uri))).subarray(0, 20));
    const again = await runSynthesize(mockEnv(), activities, request('Cut short.'));
    expect(again.cached).toBe(false);
    expect(engine.stats.calls).toBe(2);
    expect(again.sha256).toBe(first.sha256);
  });

  it('reuses stored audio for the same request without calling the engine again', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const first = await runSynthesize(mockEnv(), activities, request('Same words.'));
    const second = await runSynthesize(mockEnv(), activities, request('Same words.'));

    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.uri).toBe(first.uri);
    expect(second.sha256).toBe(first.sha256);
    expect(second.frames).toBe(first.frames);
    expect(engine.stats.calls).toBe(1);

    // A different text is a different request.
    const other = await runSynthesize(mockEnv(), activities, request('Other words.'));
    expect(other.cached).toBe(false);
    expect(other.uri).not.toBe(first.uri);
    expect(engine.stats.calls).toBe(2);
  });

  it('lets a transient engine failure through as a retryable error', async () => {
    const engine = new SimulatedEngine(() => 0); // random() < failureRate on every attempt
    const activities = activitiesWith(engine);
    const error = await rejection(runSynthesize(mockEnv(), activities, request('Fails.', { engineOptions: { failureRate: 0.95 } })));

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TransientEngineError');
    // Retryable: not an ApplicationFailure marked non-retryable.
    expect(error instanceof ApplicationFailure && error.nonRetryable).toBe(false);
    expect(engine.stats.failures).toBe(1);
    expect(await readdir(root)).not.toContain('blobs'); // nothing stored
  });

  it('fails without retry for an engine that is not enabled', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const error = await rejection(runSynthesize(mockEnv(), activities, request('Hi.', { engine: 'espeak' })));

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('EngineUnavailable');
    expect(engine.stats.calls).toBe(0);
  });

  it('refuses, without retry and naming both, a document pinned to another build of the engine; keys follow the pin', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const other = { ...simulatedPin(), version: '0' };
    const error = await rejection(runSynthesize(mockEnv(), activities, request('Hi.', { pin: other })));
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('EngineMismatch');
    expect(error.message).toContain('this document was started with simulated tones@0, but this worker has simulated tones@1');
    expect(engine.stats.calls).toBe(0);
    expect(chunkKey(request('Hi.', { pin: other }))).not.toBe(chunkKey(request('Hi.')));
    // The pin's voice is the document's; the chunk's own voice (and only it) is in the key.
    expect(chunkKey(request('Hi.', { pin: { ...simulatedPin(), voice: 'x' } }))).toBe(chunkKey(request('Hi.')));
  });

  it('stops quickly when the activity is cancelled during a long synthesis', async () => {
    const engine = new SimulatedEngine();
    const activities = activitiesWith(engine);
    const env = mockEnv();
    // Ten minutes of latency: the test (60 s at most) can only end because the cancellation stopped it.
    const running = rejection(runSynthesize(env, activities, request('Slow.', { engineOptions: { latencyMs: 600_000 } })));
    while (engine.stats.inFlight === 0) await sleep(10);
    env.cancel('CANCELLED');
    const error = await running;
    const isCancellation = error instanceof CancelledFailure || (error as Error).name === 'AbortError';
    expect(isCancellation, `unexpected error ${String(error)}`).toBe(true);
    expect(engine.stats.inFlight).toBe(0);
    expect(await readdir(root)).not.toContain('blobs');
  });
});

describe('stitch', () => {
  it("keeps a chunk's text beside its audio only where no stored plan holds it", async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const speechFiles = async () => (await readdir(blobDir, { recursive: true })).filter((name) => name.endsWith('.json')).length;
    await runSynthesize(mockEnv(), activities, request('Beside its audio.'));
    expect(await speechFiles()).toBe(1);
    const planned = await runSynthesize(mockEnv(), activities, request('Held by the plan.', { textInPlan: true }));
    expect(await speechFiles()).toBe(1); // the simulated engine times no words: one file for this chunk
    // A workflow from before reuses it, and its stitch reads the text beside the audio: it is written then.
    const reused = await runSynthesize(mockEnv(), activities, request('Held by the plan.'));
    expect(reused).toMatchObject({ cached: true, uri: planned.uri });
    expect(JSON.parse(await readFile(fileURLToPath(planned.uri).replace(/\.wav$/u, '.json'), 'utf8'))).toEqual({
      text: 'Held by the plan.',
    });
  });

  it('captions a document from its stored plan when its chunks keep no text', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const prepared: PreparedText = await mockEnv().run(activities.prepareText, {
      text: 'First sentence here.\n\nA second paragraph.',
      maxChunkChars: 200,
      maxPartChunks: 1000,
    });
    const texts: string[] = await mockEnv().run(activities.readChunks, { plan: prepared.plan, from: 0, to: prepared.chunks });
    const chunks: ChunkRef[] = [];
    for (const [index, text] of texts.entries())
      chunks.push(await runSynthesize(mockEnv(), activities, request(text, { index, textInPlan: true })));
    expect((await readdir(blobDir, { recursive: true })).filter((name) => name.startsWith('chunks') && name.endsWith('.json'))).toEqual([]);
    const output = { name: 'planned.wav', format: 'wav' as const, captions: true };
    await runStitch(mockEnv(), activities, { chunks, plan: prepared.plan, pausesAfterMs: [500, 0], output });
    const vtt = await readFile(join(outputDir, 'planned.vtt'), 'utf8');
    expect(vtt).toContain('First sentence here.');
    expect(vtt).toContain('A second paragraph.');
  });

  it('hands a document of one part its chunk texts with the plan, as reading the plan gives them; one of parts reads them', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const text = 'One. Two words. Three little words. Four of them here. Five.\n\nA paragraph.';
    const prepare = (maxPartChunks: number): Promise<PreparedText> =>
      mockEnv().run(activities.prepareText, { text, maxChunkChars: 20, maxPartChunks });
    const whole = await prepare(1000);
    const read: string[] = await mockEnv().run(activities.readChunks, { plan: whole.plan, from: 0, to: whole.chunks });
    expect(whole.parts).toHaveLength(1);
    expect(whole.run).toEqual({ texts: read });
    const inParts = await prepare(2);
    expect(inParts.parts.length).toBeGreaterThan(1);
    expect(inParts.run).toBeUndefined();
    // A cast's voices come along, as readCastChunks gives them.
    const cast: PreparedText = await mockEnv().run(activities.prepareText, {
      text: '[voice:bf_emma]Hello there.[/voice] And the narrator.',
      maxChunkChars: 200,
      maxPartChunks: 1000,
    });
    expect(cast.run).toEqual(await mockEnv().run(activities.readCastChunks, { plan: cast.plan, from: 0, to: cast.chunks }));
  });

  async function synthesizeAll(activities: Activities, texts: string[]): Promise<ChunkRef[]> {
    const refs: ChunkRef[] = [];
    for (const [index, text] of texts.entries()) {
      refs.push(await runSynthesize(mockEnv(), activities, request(text, { index })));
    }
    return refs;
  }

  it('writes the document to the output directory and describes the file it wrote', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['First sentence.', 'Second one.', 'The end.']);
    const pausesAfterMs = [300, 750, 0];
    const env = mockEnv();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details) => heartbeats.push(details));
    const result = await runStitch(env, activities, { chunks, pausesAfterMs, output: { name: 'book.wav', format: 'wav' } });

    const path = join(outputDir, 'book.wav');
    expect(result.path).toBe(path);
    expect(result.uri).toBe(pathToFileURL(path).href);
    const bytes = await readFile(path);
    expect(result.bytes).toBe(bytes.length);
    expect(result.sha256).toBe(sha256Hex(bytes));

    const frames = chunks.reduce((sum, chunk, i) => sum + chunk.frames + pauseFrames(pausesAfterMs[i]!, 24_000), 0);
    expect(result).toMatchObject({ sampleRate: 24_000, channels: 1, frames });
    expect(result.durationSec).toBeCloseTo(result.frames / result.sampleRate, 9);
    const decoded = decodeWav(bytes);
    expect(decoded.sampleRate).toBe(24_000);
    expect(decoded.samples.length).toBe(frames);
    expect(heartbeats).toEqual([0, 1, 2]); // placed from the chunks' levels records, then each read once and written
    expect(await readdir(outputDir)).toEqual(['book.wav']);
  });

  it('creates nested directories for a nested output name', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['Only one.']);
    const result = await runStitch(mockEnv(), activities, {
      chunks,
      pausesAfterMs: [0],
      output: { name: 'books/ch1.wav', format: 'wav', sampleRate: 48_000, channels: 2 },
    });
    expect(result.path).toBe(join(outputDir, 'books', 'ch1.wav'));
    const decoded = decodeWav(await readFile(result.path));
    expect([decoded.sampleRate, decoded.channels]).toEqual([48_000, 2]);
    expect(decoded.samples.length).toBe(result.frames * 2);
  });

  it('rejects a name that leads outside the output directory, without retry, and writes nothing', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['Escape attempt.']);
    const before = await readdir(root);
    const error = await rejection(
      runStitch(mockEnv(), activities, { chunks, pausesAfterMs: [0], output: { name: '../escape.wav', format: 'wav' } }),
    );

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect(await readdir(root)).toEqual(before);
    expect(await readdir(outputDir)).toEqual([]);
  });

  it('stops when the activity is cancelled, leaving no file behind', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['One.', 'Two.']);
    const env = mockEnv();
    env.cancel('CANCELLED');
    await rejection(runStitch(env, activities, { chunks, pausesAfterMs: [0, 0], output: { name: 'c.wav', format: 'wav' } }));
    expect(await readdir(outputDir)).toEqual([]);
  });

  it('refuses a chunk whose stored bytes changed since it was made', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['Tampered with.']);
    await writeFile(fileURLToPath(chunks[0]!.uri), Buffer.from(await readFile(fileURLToPath(chunks[0]!.uri))).fill(1, 100, 200));
    const error = await rejection(
      runStitch(mockEnv(), activities, { chunks, pausesAfterMs: [0], output: { name: 't.wav', format: 'wav' } }),
    );
    expect((error as ApplicationFailure).type).toBe('ChunkCorrupted');
    expect((error as ApplicationFailure).message).toMatch(/^chunk 0 \(file:.*\) changed since it was stored/u);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('refuses to write the document into the chunk store', async () => {
    const activities = createActivities({
      engines: { simulated: new SimulatedEngine() },
      blobStore: new LocalBlobStore(join(outputDir, 'chunks')),
      outputDir,
    });
    const chunks = await synthesizeAll(activities, ['Overwrite attempt.']);
    const target = fileURLToPath(chunks[0]!.uri).slice(outputDir.length + 1);
    const before = await readFile(fileURLToPath(chunks[0]!.uri));
    const error = await rejection(
      runStitch(mockEnv(), activities, { chunks, pausesAfterMs: [0], output: { name: target, format: 'wav' } }),
    );
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((await readFile(fileURLToPath(chunks[0]!.uri))).equals(before)).toBe(true);
  });

  it('rejects pauses that do not match the chunks, without retry', async () => {
    const activities = activitiesWith(new SimulatedEngine());
    const chunks = await synthesizeAll(activities, ['One.', 'Two.']);
    const error = await rejection(
      runStitch(mockEnv(), activities, { chunks, pausesAfterMs: [0], output: { name: 'x.wav', format: 'wav' } }),
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect(await readdir(outputDir)).toEqual([]);
  });
});
