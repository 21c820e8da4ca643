// OpenAI's speech API served by us, driven by the official `openai` client: the models list, a
// playable MP3 for a short input with an OpenAI voice, a long WAV that streams (its first bytes
// well before its end), every format, and OpenAI's errors for an empty input, a bad format and a
// wrong key. Each request is a durable document on a real dev server and worker.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import OpenAI, { AuthenticationError, BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import type { SynthesisRequest } from '../../src/engines/engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { type ApiTestEnvironment, startApiTestEnvironment } from '../helpers/api-server.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { ffprobe } from '../helpers/ffmpeg-tools.ts';

const KEY = 'sk-durable-tts-test';
let environment: ApiTestEnvironment;
let openai: OpenAI;
let base: string;

/** Holds back the chunk that says "the end" until the test lets it go: its audio cannot be out before then. */
class GatedEngine extends SimulatedEngine {
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  release(): void {
    this.open();
  }
  override async synthesize(request: SynthesisRequest) {
    if (request.text.includes('the end')) await this.gate;
    return super.synthesize(request);
  }
}
const engine = new GatedEngine();

beforeAll(async () => {
  environment = await startApiTestEnvironment('openai', { engines: { simulated: engine } });
  ({ base } = await environment.listen({ apiToken: KEY }));
  openai = new OpenAI({ apiKey: KEY, baseURL: `${base}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await environment?.stop();
});

describe('POST /v1/audio/speech with the official client', () => {
  it('lists the models: the engines a worker offers, and OpenAI model names', async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['kokoro', 'espeak', 'simulated', 'tts-1', 'tts-1-hd', 'gpt-4o-mini-tts']));
    // No worker here has a Replicate token or an OpenAI-compatible server: neither is offered, nor waited for.
    expect(ids).not.toContain('replicate');
    expect(ids).not.toContain('openai');
    const refused = await openai.audio.speech.create({ model: 'replicate', input: 'Hi.', voice: 'alloy' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).code).toBe('model_not_found');
    expect((refused as BadRequestError).message).toContain('REPLICATE_API_TOKEN');
  });

  it('gives a playable MP3 for a short input with voice alloy, as a durable document', async () => {
    const response = await openai.audio.speech.create({ model: 'simulated', input: 'Hello there, this is a short test.', voice: 'alloy' });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    const id = response.headers.get('x-document-id')!;
    const path = join(environment.options.outputDir, 'speech.mp3');
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    const probe = await ffprobe(path);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '24000' });
    expect(Number(probe.format.duration)).toBeGreaterThan(1);
    // The document is a workflow like any other (the stitch may still be running when the audio has
    // streamed: wait for its result), spoken by OpenAI's alloy as ours.
    const result = (await environment.temporal.client.workflow.getHandle(id).result()) as { spokenBy?: string };
    expect(result.spokenBy).toContain('alloy');
    const listed = (await (await fetch(`${base}/v1/documents`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
      documents: Array<{ id: string }>;
    };
    expect(listed.documents.map((d) => d.id)).toContain(id);
  });

  it('streams a long WAV: its first bytes arrive while its last chunk is not yet spoken, and it decodes whole', async () => {
    const input = `${numberedParagraphs(12)}\n\nAnd this is the end.`;
    const response = await openai.audio.speech.create({ model: 'simulated', input, voice: 'nova', response_format: 'wav' });
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.fromWeb(response.body! as never)) {
      if (chunks.length === 0) {
        // The last chunk is held back by the engine: these bytes can only be the earlier chunks'.
        expect(engine.stats.timeline.some((call) => call.text.includes('the end'))).toBe(false);
        engine.release();
      }
      chunks.push(chunk as Buffer);
    }
    const audio = decodeWav(Buffer.concat(chunks));
    expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(25); // 13 chunks of 2 to 3 s
  });

  it('answers in every format, each decodable', async () => {
    for (const format of ['opus', 'aac', 'flac', 'pcm'] as const) {
      const response = await openai.audio.speech.create({
        model: 'simulated',
        input: `A ${format} test.`,
        voice: 'echo',
        response_format: format,
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.length, format).toBeGreaterThan(1000);
      if (format === 'pcm') {
        expect(response.headers.get('content-type')).toBe('audio/pcm');
        expect(bytes.length % 2).toBe(0);
        continue;
      }
      const path = join(environment.options.outputDir, `speech.${format}`);
      await writeFile(path, bytes);
      const probe = await ffprobe(path);
      expect(probe.streams[0]?.codec_name, format).toBe({ opus: 'opus', aac: 'aac', flac: 'flac' }[format]);
    }
  });

  it("refuses an empty input and a bad format with 400, and a wrong key with 401, in OpenAI's error shape", async () => {
    const empty = await openai.audio.speech.create({ model: 'simulated', input: '  ', voice: 'alloy' }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(BadRequestError);
    expect((empty as BadRequestError).status).toBe(400);
    expect((empty as BadRequestError).param).toBe('input');
    expect((empty as BadRequestError).type).toBe('invalid_request_error');

    const format = await openai.audio.speech
      .create({ model: 'simulated', input: 'Hi.', voice: 'alloy', response_format: 'ogg' as never })
      .catch((e: unknown) => e);
    expect(format).toBeInstanceOf(BadRequestError);
    expect((format as BadRequestError).param).toBe('response_format');

    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${base}/v1`, maxRetries: 0 });
    const refused = await wrong.audio.speech.create({ model: 'simulated', input: 'Hi.', voice: 'alloy' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as AuthenticationError).code).toBe('invalid_api_key');
  });

  it('refuses a voice the engine lacks, naming the parameter, and starts nothing', async () => {
    const refused = await openai.audio.speech.create({ model: 'kokoro', input: 'Hi.', voice: 'af_nobody' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).param).toBe('voice');
    expect((refused as BadRequestError).message).toContain('"af_nobody" is not one of the kokoro engine\'s voices');
  });

  it("lists voices as Open WebUI reads them, without a key: OpenAI's names with the voice each becomes", async () => {
    const response = await fetch(`${base}/v1/audio/voices?model=kokoro`);
    expect(response.status).toBe(200);
    const { voices } = (await response.json()) as { voices: Array<{ id: string; name: string }> };
    expect(voices).toContainEqual({ id: 'alloy', name: 'alloy (af_alloy)' });
    expect(voices).toContainEqual({ id: 'af_heart', name: 'af_heart' });
  });
});
