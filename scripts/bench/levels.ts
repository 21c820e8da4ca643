// Chunk loudness records against ffmpeg: samples/reading.txt spoken chunk by chunk (Kokoro when its
// model is in the cache, else eSpeak), joined by the real Joiner as the stitch does (trimmed, the
// default pauses), then the document's integrated loudness from the records mapped onto the
// placement against ffmpeg's ebur128 on the joined stream (what the stitched WAV holds before
// its gain), and what a record costs per second of audio.
//
// Alone: `node --import tsx scripts/bench/levels.ts [--engine espeak|kokoro] [--chars N]`.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { documentLoudness } from '../../src/audio/document-loudness.ts';
import { computeLevels } from '../../src/audio/levels.ts';
import { LoudnessMeter } from '../../src/audio/loudness.ts';
import { encodeWav, int16Bytes } from '../../src/audio/wav.ts';
import { workerSettings } from '../../src/config/settings.ts';
import { DEFAULT_PAUSES } from '../../src/contract/input-schema.ts';
import { pausesAfter } from '../../src/document/pauses.ts';
import type { SynthesizedAudio, TtsEngine } from '../../src/engines/engine.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import { KOKORO_MODEL_FILE } from '../../src/engines/kokoro/model-files.ts';
import { Joiner } from '../../src/stitch/joiner.ts';
import { placedLevels } from '../../src/stitch/placed-levels.ts';
import { sha256Hex } from '../../src/storage/blob-store.ts';
import { cacheDir } from '../../src/system/cache-dir.ts';
import { chunkText } from '../../src/text/chunker.ts';

export interface LevelsBenchResult {
  engine: string;
  chunks: number;
  audioSec: number;
  recordsLufs: number | null;
  ffmpegLufs: number | null;
  /** records − ffmpeg, LU. */
  differenceLu: number | null;
  recordsTruePeakDb: number | null;
  ffmpegTruePeakDb: number | null;
  /** Computing the records, per second of audio. */
  recordMsPerAudioSec: number;
}

function kokoroInCache(): boolean {
  const dir = workerSettings().kokoroModelDir ?? join(cacheDir(), 'kokoro');
  return existsSync(join(dir, KOKORO_MODEL_FILE));
}

export async function levelsBench({ engine: asked, chars }: { engine?: 'espeak' | 'kokoro'; chars?: number } = {}) {
  const name = asked ?? (kokoroInCache() ? 'kokoro' : 'espeak');
  const engine: TtsEngine = name === 'kokoro' ? new KokoroEngine() : new EspeakEngine();
  const text = (await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8')).slice(0, chars);
  const chunks = chunkText(text);
  try {
    const spoken: SynthesizedAudio[] = await Promise.all(
      chunks.map((chunk, order) => engine.synthesize({ text: chunk.text, order, options: {}, signal: new AbortController().signal })),
    );
    const format = { sampleRate: Math.max(...spoken.map((a) => a.sampleRate)), channels: Math.max(...spoken.map((a) => a.channels)) };
    const pauses = pausesAfter(
      chunks.map((chunk) => chunk.breakAfter),
      DEFAULT_PAUSES,
    );
    let recordMs = 0;
    const records = spoken.map((audio) => {
      const wav = encodeWav(audio);
      const started = performance.now();
      const record = computeLevels(audio, { audioSha256: sha256Hex(wav), audioBytes: wav.length });
      recordMs += performance.now() - started;
      return record;
    });
    const joiner = new Joiner(format, { trim: true, crossfadeMs: 0 });
    const meter = new LoudnessMeter(format, { precise: true });
    for (const [index, audio] of spoken.entries()) {
      const piece = { index, sampleRate: audio.sampleRate, channels: audio.channels, frames: audio.samples.length / audio.channels };
      for (const samples of joiner.push({ ...piece, pauseAfterMs: pauses[index]! }, audio)) await meter.write(int16Bytes(samples));
    }
    for (const samples of joiner.finish()) await meter.write(int16Bytes(samples));
    const theirs = await meter.result();
    const pieces = placedLevels([{ placed: joiner.placed, frames: joiner.frames }], (i) => records[i]!, true);
    const ours = documentLoudness(pieces, format, joiner.frames);
    if (ours.kind !== 'measured') throw new Error(`chunks ${ours.pieces.join(', ')} need a fallback measurement`);
    const audioSec = spoken.reduce((sum, audio) => sum + audio.samples.length / audio.channels / audio.sampleRate, 0);
    const { integratedLufs, truePeakDb } = ours.figures;
    return {
      engine: name,
      chunks: chunks.length,
      audioSec,
      recordsLufs: integratedLufs,
      ffmpegLufs: theirs.integratedLufs,
      differenceLu: integratedLufs === null || theirs.integratedLufs === null ? null : integratedLufs - theirs.integratedLufs,
      recordsTruePeakDb: truePeakDb,
      ffmpegTruePeakDb: theirs.truePeakDb,
      recordMsPerAudioSec: recordMs / audioSec,
    } satisfies LevelsBenchResult;
  } finally {
    await engine.close?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, chars: { type: 'string' } } });
  const engine = values.engine === 'kokoro' || values.engine === 'espeak' ? values.engine : undefined;
  const r = await levelsBench({ ...(engine ? { engine } : {}), ...(values.chars ? { chars: Number(values.chars) } : {}) });
  const f = (x: number | null, digits = 3) => (x === null ? '-' : x.toFixed(digits));
  console.log(`${r.engine}: ${r.chunks} chunks, ${r.audioSec.toFixed(1)} s of audio`);
  console.log(`  integrated: records ${f(r.recordsLufs)} LUFS, ffmpeg ${f(r.ffmpegLufs)} LUFS, difference ${f(r.differenceLu)} LU`);
  console.log(`  true peak:  records ${f(r.recordsTruePeakDb, 2)} dBTP, ffmpeg ${f(r.ffmpegTruePeakDb, 2)} dBTP`);
  console.log(`  record: ${r.recordMsPerAudioSec.toFixed(2)} ms per second of audio`);
}
