// `npm run bench:espeak`: eSpeak chunks per second with 1 and 2 worker threads, in one run.
// Prints the ratio; machines are noisy, so compare within a run, not across runs.

import { readFile } from 'node:fs/promises';
import { EspeakEngine } from '../src/engines/espeak/espeak-engine.ts';
import { chunkText } from '../src/text/chunker.ts';

const chunks = chunkText(await readFile(new URL('../samples/reading.txt', import.meta.url), 'utf8'));

async function chunksPerSecond(threads: number): Promise<number> {
  const engine = new EspeakEngine(threads);
  const speak = (text: string) => engine.synthesize({ text, options: {}, signal: new AbortController().signal });
  await Promise.all(chunks.slice(0, threads * 4).map((c) => speak(c.text))); // warm up every thread
  const start = performance.now();
  await Promise.all(chunks.map((c) => speak(c.text)));
  const seconds = (performance.now() - start) / 1000;
  await engine.close();
  return chunks.length / seconds;
}

const one = await chunksPerSecond(1);
const two = await chunksPerSecond(2);
console.log(`| threads | chunks/s (${chunks.length} chunks of samples/reading.txt) |`);
console.log('|---|---|');
console.log(`| 1 | ${one.toFixed(1)} |`);
console.log(`| 2 | ${two.toFixed(1)} (${(two / one).toFixed(2)}x) |`);
