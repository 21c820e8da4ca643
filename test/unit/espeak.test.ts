// eSpeak's word events become word timings: each word's place in the text (UTF-16 offsets, as
// JavaScript strings count) and in the audio, checked against the sound itself.

import { readFile } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { ESPEAK_BUILD, EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';

const engine = new EspeakEngine(1);
afterAll(() => engine.close());

function rms(samples: Int16Array): number {
  return Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / Math.max(1, samples.length));
}

it('times every written word where it is heard, with offsets into the text (numbers read as several words stay one)', async () => {
  const text = 'Héllo world, Mr. Smith. This is a test of café 𝒳 and 42 things.';
  const audio = await engine.synthesize({ text, options: {}, signal: new AbortController().signal });
  const words = audio.words!;
  expect(words.map((w) => w.text)).toEqual([
    'Héllo',
    'world',
    'Mr',
    'Smith',
    'This',
    'is',
    'a',
    'test',
    'of',
    'café',
    '𝒳',
    'and',
    '42',
    'things',
  ]);
  for (const [i, word] of words.entries()) {
    expect(text.slice(word.index, word.index + word.text.length)).toBe(word.text);
    expect(word.end).toBeGreaterThan(word.start);
    expect(word.end).toBeLessThanOrEqual(audio.samples.length);
    if (i > 0) expect(word.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
    // Each word is sound...
    expect(rms(audio.samples.subarray(word.start, word.end)), word.text).toBeGreaterThan(500);
  }
  // ...and the pause between two sentences is not.
  const smith = words[3]!;
  const next = words[4]!;
  expect(next.start - smith.end).toBeGreaterThan(0.1 * audio.sampleRate);
  expect(rms(audio.samples.subarray(smith.end, next.start))).toBeLessThan(100);
});

it('pins the eSpeak build we run: ESPEAK_BUILD is the installed package version', async () => {
  const manifest = JSON.parse(await readFile('node_modules/@echogarden/espeak-ng-emscripten/package.json', 'utf8')) as { version: string };
  expect(ESPEAK_BUILD).toBe(manifest.version);
});
