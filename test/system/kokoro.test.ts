// The kokoro engine: its model files (pins refused when they do not match), the pieces that need no
// model (phonemes to ids, splitting past 510 ids, trimming, word timings), and the real model from the
// cache, which `npm test` fetches first (scripts/ensure-kokoro.ts).

import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.ts';
import { chunkKey } from '../../src/activities/synthesize-chunk.ts';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';
import { clientDefaults } from '../../src/config/settings.ts';
import type { WordTiming } from '../../src/contract/audio.ts';
import { EngineInputError, PermanentEngineError, TransientEngineError } from '../../src/engines/engine.ts';
import { KokoroEngine, kokoroPin } from '../../src/engines/kokoro/kokoro-engine.ts';
import {
  ensureKokoroModel,
  KOKORO_INT8_MODEL_FILE,
  KOKORO_MODEL_FILE,
  KOKORO_MODEL_SHA256,
  KOKORO_VOICES,
  KokoroDownloadError,
  kokoroCacheDir,
  kokoroModelInstalled,
  verifyKokoroModel,
} from '../../src/engines/kokoro/model-files.ts';
import pins from '../../src/engines/kokoro/model-pins.json' with { type: 'json' };
import type { IpaWords } from '../../src/engines/kokoro/phonemes.ts';
import { type ModelOutput, speak } from '../../src/engines/kokoro/speak.ts';
import { MAX_TOKENS, SAMPLES_PER_FRAME } from '../../src/engines/kokoro/tokens.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';
import { rejection } from '../helpers/async.ts';

const signal = new AbortController().signal;
const cached = kokoroCacheDir();
const modelPresent = await verifyKokoroModel(cached).then(
  () => true,
  () => false,
);
if (!modelPresent) {
  console.warn(
    `\n${'!'.repeat(100)}\n!! KOKORO MODEL ABSENT from ${cached}: the tests that speak with the real model are SKIPPED.\n!! Fetch it with: node --import tsx scripts/ensure-kokoro.ts  (npm test does this first)\n${'!'.repeat(100)}\n`,
  );
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kokoro-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function expectWordsInOrder(words: WordTiming[], samples: number): void {
  let previousEnd = 0;
  for (const word of words) {
    expect(word.start).toBeGreaterThanOrEqual(previousEnd);
    expect(word.end).toBeGreaterThanOrEqual(word.start);
    expect(word.end).toBeLessThanOrEqual(samples);
    previousEnd = word.end;
  }
}

/**
 * The long-term spectrum of a voice: the mean log energy (dB) in 16 bands of 0-6 kHz over 512-sample
 * frames of the speech, louder than -40 dB of the peak frame. Two voices saying the same words differ here.
 */
function bandEnergies(samples: Int16Array): number[] {
  const size = 512;
  const bands = 16;
  const bins = Math.floor((size * 6_000) / 24_000 / bands); // 8 bins of 46.9 Hz per band
  const frames: number[][] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    const energy = new Array<number>(bands).fill(0);
    for (let bin = 1; bin <= bands * bins; bin++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < size; n++) {
        const windowed = samples[start + n]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / size));
        re += windowed * Math.cos((2 * Math.PI * bin * n) / size);
        im -= windowed * Math.sin((2 * Math.PI * bin * n) / size);
      }
      energy[Math.floor((bin - 1) / bins)]! += re * re + im * im;
    }
    frames.push(energy);
  }
  const total = (frame: number[]) => frame.reduce((sum, e) => sum + e, 0);
  const loudest = Math.max(...frames.map(total));
  const speech = frames.filter((frame) => total(frame) > loudest * 1e-4);
  return Array.from(
    { length: bands },
    (_, band) => speech.reduce((sum, frame) => sum + 10 * Math.log10(frame[band]! + 1), 0) / speech.length,
  );
}

/** Root-mean-square distance (dB) between two voices' band energies. */
const spectralDistance = (a: number[], b: number[]) =>
  Math.sqrt(a.reduce((sum, value, band) => sum + (value - b[band]!) ** 2, 0) / a.length);

describe('kokoro model files', () => {
  it('refuses a model dir whose model has the right size but another sha256 (no download)', async () => {
    const dir = join(root, 'fake-model');
    await mkdir(dir);
    // A sparse file of the pinned size: the size check passes, the sha256 check must not.
    const file = await open(join(dir, KOKORO_MODEL_FILE), 'w');
    await file.truncate(pins.files[KOKORO_MODEL_FILE].bytes);
    await file.close();
    const error = await rejection(ensureKokoroModel({ modelDir: dir, log: () => undefined }));
    expect(error.name).toBe('KokoroModelError');
    expect(error.message).toContain(`KOKORO_MODEL_DIR=${dir}`);
    expect(error.message).toMatch(new RegExp(`${KOKORO_MODEL_FILE} has sha256 [0-9a-f]{64}, expected ${KOKORO_MODEL_SHA256}`));
  });

  it('names a missing file', async () => {
    const error = await rejection(verifyKokoroModel(join(root, 'nothing-here')));
    expect(error.message).toBe(`${KOKORO_MODEL_FILE} is missing`);
  });

  it.skipIf(!modelPresent)('refuses a tampered copy of one voice file, and accepts the cached model', async () => {
    const dir = join(root, 'tampered');
    for (const path of Object.keys(pins.files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      if (path !== 'voices/af_bella.bin') await symlink(join(cached, path), join(dir, path));
    }
    const voice = await readFile(join(cached, 'voices/af_bella.bin'));
    voice[1000] = voice[1000]! ^ 1; // one bit: same size, another sha256
    await writeFile(join(dir, 'voices/af_bella.bin'), voice);
    const error = await rejection(verifyKokoroModel(dir));
    expect(error.message).toMatch(/^voices\/af_bella\.bin has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/u);

    await copyFile(join(cached, 'voices/af_bella.bin'), join(dir, 'voices/af_bella.bin'));
    await expect(ensureKokoroModel({ modelDir: dir })).resolves.toBe(dir);
  });
});

describe('the default engine without a token', () => {
  it("is kokoro once its model is there, unless the voice is not one of Kokoro's; TTS_ENGINE wins", async () => {
    const dir = join(root, 'installed');
    await mkdir(dir, { recursive: true });
    const file = await open(join(dir, KOKORO_MODEL_FILE), 'w'); // sparse, of the pinned size: "installed"
    await file.truncate(pins.files[KOKORO_MODEL_FILE].bytes);
    await file.close();
    const installed = { KOKORO_MODEL_DIR: dir };
    expect(clientDefaults(installed).engine).toBe('kokoro');
    expect(clientDefaults(installed, 'bm_george').engine).toBe('kokoro');
    expect(clientDefaults(installed, 'en-gb').engine).toBe('espeak');
    expect(clientDefaults({ ...installed, TTS_ENGINE: 'simulated' }).engine).toBe('simulated');
    expect(clientDefaults({ ...installed, REPLICATE_API_TOKEN: 'r8_x' }).engine).toBe('replicate');
    expect(clientDefaults({ KOKORO_MODEL_DIR: join(root, 'nothing-here') }).engine).toBe('espeak');
  });
});

describe('kokoro model fetched on first use, when it cannot be', () => {
  /** A PATH holding only the given fake tools (a real shell script each), and a cache of its own. */
  async function envWith(tools: Record<string, string>): Promise<NodeJS.ProcessEnv> {
    const dir = await mkdtemp(join(root, 'tools-'));
    for (const [name, script] of Object.entries(tools)) await writeFile(join(dir, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return { PATH: dir, DURABLE_TTS_CACHE: join(dir, 'cache') };
  }

  it('without pip, says what to install, and the chunk fails without retries', async () => {
    const env = await envWith({});
    const error = await rejection(ensureKokoroModel({ env, log: () => undefined }));
    expect(error.name).toBe('KokoroModelError');
    expect(error.message).toContain('pip was not found');
    expect(error.message).toContain('apt-get install python3-pip');

    const engine = new KokoroEngine({ env, log: () => undefined });
    const failure = await rejection(engine.synthesize({ text: 'Hi.', options: {}, signal }));
    expect(failure).toBeInstanceOf(PermanentEngineError);
    expect((failure as PermanentEngineError).type).toBe('KokoroModelUnavailable');
    await engine.close();
  });

  it('a download that fails (registry unreachable) is retryable, and leaves nothing in the cache', async () => {
    const env = await envWith({
      // python3 -m pip answers --version, and fails to download as pip does with no network.
      python3:
        'case "$*" in *download*|*install*) echo "ERROR: Could not find a version (network is unreachable)" >&2; exit 1;; *) exit 0;; esac',
    });
    const error = await rejection(ensureKokoroModel({ env, log: () => undefined }));
    expect(error).toBeInstanceOf(KokoroDownloadError);
    expect(error.message).toContain('network is unreachable');
    expect(error.message).toContain('KOKORO_MODEL_DIR');
    expect(kokoroModelInstalled(env)).toBe(false);
    expect(await readdir(join(env.DURABLE_TTS_CACHE!, 'kokoro'))).toEqual([]); // the staging dir is gone

    const engine = new KokoroEngine({ env, log: () => undefined });
    const failure = await rejection(engine.synthesize({ text: 'Hi.', options: {}, signal }));
    expect(failure).toBeInstanceOf(TransientEngineError);
    await engine.close();
  });
});

describe('kokoro engine without the model', () => {
  it('refuses an unknown voice, naming the voices, before loading anything', async () => {
    const engine = new KokoroEngine({ modelDir: join(root, 'never-read') });
    const error = await rejection(engine.synthesize({ text: 'Hi.', voice: 'klingon', options: {}, signal }));
    expect(error).toBeInstanceOf(EngineInputError);
    expect(error.message).toContain('unknown Kokoro voice "klingon"');
    for (const voice of ['af_heart', 'am_adam', 'bf_emma', 'bm_george']) expect(error.message).toContain(voice);
    expect(KOKORO_VOICES).toHaveLength(28);
    await engine.close();
  });

  it('an unknown voice fails the chunk activity without retries', async () => {
    const engine = new KokoroEngine({ modelDir: join(root, 'never-read') });
    const activities = createActivities({
      engines: { kokoro: engine },
      blobStore: new LocalBlobStore(join(root, 'blobs')),
      outputDir: root,
    });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const input: SynthesizeChunkInput = { index: 0, text: 'Hi.', engine: 'kokoro', pin: kokoroPin(), voice: 'klingon', engineOptions: {} };
    const error = await rejection(speakChunk(env, activities, input));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect(error.message).toContain('af_heart');
    await engine.close();
  });

  it('the chunk cache key changes with the voice and the speed, and covers the model', () => {
    const engine = new KokoroEngine();
    const input = (voice?: string, speed?: number): SynthesizeChunkInput => ({
      index: 0,
      text: 'Hello.',
      engine: 'kokoro',
      pin: kokoroPin(voice),
      engineOptions: {},
      ...(voice ? { voice } : {}),
      ...(speed ? { speed } : {}),
    });
    const keys = new Set([chunkKey(input('af_heart')), chunkKey(input('af_bella')), chunkKey(input()), chunkKey(input('af_heart', 1.2))]);
    expect(keys.size).toBe(4);
    // Speed 1 is the engine's own: the same audio, so the same key (and keys made before speed existed).
    expect(chunkKey(input('af_heart', 1))).toBe(chunkKey(input('af_heart')));
    expect(kokoroPin().version).toBe(KOKORO_MODEL_SHA256);
    // A worker with the int8 model refuses a document pinned to the float32 one, naming both.
    const int8 = new KokoroEngine({ modelFile: KOKORO_INT8_MODEL_FILE });
    expect(int8.cannotServe(kokoroPin())).toMatch(
      /started with kokoro kokoro-v1\.0\.fp32\.onnx@.* this worker has kokoro kokoro-v1\.0\.int8/u,
    );
    expect(engine.cannotServe(kokoroPin('af_bella'))).toBeUndefined();
  });
});

describe('kokoro pipeline with a stand-in model', () => {
  // Letters as phonemes (r becomes ɹ, as for eSpeak's IPA), and a "model" that makes 2 frames of silence, 3 frames of tone per id, 4 of silence.
  const vocab: Record<string, number> = Object.fromEntries([...' .,;:!?abcdefghijklmnopqstuvwxyzɹ'].map((symbol, i) => [symbol, i + 1]));
  const ipaWords: IpaWords = (text) => text.toLowerCase().split(/\s+/u).filter(Boolean);
  const calls: number[][] = [];
  const runModel = async (ids: number[]): Promise<ModelOutput> => {
    calls.push(ids);
    const durations = [2, ...ids.map(() => 3), 4];
    const audio = new Float32Array(durations.reduce((sum, frames) => sum + frames, 0) * SAMPLES_PER_FRAME);
    audio.fill(0.3, 2 * SAMPLES_PER_FRAME, (2 + 3 * ids.length) * SAMPLES_PER_FRAME);
    return { audio, durations };
  };
  const styles = new Float32Array(510 * 256);

  it('trims the silence around the speech and times every word in order', async () => {
    calls.length = 0;
    const { samples, words } = await speak('Hello there, world.', { name: 'af_heart', styles }, 1, { ipaWords, vocab, runModel });
    expect(calls).toHaveLength(1);
    // 'hello there, world.' is 19 ids of 3 frames; 10 ms kept before, 25 ms after.
    expect(samples.length).toBe(19 * 3 * SAMPLES_PER_FRAME + 240 + 600);
    expect(words.map((word) => word.text)).toEqual(['Hello', 'there', 'world']);
    expect(words[0]!.start).toBe(240);
    expect(words[0]!.end).toBe(240 + 5 * 3 * SAMPLES_PER_FRAME);
    expectWordsInOrder(words, samples.length);
  });

  it(`splits a text of more than ${MAX_TOKENS} ids at sentence ends and joins the audio`, async () => {
    calls.length = 0;
    const sentence = 'The quick brown fox jumps over the lazy dog again. ';
    const text = sentence.repeat(15); // 765 ids
    const { samples, words } = await speak(text, { name: 'af_heart', styles }, 1, { ipaWords, vocab, runModel });
    expect(calls.length).toBe(2);
    for (const ids of calls) expect(ids.length).toBeLessThanOrEqual(MAX_TOKENS);
    expect(calls[0]!.at(-1)).toBe(vocab['.']); // cut after a full stop
    expect(calls[1]![0]).not.toBe(vocab[' ']);
    expect(words).toHaveLength(15 * 10);
    expectWordsInOrder(words, samples.length);
  });
});

describe.skipIf(!modelPresent)('kokoro engine with the model from the cache', () => {
  let engine: KokoroEngine;
  beforeAll(() => {
    engine = new KokoroEngine({ modelDir: cached, threads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('speaks a short sentence: 24 kHz mono, silence trimmed, word timings in bounds and in order', { timeout: 120_000 }, async () => {
    const audio = await engine.synthesize({ text: 'Hello world. This is a test.', options: {}, signal });
    expect(audio.sampleRate).toBe(24_000);
    expect(audio.channels).toBe(1);
    const seconds = audio.samples.length / audio.sampleRate;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(3.5); // the model's own ~0.8 s of padding is gone
    const peak = audio.samples.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
    expect(peak).toBeGreaterThan(3_000);
    expect(audio.words.map((word) => word.text)).toEqual(['Hello', 'world', 'This', 'is', 'a', 'test']);
    expectWordsInOrder(audio.words, audio.samples.length);
    expect(audio.words[0]!.start).toBeLessThan(0.2 * 24_000);
  });

  it('speaks faster at speed 1.5 and slower at 0.75, with the same words', { timeout: 120_000 }, async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const [slow, normal, fast] = await Promise.all([0.75, 1, 1.5].map((speed) => engine.synthesize({ text, speed, options: {}, signal })));
    expect(fast!.samples.length).toBeLessThan(normal!.samples.length * 0.8);
    expect(slow!.samples.length).toBeGreaterThan(normal!.samples.length * 1.15);
    for (const audio of [slow!, normal!, fast!]) expect(audio.words).toHaveLength(9);
  });

  it('speaks a blend: real speech, unlike either of its parts', { timeout: 120_000 }, async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const [bella, sky, blend] = await Promise.all(
      ['af_bella', 'af_sky', 'af_bella(2)+af_sky(1)'].map((voice) => engine.synthesize({ text, voice, options: {}, signal })),
    );
    const seconds = blend!.samples.length / blend!.sampleRate;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(5);
    const rms = (samples: Int16Array) => Math.sqrt(samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length);
    expect(rms(blend!.samples)).toBeGreaterThan(1_000);
    expect(blend!.words.map((word) => word.text)).toEqual(['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog']);
    const [b, s, m] = [bella!, sky!, blend!].map((audio) => bandEnergies(audio.samples));
    // Measured: bella-sky 7.8 dB, blend-bella 2.6, blend-sky 5.3: between the two, nearer the heavier part.
    const [toBella, toSky] = [spectralDistance(m!, b!), spectralDistance(m!, s!)];
    expect(toBella).toBeGreaterThan(1);
    expect(toSky).toBeGreaterThan(toBella);
    expect(toSky).toBeLessThan(spectralDistance(b!, s!));
    const bytes = ({ samples }: { samples: Int16Array }) => Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    for (const part of [bella!, sky!]) expect(bytes(blend!).equals(bytes(part))).toBe(false);
    // The same pin, however the blend is written.
    expect(kokoroPin('af_sky+af_bella(2)').voice).toBe(kokoroPin('af_bella(2)+af_sky(1)').voice);
  });
});
