// Every chunk heard back (`verify`): the recognizer (Whisper base, from the cache that `npm test`
// fills first: scripts/ensure-recognizer.ts) hears Kokoro's speech as written, and a document whose
// engine cuts some takes short ends with none of them in its audio, the good takes paid once, and
// a chunk cut on every take listed, not hidden.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import { Recognizer, wordErrorRate } from '../../src/recognizer/index.ts';
import { cacheDir } from '../../src/system/cache-dir.ts';
import { cuttingEngine } from '../../testkit/cutting-engine.ts';
import { startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { runToEnd } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

const TOKEN = 'r8_SECRET_verify_token_51c2';
let temporal: TestTemporal;
const recognizer = new Recognizer();

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  await recognizer.close();
  await temporal?.teardown();
});

describe('the recognizer', () => {
  it('hears a known sentence spoken by Kokoro as it is written', async () => {
    const kokoro = new KokoroEngine({ threads: 1 });
    const text = 'The harbour light was lit at dusk, and the ships came home safely before the storm.';
    try {
      const audio = await kokoro.synthesize({ text, options: {}, signal: new AbortController().signal });
      const heard = await recognizer.hear(audio);
      expect(wordErrorRate(text, heard), heard).toBeLessThanOrEqual(0.1);
    } finally {
      await kokoro.close();
    }
  }, 300_000);
});

describe('a document heard back', () => {
  // Sentences eSpeak says clearly enough for the recognizer to hear every word (its own noise is not the fault tested here).
  const SENTENCES = [
    'Waves broke against the rocks below the tower.',
    'The captain watched the light from the deck.',
    'The old man walked slowly down the road to the village.',
    'She opened the window and looked at the garden.',
    'He wrote a long letter to his brother in the city.',
    'The dog ran across the field to meet its owner.',
    'The market was full of fresh fruit and vegetables.',
    'My sister bought a new coat for the winter.',
  ];
  const text = SENTENCES.join('\n\n');

  /** Speaks the document on a worker whose eSpeak cuts the takes `cuts` picks. */
  async function speak(cuts: (text: string, take: number) => boolean, verify: boolean) {
    const engine = cuttingEngine(new EspeakEngine(1), cuts);
    const taskQueue = uniqueTaskQueue('verify');
    const worker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { engines: { espeak: engine } });
    try {
      const result = (await worker.runUntil(() =>
        temporal.client.workflow.execute('audioDocument', {
          args: [{ text, engine: 'espeak', concurrency: 3, ...(verify ? { verify: true } : {}) }],
          taskQueue,
          workflowId: uniqueTaskQueue('verify-doc'),
        }),
      )) as AudioDocumentResult;
      return { result, takes: engine.takes };
    } finally {
      await worker.close();
    }
  }

  it('speaks again the takes cut short, keeps the good ones, and lists a chunk cut on every take', async () => {
    const cutOnce = (t: string, take: number) => (t === SENTENCES[2] || t === SENTENCES[5]) && take === 0;
    const cutAlways = (t: string) => t === SENTENCES[6];
    const { result, takes } = await speak((t, take) => cutOnce(t, take) || cutAlways(t), true);

    expect(result.verification).toMatchObject({ maxWordErrorRate: 0.3, checked: 8 });
    expect(result.verification!.unresolved.map((u) => u.index)).toEqual([6]);
    expect(result.verification!.unresolved[0]!.wer).toBeGreaterThan(0.3);
    // A cut take is spoken once more, a chunk cut on every take up to the limit (3 takes). Good takes are
    // paid once, but for eSpeak's own noise: its takes of a text vary, and one may be heard wrong (a
    // garbled "My sister Martin who called for the winter" was, once) and spoken again. Few are.
    const spoken = (sentence: string) => takes.filter((t) => t.text === sentence).length;
    expect([2, 5, 6].map((i) => spoken(SENTENCES[i]!))).toEqual([2, 2, 3]);
    const goodPaidTwice = SENTENCES.filter((sentence, i) => ![2, 5, 6].includes(i) && spoken(sentence) > 1);
    expect(goodPaidTwice.length, goodPaidTwice.join(' | ')).toBeLessThanOrEqual(1);
    expect(result.verification!.resynthesized).toBe(3 + goodPaidTwice.length);

    // No cut take in the audio: it lasts as long as a document whose only cut chunk is the one cut on every take (within
    // eSpeak's own variation, far below a cut's second), and longer than the same document spoken without hearing it back.
    const reference = await speak(cutAlways, false);
    const unheard = await speak((t, take) => cutOnce(t, take) || cutAlways(t), false);
    expect(Math.abs(result.durationSec - reference.result.durationSec)).toBeLessThan(0.3);
    expect(result.durationSec - unheard.result.durationSec).toBeGreaterThan(1);
  }, 300_000);
});

describe('npm start --verify', () => {
  it('against a provider that cuts some takes short: no cut take in the output, good takes paid once, and a Verified: line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-main-'));
    // The provider speaks (eSpeak) and cuts the first take of two chunks short.
    const sentences = [
      'The old man walked slowly down the road to the village.',
      'She opened the window and looked at the garden.',
      'He wrote a long letter to his brother in the city.',
      'The dog ran across the field to meet its owner.',
    ];
    const espeak = cuttingEngine(new EspeakEngine(1), (text, take) => take === 0 && (text === sentences[1] || text === sentences[3]));
    const fake = await startFakeReplicate({
      token: TOKEN,
      latencyMs: 50,
      speech: (text, take) => espeak.synthesize({ text, take, options: {}, signal: new AbortController().signal }),
    });
    try {
      const file = join(dir, 'story.txt');
      await writeFile(file, sentences.join('\n\n'));
      // A cache of its own (a dev server history of its own), with the recognizer already fetched.
      const cache = join(dir, 'cache');
      await mkdir(cache);
      await symlink(join(cacheDir(), 'whisper'), join(cache, 'whisper'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DURABLE_TTS_CACHE: cache,
        REPLICATE_API_TOKEN: TOKEN,
        REPLICATE_BASE_URL: fake.url,
        REPLICATE_POLL_INTERVAL_MS: '100',
        AUDIO_BLOB_DIR: join(dir, 'blobs'),
      };
      delete env.TEMPORAL_ADDRESS;
      delete env.TTS_ENGINE;
      const run = await runToEnd('npm', ['start', '--', file, '--out', join(dir, 'out', 'story.wav'), '--verify'], env);
      const output = run.stdout + run.stderr;
      expect(run.code, output).toBe(0);
      expect(output).toContain('Verified: 4 chunks heard back, 2 spoken again; all within 0.30 word errors');
      // Two predictions for each cut chunk, one for each good one.
      for (const [i, sentence] of sentences.entries()) expect(fake.createsFor(sentence), sentence).toHaveLength(i % 2 === 1 ? 2 : 1);
      expect(output).not.toContain(TOKEN);
    } finally {
      await fake.close();
      await espeak.close?.();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
