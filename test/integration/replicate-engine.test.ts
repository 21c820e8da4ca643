// The Replicate engine and the real `replicate` client against our fake Replicate server.

import Replicate from 'replicate';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkKey } from '../../src/activities/synthesize-chunk.ts';
import { pinEngine } from '../../src/client/pin-engine.ts';
import { documentWorkflowId } from '../../src/client/workflow-id.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { PermanentEngineError, RateLimitedError, type SynthesisRequest, TransientEngineError } from '../../src/engines/engine.ts';
import { ESPEAK_BUILD } from '../../src/engines/espeak/espeak-engine.ts';
import { type ReplicateConfig, replicateConfig } from '../../src/engines/replicate/replicate-config.ts';
import { ReplicateEngine } from '../../src/engines/replicate/replicate-engine.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';
import { type FakeReplicate, type FakeReplicateOptions, startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { rejection, sleep } from '../helpers/async.ts';

const TOKEN = 'r8_test_token_never_logged';
let fake: FakeReplicate | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(options: Partial<FakeReplicateOptions> = {}, env: Record<string, string> = {}) {
  fake = await startFakeReplicate({ token: TOKEN, latencyMs: 50, ...options });
  const config = replicateConfig({
    REPLICATE_API_TOKEN: TOKEN,
    REPLICATE_BASE_URL: fake.url,
    REPLICATE_POLL_INTERVAL_MS: '50',
    ...env,
  }) as ReplicateConfig;
  return { fake, engine: new ReplicateEngine(config) };
}

function request(text: string, extra: Partial<SynthesisRequest> = {}): SynthesisRequest {
  return { text, options: {}, signal: new AbortController().signal, ...extra };
}

describe('ReplicateEngine', () => {
  it('creates without Prefer: wait, checkpoints the prediction id, and returns the decoded audio and its cost', async () => {
    const { fake, engine } = await setup();
    const checkpoints: unknown[] = [];
    const audio = await engine.synthesize(request('Hello from the fake model.', { checkpoint: (d) => checkpoints.push(d) }));
    expect(fake.stats.creates).toHaveLength(1);
    expect(fake.stats.creates[0]).toMatchObject({ status: 201, preferWait: false });
    expect(checkpoints).toEqual([{ predictionId: fake.stats.creates[0]!.predictionId }]);
    expect(audio.samples).toEqual(simulatedAudio('Hello from the fake model.', 24_000).samples);
    expect(audio.predictTimeSec).toBeCloseTo(0.05, 2);
  });

  it('resumes the prediction an earlier attempt created instead of paying for a new one', async () => {
    const { fake, engine } = await setup({ latencyMs: 400 });
    const first = new AbortController();
    let saved: unknown;
    const abandoned = engine
      .synthesize(request('Resume me.', { signal: first.signal, checkpoint: (d) => (saved = d) }))
      .catch(() => undefined);
    while (!saved) await sleep(5);
    // A new attempt (as after a worker crash) with the saved details: no second create.
    const audio = await engine.synthesize(request('Resume me.', { resumeFrom: saved }));
    expect(fake.createsFor('Resume me.')).toHaveLength(1);
    expect(audio.samples.length).toBe(simulatedAudio('Resume me.', 24_000).samples.length);
    first.abort();
    await abandoned;
  });

  it('starts over when the saved prediction failed', async () => {
    const { fake, engine } = await setup({ predictionFailureRate: 1 });
    const error = await rejection(engine.synthesize(request('Doomed.', { checkpoint: () => undefined })));
    expect(error).toBeInstanceOf(TransientEngineError);
    expect(error.message).toMatch(/failed: CUDA error/u);
    const failedId = fake.stats.creates[0]!.predictionId;
    fake.options.predictionFailureRate = 0;
    await engine.synthesize(request('Doomed.', { resumeFrom: { predictionId: failedId } }));
    expect(fake.createsFor('Doomed.').filter((c) => c.status === 201)).toHaveLength(2);
  });

  it('makes one request per 429 and reports the retry_after the provider gave', async () => {
    const { fake, engine } = await setup({ rateLimit: { perMinute: 6, burst: 1 } });
    await engine.synthesize(request('First takes the only token.'));
    const error = await rejection(engine.synthesize(request('Second is throttled.')));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(fake.createsFor('Second is throttled.')[0]!.retryAfterSec! * 1000);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(9_000);
    expect(fake.createsFor('Second is throttled.')).toHaveLength(1); // the client alone would have sent 6
  });

  it("maps 401, 402 and 422 to permanent errors carrying the provider's words", async () => {
    let { engine } = await setup({ token: 'another-token' });
    let error = await rejection(engine.synthesize(request('Hi.')));
    expect(error).toBeInstanceOf(PermanentEngineError);
    expect(error.message).toMatch(/401.*You did not pass a valid authentication token/u);
    expect(error.message).not.toContain(TOKEN);
    await fake!.close();

    ({ engine } = await setup({ insufficientCredit: true }));
    error = await rejection(engine.synthesize(request('Hi.')));
    expect((error as PermanentEngineError).type).toBe('ReplicateInsufficientCredit');
    expect(error.message).toMatch(/insufficient credit/iu);
    await fake!.close();

    ({ engine } = await setup({}, { REPLICATE_TEXT_FIELD: 'prompt' }));
    error = await rejection(engine.synthesize(request('Hi.')));
    expect((error as PermanentEngineError).type).toBe('ReplicateInvalidInput');
    expect(error.message).toMatch(/text is required/u);
  });

  it('treats 5xx as retryable', async () => {
    const { engine } = await setup({ createErrorRate: 1 });
    const error = await rejection(engine.synthesize(request('Hi.')));
    expect(error).toBeInstanceOf(TransientEngineError);
    expect(error.message).toMatch(/503/u);
  });

  it('cancels the remote prediction when the document is cancelled', async () => {
    const { fake, engine } = await setup({ latencyMs: 5_000 });
    const controller = new AbortController();
    const running = engine.synthesize(request('Cancel me.', { signal: controller.signal, documentCancelled: () => true }));
    while (fake.stats.creates.length === 0) await sleep(5);
    controller.abort(new Error('cancelled'));
    await rejection(running);
    expect(fake.stats.cancels).toBe(1);
    expect(fake.predictionStatuses()).toEqual(['canceled']);
  });

  it('leaves the prediction running when the attempt stops for another reason (shutdown, timeout), for the retry to resume', async () => {
    const { fake, engine } = await setup({ latencyMs: 5_000 });
    const controller = new AbortController();
    const running = engine.synthesize(request('Keep me.', { signal: controller.signal, documentCancelled: () => false }));
    while (fake.stats.creates.length === 0) await sleep(5);
    controller.abort(new Error('worker shutdown'));
    await rejection(running);
    expect(fake.stats.cancels).toBe(0);
    expect(['starting', 'processing']).toContain(fake.predictionStatuses()[0]);
  });

  it("keeps the fake's audio apart from the real model's in the chunk cache", async () => {
    const real = new ReplicateEngine(replicateConfig({ REPLICATE_API_TOKEN: TOKEN }) as ReplicateConfig);
    const { engine } = await setup();
    const pin = await engine.pin('af_bella', new AbortController().signal);
    expect(pin.settings?.api).not.toBe('https://api.replicate.com/v1');
    // The real API's worker refuses a document pinned on the fake, and the fake's chunk keys are not the real one's.
    expect(real.cannotServe(pin)).toMatch(/started on the Replicate API at http:\/\/127\.0\.0\.1:\d+\/v1/u);
    expect(engine.cannotServe(pin)).toBeUndefined();
    const chunk = (p: typeof pin) => chunkKey({ index: 0, text: 'Hi.', engine: 'replicate', pin: p, engineOptions: {} });
    expect(chunk(pin)).not.toBe(chunk({ ...pin, settings: { ...pin.settings, api: 'https://api.replicate.com/v1' } }));
  });

  it('decodes a 32 kHz stereo MP3 answer', async () => {
    const { engine } = await setup({ output: { format: 'mp3', sampleRate: 32_000, channels: 2 } });
    const audio = await engine.synthesize(request('An MP3 answer in stereo.'));
    expect([audio.sampleRate, audio.channels]).toEqual([32_000, 2]);
    const expected = simulatedAudio('An MP3 answer in stereo.', 32_000).samples.length;
    expect(Math.abs(audio.samples.length / 2 - expected)).toBeLessThan(4_000); // encoder delay and padding
  });

  it('takes the model version from REPLICATE_MODEL and the extra input from REPLICATE_INPUT_JSON', async () => {
    const { fake, engine } = await setup(
      {},
      { REPLICATE_MODEL: 'jaaari/kokoro-82m:abcdef0123456789', REPLICATE_INPUT_JSON: '{"speed":1.2}' },
    );
    await engine.synthesize(request('Versioned.', { voice: 'af_bella' }));
    const client = new Replicate({ auth: TOKEN, baseUrl: fake.url });
    const prediction = await client.predictions.get(fake.stats.creates[0]!.predictionId!);
    expect(prediction.version).toBe('abcdef0123456789');
    expect(prediction.input).toEqual({ speed: 1.2, text: 'Versioned.', voice: 'af_bella' });
  });
});

describe('the fake Replicate server', () => {
  it('holds a create with Prefer: wait until the prediction is done, like Replicate', async () => {
    const { fake } = await setup({ latencyMs: 300 });
    const client = new Replicate({ auth: TOKEN, baseUrl: fake.url });
    const prediction = await client.predictions.create({ model: 'jaaari/kokoro-82m', input: { text: 'Waited for.' }, wait: 5 });
    expect(prediction.status).toBe('succeeded');
    expect(prediction.output).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//u);
    expect(fake.stats.creates[0]!.preferWait).toBe(true);
  });
});

describe('the pin a client makes before it starts a document', () => {
  it('changes with REPLICATE_MODEL and with a newly published version, so the workflow id does too', async () => {
    const { fake } = await setup();
    const env = (model: string) => ({ REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: fake.url, REPLICATE_MODEL: model });
    const idWith = async (model: string) => {
      const input: AudioDocumentInput = { text: 'The same text.', engine: 'replicate' };
      await pinEngine(input, env(model));
      return { id: documentWorkflowId('story.txt', input), pin: input.pin! };
    };
    const a = await idWith('acme/voice-a');
    expect(a.pin).toMatchObject({ engine: 'replicate', model: 'acme/voice-a', version: expect.stringMatching(/^[0-9a-f]{64}$/u) });
    expect((await idWith('acme/voice-a')).id).toBe(a.id); // the same command finds the same document
    expect((await idWith('acme/voice-b')).id).not.toBe(a.id); // another model: another document
    expect((await idWith(`acme/voice-a:${'c'.repeat(64)}`)).pin.version).toBe('c'.repeat(64)); // a named version is kept
    fake.options.latestVersions = { 'acme/voice-a': 'd'.repeat(64) };
    const republished = await idWith('acme/voice-a');
    expect(republished.pin.version).toBe('d'.repeat(64));
    expect(republished.id).not.toBe(a.id);
    expect(JSON.stringify(a.pin)).not.toContain(TOKEN);
  });

  it('needs no network for local engines, and none at all without a Replicate token (the workflow pins it then)', async () => {
    const input: AudioDocumentInput = { text: 'Hi.', engine: 'replicate' };
    await pinEngine(input, {});
    expect(input.pin).toBeUndefined();
    const local: AudioDocumentInput = { text: 'Hi.', engine: 'espeak', voice: 'EN-GB' };
    await pinEngine(local, {});
    expect(local.pin).toEqual({ engine: 'espeak', model: 'espeak-ng', version: ESPEAK_BUILD, voice: 'en-gb' });
  });
});
