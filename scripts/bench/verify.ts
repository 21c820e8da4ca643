// Hearing chunks back (`verify`): the recognizer's real-time factor (seconds of recognition per
// second of audio, one thread, as a worker runs it) on the sample's first chunks spoken by Kokoro
// and by eSpeak, with its word error rate against the text; and what --verify adds to the whole
// sample's wall time with Kokoro (the two runs of kokoro-sample.ts, each with a chunk store of its own).
//
// Alone: `node --import tsx scripts/bench/verify.ts` (the recognizer's rows; `--sample` adds the two
// runs of the sample, about 20 minutes).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PcmAudio } from '../../src/contract/audio.ts';
import type { TtsEngine } from '../../src/engines/engine.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import { Recognizer, wordErrorRate } from '../../src/recognizer/index.ts';
import { startBench } from './harness.ts';
import { sampleChunkTexts } from './kokoro.ts';
import { kokoroSample } from './kokoro-sample.ts';
import { verifyRows } from './report.ts'; // report.ts imports this module's types back

export interface RecognizerRun {
  engine: string;
  chunks: number;
  audioSec: number;
  hearSec: number;
  /** hearSec / audioSec. */
  rtf: number;
  /** Mean over the chunks. */
  wordErrorRate: number;
  /** The model's first load (and, on a fresh machine, its fetch), apart from the timing above. */
  loadSec: number;
}

const seconds = (audio: PcmAudio) => audio.samples.length / audio.channels / audio.sampleRate;

export async function recognizerRtf(chunkCount = 8, log: (line: string) => void = () => undefined): Promise<RecognizerRun[]> {
  const texts = await sampleChunkTexts(chunkCount);
  const runs: RecognizerRun[] = [];
  for (const engine of [new KokoroEngine(), new EspeakEngine()] as TtsEngine[]) {
    log(`  the recognizer on ${texts.length} chunks spoken by ${engine.name}...`);
    const audio = await Promise.all(texts.map((t) => engine.synthesize({ text: t, options: {}, signal: new AbortController().signal })));
    await engine.close?.();
    const recognizer = new Recognizer({ threads: 1 });
    const loadStarted = performance.now();
    await recognizer.hear({ sampleRate: 16_000, channels: 1, samples: new Int16Array(16_000) }); // load the model
    const loadSec = (performance.now() - loadStarted) / 1000;
    const started = performance.now();
    let errors = 0;
    for (const [i, chunk] of audio.entries()) errors += wordErrorRate(texts[i]!, await recognizer.hear(chunk));
    const hearSec = (performance.now() - started) / 1000;
    await recognizer.close();
    const audioSec = audio.reduce((sum, a) => sum + seconds(a), 0);
    runs.push({
      engine: engine.name,
      chunks: texts.length,
      audioSec,
      hearSec,
      rtf: hearSec / audioSec,
      wordErrorRate: errors / texts.length,
      loadSec,
    });
  }
  return runs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = await recognizerRtf(8, (line) => console.error(line));
  console.log(JSON.stringify(runs, null, 2));
  if (process.argv.includes('--sample')) {
    const bench = await startBench();
    try {
      const plain = await kokoroSample(bench, (line) => console.error(line));
      const verified = await kokoroSample(bench, (line) => console.error(line), { verify: true });
      console.log(['| Measure | Result | Target |', '|---|---|---|', ...verifyRows(runs, plain, verified)].join('\n'));
      console.log(JSON.stringify({ plain, verified }, null, 2));
    } finally {
      await bench.teardown();
    }
  }
}
