// Every chunk heard back (`verify`): the recognizer (Whisper base, from the cache that `npm test`
// fills first: scripts/ensure-recognizer.ts) hears Kokoro's speech as written, and a document whose
// engine cuts some takes short ends with none of them in its audio, the good takes paid once, and
// a chunk cut on every take listed, not hidden.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import { Recognizer, wordErrorRate } from '../../src/recognizer/index.ts';
import { cuttingEngine } from '../../testkit/cutting-engine.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

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

    expect(result.verification).toMatchObject({ maxWordErrorRate: 0.3, checked: 8, resynthesized: 3 });
    expect(result.verification!.unresolved.map((u) => u.index)).toEqual([6]);
    expect(result.verification!.unresolved[0]!.wer).toBeGreaterThan(0.3);
    // Good takes are paid once; a cut take once more; a chunk cut on every take, up to the limit (3 takes).
    const spoken = (sentence: string) => takes.filter((t) => t.text === sentence).length;
    for (const [i, sentence] of SENTENCES.entries()) expect(spoken(sentence), sentence).toBe(i === 6 ? 3 : i === 2 || i === 5 ? 2 : 1);

    // No cut take in the audio: it lasts as long as a document whose only cut chunk is the one cut on every take (eSpeak's
    // samples vary by a few between runs), and a second longer than the same document spoken without hearing it back.
    const reference = await speak(cutAlways, false);
    const unheard = await speak((t, take) => cutOnce(t, take) || cutAlways(t), false);
    expect(Math.abs(result.durationSec - reference.result.durationSec)).toBeLessThan(0.05);
    expect(result.durationSec - unheard.result.durationSec).toBeGreaterThan(1);
  }, 300_000);
});
