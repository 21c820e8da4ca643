// Documents on Replicate, through a real Temporal dev server, the real `replicate` client and our
// fake Replicate server.

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { describeFailure } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import type { TtsEngine } from '../../src/engines/engine.ts';
import { type ReplicateConfig, replicateConfig } from '../../src/engines/replicate/replicate-config.ts';
import { ReplicateEngine } from '../../src/engines/replicate/replicate-engine.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { type FakeReplicate, type FakeReplicateOptions, startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { sleep } from '../helpers/async.ts';
import { inProcessWorker, referenceRun } from '../helpers/documents.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

const TOKEN = 'r8_SECRET_test_token_7f3a9c';
let temporal: TestTemporal;
let fake: FakeReplicate | undefined;
let audioWorker: AudioWorker | undefined;
let running: Promise<void> | undefined;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterEach(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await fake?.close();
  audioWorker = undefined;
  running = undefined;
  fake = undefined;
});

afterAll(async () => {
  await temporal?.teardown();
});

function paragraphs(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) => `Chunk ${i} of the ${tag} document.`).join('\n\n');
}

/** A fake Replicate, and an in-process worker whose Replicate engine talks to it. */
async function setup(fakeOptions: Partial<FakeReplicateOptions>, env: Record<string, string> = {}) {
  fake = await startFakeReplicate({ token: TOKEN, latencyMs: 200, ...fakeOptions });
  const config = replicateConfig({
    REPLICATE_API_TOKEN: TOKEN,
    REPLICATE_BASE_URL: fake.url,
    REPLICATE_POLL_INTERVAL_MS: '100',
    ...env,
  }) as ReplicateConfig;
  const taskQueue = uniqueTaskQueue('replicate');
  const outputDir = join(temporal.dir, taskQueue);
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { replicate: config });
  running = audioWorker.run();
  const start = (input: AudioDocumentInput): Promise<WorkflowHandle> =>
    temporal.client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId: uniqueTaskQueue('doc') });
  return { fake, start, taskQueue, outputDir };
}

describe('documents on Replicate', () => {
  it('stays under a 6/min provider limit: one create per chunk, no 429, makespan close to (N-1)/R + L', async () => {
    const { fake, start } = await setup({ rateLimit: { perMinute: 6, burst: 1 } }, { REPLICATE_RATE_LIMIT_PER_MINUTE: '6' });
    const startedAt = Date.now();
    const result = (await (
      await start({ text: paragraphs(10, 'paced'), engine: 'replicate', concurrency: 5 })
    ).result()) as AudioDocumentResult;
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(`10 chunks at 6/min: ${seconds.toFixed(1)} s (bound ${(9 * 10 + 0.2).toFixed(1)} s), ${fake.stats.creates.length} creates`);
    expect(result.chunks).toBe(10);
    for (let i = 0; i < 10; i++) expect(fake.createsFor(`Chunk ${i} of the paced document.`).map((c) => c.status)).toEqual([201]);
    // Creates never beat the provider's pace: burst 1, then one per 10 s.
    const accepted = fake.stats.creates.map((c) => c.atMs);
    accepted.slice(1).forEach((at, i) => expect(at - accepted[i]!).toBeGreaterThanOrEqual(10_000 - 100));
    // How close the makespan comes to (N-1)/R + L is a benchmark figure (npm run bench), not a test.
  }, 300_000);

  it("after a 429, retries only once the provider's retry_after has passed, one create per 429", async () => {
    // The worker believes it may send 60/min; the provider allows 6/min with a burst of 1.
    const { fake, start } = await setup({ rateLimit: { perMinute: 6, burst: 1 } }, { REPLICATE_RATE_LIMIT_PER_MINUTE: '60' });
    const result = (await (
      await start({ text: paragraphs(3, 'throttled'), engine: 'replicate', concurrency: 3 })
    ).result()) as AudioDocumentResult;
    const throttled = fake.stats.creates.filter((c) => c.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const creates = fake.createsFor(`Chunk ${i} of the throttled document.`);
      expect(creates.filter((c) => c.status === 201)).toHaveLength(1); // 1 + its 429s in all
      expect(creates.every((c) => c.status === 201 || c.status === 429)).toBe(true);
      creates.forEach((create, n) => {
        const next = creates[n + 1];
        if (create.status === 429) expect(next!.atMs - create.atMs).toBeGreaterThanOrEqual(create.retryAfterSec! * 1000 - 50);
      });
    }
    expect(result.failedAttempts).toBe(throttled.length);
  }, 120_000);

  it('completes through 30 % 5xx on create and 10 % failed predictions, chunks in order', async () => {
    let draws = 0;
    const random = () => [0.1, 0.9, 0.2, 0.95, 0.5, 0.05, 0.7, 0.8, 0.15, 0.6][draws++ % 10]!; // 30 % below 0.3
    const { fake, start } = await setup({ createErrorRate: 0.3, predictionFailureRate: 0.1, random });
    const text = paragraphs(10, 'flaky');
    const input: AudioDocumentInput = { text, engine: 'replicate', concurrency: 5, retry: { initialIntervalMs: 100 } };
    const result = (await (await start(input)).result()) as AudioDocumentResult;
    expect(fake.stats.creates.some((c) => c.status === 503)).toBe(true);
    expect(fake.predictionStatuses()).toContain('failed');
    expect(result.failedAttempts).toBeGreaterThan(0);

    // The fake speaks like the simulated engine at 24 kHz: the same document must come out byte-identical.
    audioWorker!.shutdown();
    await running;
    const expected = await referenceRun(temporal.client, temporal.workerConnection, temporal.dir, { text, engine: 'simulated' });
    expect(result.sha256).toBe(expected.sha256);
  }, 120_000);

  for (const [status, fakeOptions, env, words] of [
    [401, { token: 'a-different-token' }, {}, /You did not pass a valid authentication token/u],
    [402, { insufficientCredit: true }, {}, /insufficient credit/iu],
    [422, {}, { REPLICATE_TEXT_FIELD: 'prompt' }, /text is required/u],
  ] as const) {
    it(`fails within seconds on ${status}, with the provider's message and no retries`, async () => {
      const { fake, start } = await setup(fakeOptions, env);
      const handle = await start({ text: paragraphs(6, `refused-${status}`), engine: 'replicate', concurrency: 3 });
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(describeFailure(error)).toMatch(words);
      expect(describeFailure(error)).toContain(`(${status})`);
      for (let i = 0; i < 6; i++) expect(fake.createsFor(`Chunk ${i} of the refused-${status} document.`).length).toBeLessThanOrEqual(1);
      // "Within seconds" is read from the history: no chunk was tried a second time.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toEqual([]);
      expect(JSON.stringify(await handle.fetchHistory())).not.toContain(TOKEN);
    });
  }

  it('turns a 32 kHz stereo MP3 model into correct audio at the output rate', async () => {
    const { start } = await setup({ output: { format: 'mp3', sampleRate: 32_000, channels: 2 } });
    const text = paragraphs(3, 'mp3');
    const input: AudioDocumentInput = { text, engine: 'replicate', output: { sampleRate: 24_000, channels: 1, name: 'mp3.wav' } };
    const result = (await (await start(input)).result()) as AudioDocumentResult;
    expect([result.sampleRate, result.channels]).toEqual([24_000, 1]);
    const audio = decodeWav(await readFile(result.path));
    expect(audio.sampleRate).toBe(24_000);
    // Each chunk: its tones (45 ms a character) plus MP3 encoder delay/padding; plus two paragraph pauses.
    const speech = text.split('\n\n').reduce((sum, p) => sum + p.length * 0.045, 0);
    const seconds = audio.samples.length / 24_000;
    expect(seconds).toBeGreaterThan(speech + 2 * 0.75);
    expect(seconds).toBeLessThan(speech + 2 * 0.75 + 3 * 0.2);
    const rms = Math.sqrt(audio.samples.reduce((sum, s) => sum + s * s, 0) / audio.samples.length);
    expect(rms).toBeGreaterThan(1_000);
    expect(result.predictTimeSec).toBeGreaterThan(0);
    expect(result.characters).toBe(text.split('\n\n').join('').length);
  });
});

describe('a document keeps the model it started with', () => {
  /** A Replicate engine for REPLICATE_MODEL=`model` that counts the chunks it speaks. */
  function countingEngine(model: string) {
    const engine = new ReplicateEngine(
      replicateConfig({ REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake!.url, REPLICATE_MODEL: model }) as ReplicateConfig,
    );
    const counted = { spoken: 0 };
    const wrapped: TtsEngine = {
      name: 'replicate',
      pin: (voice, signal) => engine.pin(voice, signal),
      cannotServe: (pin) => engine.cannotServe(pin),
      synthesize: (request) => {
        counted.spoken++;
        return engine.synthesize(request);
      },
    };
    return { wrapped, counted };
  }

  it('two workers configured with different models speak one document with one model version, and the result names it', async () => {
    fake = await startFakeReplicate({ token: TOKEN, latencyMs: 150 });
    const taskQueue = uniqueTaskQueue('mixed-fleet');
    // Mid-upgrade: this process's worker still on model A, another worker process already on model B.
    const a = countingEngine('acme/voice-a');
    audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { engines: { replicate: a.wrapped } });
    running = audioWorker.run();
    await startWorkerProcess(
      workerProcessEnv(temporal, taskQueue, {
        REPLICATE_API_TOKEN: TOKEN,
        REPLICATE_BASE_URL: fake.url,
        REPLICATE_MODEL: 'acme/voice-b',
        REPLICATE_POLL_INTERVAL_MS: '100',
      }),
    );
    // Started as the API and a fleet's clients start it: no pin, so the workflow pins it on a worker.
    const handle = await temporal.client.workflow.start('audioDocument', {
      args: [{ text: paragraphs(40, 'fleet'), engine: 'replicate', voice: 'af_bella', concurrency: 8 }],
      taskQueue,
      workflowId: uniqueTaskQueue('fleet-doc'),
    });
    const result = (await handle.result()) as AudioDocumentResult;
    const created = fake.stats.creates.filter((c) => c.status === 201).length;
    expect(a.counted.spoken).toBeGreaterThan(0);
    expect(created - a.counted.spoken).toBeGreaterThan(0); // both workers spoke chunks...
    const models = new Set(fake.stats.creates.map((c) => `${c.model}:${c.version}`));
    expect(models.size).toBe(1); // ...all with one model version
    const [model, version] = [...models][0]!.split(':');
    expect(result.pin).toMatchObject({ engine: 'replicate', model, version, voice: 'af_bella' });
    expect(result.spokenBy).toBe(`replicate ${model}@${version!.slice(0, 12)} af_bella`);
    // The pin is in the history (pinEngine's result), where a rerun of the workflow reads it.
    const results = ((await handle.fetchHistory()).events ?? []).flatMap(
      (e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? [],
    );
    expect(results.some((payload) => Buffer.from(payload.data!).toString('utf8').includes(`"version":"${version}"`))).toBe(true);
    await killWorkerProcesses();
  }, 180_000);

  it('a model that publishes a new version mid-document keeps speaking the version the document started with', async () => {
    const { fake, start } = await setup({ latencyMs: 150 }, { REPLICATE_MODEL: 'acme/voice-a' });
    const handle = await start({ text: paragraphs(12, 'republished'), engine: 'replicate', concurrency: 2 });
    while (fake.stats.creates.length < 2) await sleep(20);
    fake.options.latestVersions = { 'acme/voice-a': 'b'.repeat(64) }; // the owner pushes a new version
    await handle.result();
    expect(new Set(fake.stats.creates.map((c) => c.version)).size).toBe(1);
    expect(fake.stats.creates[0]!.version).not.toBe('b'.repeat(64));
  }, 120_000);
});

describe('a worker killed while predictions are in flight', () => {
  afterAll(killWorkerProcesses);

  it('resumes in a fresh worker without creating any in-flight chunk twice, and never shows the token', async () => {
    fake = await startFakeReplicate({ token: TOKEN, latencyMs: 4_000 });
    const taskQueue = uniqueTaskQueue('crash');
    const outputDir = join(temporal.dir, taskQueue);
    // The output directory is the only thing the two workers share besides the server.
    const env = workerProcessEnv(temporal, taskQueue, {
      REPLICATE_API_TOKEN: TOKEN,
      REPLICATE_BASE_URL: fake.url,
      REPLICATE_POLL_INTERVAL_MS: '200',
    });
    const first = await startWorkerProcess(env);
    const text = paragraphs(8, 'crash');
    const handle = await temporal.client.workflow.start('audioDocument', {
      args: [{ text, engine: 'replicate', concurrency: 4 }],
      taskQueue,
      workflowId: uniqueTaskQueue('crash-doc'),
    });
    while (fake.stats.inFlight < 4) await sleep(20);
    // The prediction ids are heartbeated at once; wait until the server holds all four.
    const heartbeated = async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).filter((a) => a.heartbeatDetails?.payloads?.length).length;
    while ((await heartbeated()) < 4) await sleep(50);
    first.child.kill('SIGKILL');
    const inFlightAtCrash = fake.stats.creates.filter((c) => c.status === 201).map((c) => c.text);
    expect(inFlightAtCrash).toHaveLength(4);

    const second = await startWorkerProcess(env);
    const result = (await handle.result()) as AudioDocumentResult;
    expect(result.chunks).toBe(8);
    for (let i = 0; i < 8; i++) expect(fake.createsFor(`Chunk ${i} of the crash document.`)).toHaveLength(1);
    expect(decodeWav(await readFile(result.path)).samples.length).toBeGreaterThan(0);

    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(TOKEN);
    for (const worker of [first, second]) expect(worker.output()).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    for (const entry of await readdir(outputDir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) expect((await readFile(join(entry.parentPath, entry.name))).includes(TOKEN)).toBe(false);
    }
    await rm(outputDir, { recursive: true, force: true });
  }, 120_000);
});
