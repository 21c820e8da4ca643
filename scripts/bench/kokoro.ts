// Local engines' real-time factor (compute seconds per audio second, lower is faster): Kokoro-82M
// as float32 (what the engine runs) and as the published int8, in several pool shapes, beside eSpeak, on the same first chunks of the sample. Each config is warmed
// up with one chunk per session (loading the model is timed separately, with that warm-up), then
// all chunks are submitted at once so every session stays busy.
//
// Alone: `node --import tsx scripts/bench/kokoro.ts [--chunks 6]`.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PcmAudio } from '../../src/contract/audio.ts';
import type { TtsEngine } from '../../src/engines/engine.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import { KOKORO_INT8_MODEL_FILE, KOKORO_MODEL_FILE } from '../../src/engines/kokoro/model-files.ts';
import { chunkText } from '../../src/text/chunker.ts';
import { kokoroRows } from './report.ts'; // report.ts imports this module's constants back: used only at call time

/** Audio of the whole samples/reading.txt (Kokoro, default voice): the projection's basis. */
export const SAMPLE_AUDIO_SEC = 874.6;
/** The target: the whole sample in 6 minutes, i.e. RTF <= 0.4. */
export const TARGET_RTF = 0.4;

export interface RtfResult {
  engine: 'kokoro' | 'espeak';
  /** Kokoro's model: float32 (what the engine runs) or int8 (as published). */
  precision?: 'fp32' | 'int8';
  /** Worker threads: Kokoro sessions, or eSpeak threads. */
  sessions: number;
  /** ONNX Runtime threads per Kokoro session (1 for eSpeak). */
  intraOpThreads: number;
  chunks: number;
  /** From construction to the end of the warm-up (one chunk per session). */
  loadSec: number;
  audioSec: number;
  wallSec: number;
  rtf: number;
  /** rtf x SAMPLE_AUDIO_SEC. */
  projectedSec: number;
  /** Peak process RSS (worker threads included) sampled every 50 ms during the config. */
  peakRssMb: number;
}

const audioSeconds = (a: PcmAudio) => a.samples.length / a.channels / a.sampleRate;

async function measure(
  engine: TtsEngine,
  label: Omit<RtfResult, 'chunks' | 'loadSec' | 'audioSec' | 'wallSec' | 'rtf' | 'projectedSec' | 'peakRssMb'>,
  texts: string[],
  constructedAt: number,
): Promise<RtfResult> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const speak = (text: string) => engine.synthesize({ text, options: {}, signal: new AbortController().signal });
    await Promise.all(texts.slice(0, label.sessions).map(speak)); // load, and warm up every session
    const loadSec = (performance.now() - constructedAt) / 1000;
    const started = performance.now();
    const audio = await Promise.all(texts.map(speak));
    const wallSec = (performance.now() - started) / 1000;
    const audioSec = audio.reduce((sum, a) => sum + audioSeconds(a), 0);
    const rtf = wallSec / audioSec;
    peak = Math.max(peak, process.memoryUsage().rss);
    return {
      ...label,
      chunks: texts.length,
      loadSec,
      audioSec,
      wallSec,
      rtf,
      projectedSec: rtf * SAMPLE_AUDIO_SEC,
      peakRssMb: peak / 2 ** 20,
    };
  } finally {
    clearInterval(sampler);
    await engine.close?.();
  }
}

/** The first `count` chunks of samples/reading.txt, as the workflow chunks it. */
export async function sampleChunkTexts(count: number): Promise<string[]> {
  const text = await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8');
  return chunkText(text, { maxChunkChars: 300 })
    .slice(0, count)
    .map((c) => c.text);
}

export async function kokoroRtf(chunkCount = 6, log: (line: string) => void = () => undefined): Promise<RtfResult[]> {
  const texts = await sampleChunkTexts(chunkCount);
  const results: RtfResult[] = [];
  const configs = [
    ['fp32', 1, 1],
    ['fp32', 1, 2],
    ['fp32', 2, 1],
    ['fp32', 2, 2], // every core for each session: they share the cores when both are busy
    ['int8', 1, 2],
    ['int8', 2, 1],
  ] as const;
  for (const [precision, sessions, intraOpThreads] of configs) {
    log(`  kokoro ${precision} ${sessions} session(s) x ${intraOpThreads} thread(s)...`);
    const at = performance.now();
    const modelFile = precision === 'fp32' ? KOKORO_MODEL_FILE : KOKORO_INT8_MODEL_FILE;
    results.push(
      await measure(
        new KokoroEngine({ threads: sessions, intraOpThreads, modelFile }),
        { engine: 'kokoro', precision, sessions, intraOpThreads },
        texts,
        at,
      ),
    );
  }
  for (const threads of [1, 2]) {
    log(`  espeak ${threads} thread(s)...`);
    const at = performance.now();
    results.push(await measure(new EspeakEngine(threads), { engine: 'espeak', sessions: threads, intraOpThreads: 1 }, texts, at));
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { chunks: { type: 'string', default: '6' } } });
  const results = await kokoroRtf(Number(values.chunks), (line) => console.error(line));
  console.log(['| Measure | Result | Target |', '|---|---|---|', ...kokoroRows(results)].join('\n'));
  console.log(JSON.stringify(results, null, 2));
}
