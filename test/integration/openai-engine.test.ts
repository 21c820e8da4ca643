// The openai engine on a real dev server: every chunk one request to an OpenAI-compatible speech
// server (the test kit's fake, with faults), a 429 waited out as its Retry-After asks, a 5xx tried
// again, a 4xx failing the document at once in the server's words, and the key in no history.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { describeFailure } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { openAiConfig } from '../../src/engines/openai/openai-config.ts';
import { OpenAiEngine } from '../../src/engines/openai/openai-engine.ts';
import { Documents } from '../../src/server/documents.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { type FakeOpenAiSpeech, type SpeechFault, startFakeOpenAiSpeech } from '../../testkit/fake-openai-speech.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { chunkInputs } from '../helpers/history.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

const KEY = 'sk-openai-engine-secret';
let temporal: TestTemporal;
let fake: FakeOpenAiSpeech;
let faults: (text: string, attempt: number) => SpeechFault = () => undefined;
let audioWorker: AudioWorker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('openai-engine');

beforeAll(async () => {
  temporal = await startTestTemporal();
  fake = await startFakeOpenAiSpeech({ key: KEY, fault: (text, attempt) => faults(text, attempt) });
  const config = openAiConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY, OPENAI_TTS_MODEL: 'tts-1-hd' })!;
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
    openai: config,
    engines: { openai: new OpenAiEngine(config) },
  });
  running = audioWorker.run();
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await fake?.close();
  await temporal?.teardown();
});

async function speak(input: AudioDocumentInput) {
  await rm(join(temporal.dir, taskQueue, '.chunks'), { recursive: true, force: true }); // inProcessWorker's store
  const workflowId = uniqueTaskQueue('openai-doc');
  const handle = await temporal.client.workflow.start('audioDocument', {
    args: [input],
    taskQueue,
    workflowId,
    retry: { maximumAttempts: 1 },
  });
  return { handle, result: handle.result() as Promise<AudioDocumentResult> };
}

describe('the openai engine', () => {
  it('speaks every chunk through the server, waits out a 429 and retries a 5xx, and keeps the key out of the history', async () => {
    faults = (text, attempt) => {
      if (text.startsWith('Second') && attempt === 1) return { status: 429, message: 'Rate limit reached', retryAfterSec: 1 };
      if (text.startsWith('Third') && attempt <= 2) return { status: 503, message: 'overloaded' };
      return undefined;
    };
    const before = fake.requests.length;
    const { handle, result } = await speak({
      text: 'First paragraph here.\n\nSecond paragraph here.\n\nThird paragraph here.',
      engine: 'openai',
      voice: 'nova',
    });
    const done = await result;
    expect(done.chunks).toBe(3);
    expect(done.failedAttempts).toBe(3);
    expect(done.spokenBy).toBe('openai tts-1-hd@unversioned nova');
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 503, 503]);
    for (const request of sent) {
      expect(request.body).toMatchObject({ model: 'tts-1-hd', voice: 'nova', response_format: 'wav' });
      expect(request.authorization).toBe(`Bearer ${KEY}`);
    }
    expect(decodeWav(await import('node:fs/promises').then((fs) => fs.readFile(done.path))).samples.length).toBeGreaterThan(0);
    // Every chunk ran on the engine's own (rate-limited) queue, and the key is nowhere in the history.
    expect((await chunkInputs(temporal.client, handle.workflowId)).every((chunk) => chunk.engine === 'openai')).toBe(true);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(KEY);
    expect(history).toContain(`${taskQueue}-openai`);
    expect(JSON.stringify(done)).not.toContain(KEY);
  });

  it('is offered where a worker polls its queue (the speech API lists it), and Replicate is not', async () => {
    const documents = new Documents(temporal.client, taskQueue);
    expect(await documents.offers('openai')).toBe(true);
    expect(await documents.offers('replicate')).toBe(false);
    expect(await documents.offers('kokoro')).toBe(true); // every worker has the local engines
  });

  it("fails the document at once on a 4xx, in the server's own words, without retrying", async () => {
    faults = (text) => (text.includes('refused') ? { status: 400, message: "voice 'zzz' is not supported" } : undefined);
    const before = fake.requests.length;
    const { result } = await speak({ text: 'This one is refused.', engine: 'openai', voice: 'zzz' });
    const error = await result.catch((e: unknown) => e);
    expect(describeFailure(error)).toContain("answered 400: voice 'zzz' is not supported");
    expect(fake.requests.length - before).toBe(1);
  });
});
