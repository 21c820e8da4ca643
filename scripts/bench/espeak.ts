// Local engine throughput: eSpeak chunks per second with 1 and 2 worker threads.

import { readFile } from 'node:fs/promises';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { chunkText } from '../../src/text/chunker.ts';

export interface EspeakThroughput {
  threads: number;
  chunks: number;
  chunksPerSecond: number;
}

export async function espeakThroughput(threadCounts: number[]): Promise<EspeakThroughput[]> {
  const chunks = chunkText(await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8'));
  const results: EspeakThroughput[] = [];
  for (const threads of threadCounts) {
    const engine = new EspeakEngine(threads);
    const speak = (text: string) => engine.synthesize({ text, options: {}, signal: new AbortController().signal });
    await Promise.all(chunks.slice(0, threads * 4).map((c) => speak(c.text))); // warm up every thread
    const started = performance.now();
    await Promise.all(chunks.map((c) => speak(c.text)));
    results.push({ threads, chunks: chunks.length, chunksPerSecond: chunks.length / ((performance.now() - started) / 1000) });
    await engine.close();
  }
  return results;
}
