// Chunk loudness records (src/audio/levels.ts) against the oracle, ffmpeg's ebur128 (LoudnessMeter,
// precise mode): single signals at the rates the engines use, and a document the real Joiner made
// from real eSpeak chunks with trims, pauses, an exact pause and two rates, measured from the records
// mapped onto the joiner's placement against ffmpeg on the joiner's own output.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentLoudness } from '../../src/audio/document-loudness.ts';
import { type ChunkLevels, computeLevels, LevelsRecordError, parseLevels, serializeLevels } from '../../src/audio/levels.ts';
import { LoudnessMeter } from '../../src/audio/loudness.ts';
import { resamplePcm } from '../../src/audio/pcm.ts';
import { encodeWav, int16Bytes } from '../../src/audio/wav.ts';
import type { PcmAudio } from '../../src/contract/audio.ts';
import type { LoudnessFigures } from '../../src/contract/reports.ts';
import { EspeakEngine } from '../../src/engines/espeak/espeak-engine.ts';
import { Joiner, type JoinOptions } from '../../src/stitch/joiner.ts';
import { placedLevels } from '../../src/stitch/placed-levels.ts';
import { sha256Hex } from '../../src/storage/blob-store.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

async function ffmpegLoudness(samples: Int16Array, sampleRate: number, channels: number): Promise<LoudnessFigures> {
  const meter = new LoudnessMeter({ sampleRate, channels }, { precise: true });
  for (let at = 0; at < samples.length; at += 65_536) await meter.write(int16Bytes(samples.subarray(at, at + 65_536)));
  return meter.result();
}

function levelsOf(audio: PcmAudio): ChunkLevels {
  const wav = encodeWav(audio);
  return computeLevels(audio, { audioSha256: sha256Hex(wav), audioBytes: wav.length });
}

/** One signal as one piece: the record's own loudness. */
function recordLoudness(audio: PcmAudio): LoudnessFigures {
  const frames = audio.samples.length / audio.channels;
  const result = documentLoudness([{ levels: levelsOf(audio), start: 0, end: frames, startFrame: 0, frames }], audio, frames);
  if (result.kind !== 'measured') throw new Error('a single signal needs no fallback');
  return result.figures;
}

type Signal = 'sine' | 'pink noise' | 'full-band pink noise' | 'tone sequence';

/**
 * Tech 3341-like: a 1 kHz sine at -23 dBFS; pink noise (Kellet's filter) swelling slowly; -36/-23/-36
 * dBFS tone steps. The pink noise is smoothed by a 2-tap average (a zero at the Nyquist rate), as
 * engine audio is: ffmpeg's meter first resamples to 48 kHz with a filter that cuts the top 3 % of
 * the band, which BS.1770 at the chunk's own rate counts; full-band noise shows that gap.
 */
function signal(kind: Signal, sampleRate: number, channels: number): PcmAudio {
  const random = seededRandom(26);
  const steps: Array<[number, number]> =
    kind === 'tone sequence'
      ? [
          [-36, 3],
          [-23, 8],
          [-36, 3],
        ]
      : [[-23, 10]];
  const frames = steps.reduce((sum, [, seconds]) => sum + seconds * sampleRate, 0);
  const samples = new Int16Array(frames * channels);
  const b = [0, 0, 0, 0, 0, 0, 0];
  let previous = 0;
  let f = 0;
  for (const [dbfs, seconds] of steps) {
    const amplitude = 32_767 * 10 ** (dbfs / 20);
    for (let i = 0; i < seconds * sampleRate; i++, f++) {
      let value = amplitude * Math.sin((2 * Math.PI * 1_000 * f) / sampleRate);
      if (kind === 'pink noise' || kind === 'full-band pink noise') {
        const white = random() * 2 - 1;
        b[0] = 0.99886 * b[0]! + white * 0.0555179;
        b[1] = 0.99332 * b[1]! + white * 0.0750759;
        b[2] = 0.969 * b[2]! + white * 0.153852;
        b[3] = 0.8665 * b[3]! + white * 0.3104856;
        b[4] = 0.55 * b[4]! + white * 0.5329522;
        b[5] = -0.7616 * b[5]! - white * 0.016898;
        const pink = b[0]! + b[1]! + b[2]! + b[3]! + b[4]! + b[5]! + b[6]! + white * 0.5362;
        b[6] = white * 0.115926;
        value = pink * 0.2 * amplitude * (0.6 + 0.4 * Math.sin((3 * f) / sampleRate));
        if (kind === 'pink noise') [value, previous] = [(value + previous) / 2, value];
      }
      // The second channel of noise is quieter: the channels are summed, not averaged.
      for (let c = 0; c < channels; c++)
        samples[f * channels + c] = Math.round(c === 1 && kind !== 'sine' && kind !== 'tone sequence' ? value * 0.7 : value);
    }
  }
  return { sampleRate, channels, samples };
}

describe('a chunk record gives what ffmpeg reads on the chunk', () => {
  for (const kind of ['sine', 'pink noise', 'tone sequence'] as const)
    for (const sampleRate of [22_050, 24_000, 48_000])
      for (const channels of [1, 2])
        it(`${kind} at ${sampleRate} Hz x${channels}: integrated within 0.05 LU, true peak within 0.1 dB`, async () => {
          const audio = signal(kind, sampleRate, channels);
          const [ours, theirs] = [recordLoudness(audio), await ffmpegLoudness(audio.samples, sampleRate, channels)];
          expect(Math.abs(ours.integratedLufs! - theirs.integratedLufs!)).toBeLessThanOrEqual(0.05);
          expect(Math.abs(ours.truePeakDb! - theirs.truePeakDb!)).toBeLessThanOrEqual(0.1);
          expect(Math.abs(ours.rangeLu - theirs.rangeLu)).toBeLessThanOrEqual(0.1);
        });

  it("full-band noise at 22.05 kHz: within 0.06 LU (ffmpeg's resampler takes the top of the band off)", async () => {
    const audio = signal('full-band pink noise', 22_050, 1);
    const [ours, theirs] = [recordLoudness(audio), await ffmpegLoudness(audio.samples, 22_050, 1)];
    expect(Math.abs(ours.integratedLufs! - theirs.integratedLufs!)).toBeLessThanOrEqual(0.06);
  });
});

describe('a document joined from eSpeak chunks', () => {
  const engine = new EspeakEngine(1);
  const texts = [
    'The lighthouse keeper climbed the stairs at dusk, as he had every evening for thirty years.',
    'Below him the sea was restless.',
    'He lit the lamp, wound the clockwork, and sat down to write.',
    'Nothing moved on the horizon; nothing ever did, until that night.',
    'A light answered his.',
  ];
  let chunks: PcmAudio[] = [];
  beforeAll(async () => {
    const spoken = await Promise.all(texts.map((text) => engine.synthesize({ text, options: {}, signal: new AbortController().signal })));
    // Two chunks at 16 kHz: a document mixing engines' rates is joined at the highest.
    chunks = spoken.map((audio, i) => (i === 1 || i === 3 ? resamplePcm(audio, 16_000) : audio));
  }, 60_000);
  afterAll(() => engine.close());

  async function compare(options: JoinOptions, format: { sampleRate: number; channels: number }, pauses: number[], exact: number[]) {
    const joiner = new Joiner(format, options);
    const blocks: Int16Array[] = [];
    for (const [index, audio] of chunks.entries()) {
      const piece = {
        index,
        sampleRate: audio.sampleRate,
        channels: audio.channels,
        frames: audio.samples.length / audio.channels,
        pauseAfterMs: pauses[index]!,
        ...(exact.includes(index) ? { exactPause: true } : {}),
      };
      blocks.push(...joiner.push(piece, audio));
    }
    blocks.push(...joiner.finish());
    const out = new Int16Array(blocks.reduce((sum, block) => sum + block.length, 0));
    let at = 0;
    for (const block of blocks) {
      out.set(block, at);
      at += block.length;
    }
    const records = chunks.map(levelsOf);
    const pieces = placedLevels([{ placed: joiner.placed, frames: joiner.frames }], (i) => records[i]!, options.trim);
    const ours = documentLoudness(pieces, format, joiner.frames);
    const theirs = await ffmpegLoudness(out, format.sampleRate, format.channels);
    return { ours, theirs };
  }

  it('trimmed, with pauses, an exact pause, lead-in and two rates: within 0.05 LU of ffmpeg on the joined stream', async () => {
    const { ours, theirs } = await compare(
      { trim: true, crossfadeMs: 0, leadInMs: 300, tailMs: 500 },
      { sampleRate: 22_050, channels: 1 },
      [400, 0, 750, 1_200, 0],
      [2],
    );
    expect(ours.kind).toBe('measured');
    if (ours.kind !== 'measured') return;
    expect(Math.abs(ours.figures.integratedLufs! - theirs.integratedLufs!)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(ours.figures.truePeakDb! - theirs.truePeakDb!)).toBeLessThanOrEqual(0.1);
  });

  it('untrimmed, mono chunks in a stereo 24 kHz document: within 0.05 LU', async () => {
    const { ours, theirs } = await compare({ trim: false, crossfadeMs: 0 }, { sampleRate: 24_000, channels: 2 }, [250, 250, 0, 600, 0], []);
    expect(ours.kind).toBe('measured');
    if (ours.kind !== 'measured') return;
    expect(Math.abs(ours.figures.integratedLufs! - theirs.integratedLufs!)).toBeLessThanOrEqual(0.05);
  });

  it('asks for a measurement of the chunks it cannot map: down-sampled, or mixed down', () => {
    const records = chunks.map(levelsOf);
    const piece = (i: number) => ({ levels: records[i]!, start: 0, end: records[i]!.frames, startFrame: 0, frames: records[i]!.frames });
    expect(documentLoudness([piece(0), piece(1)], { sampleRate: 16_000, channels: 1 }, 16_000 * 10)).toEqual({
      kind: 'fallback',
      pieces: [0],
    });
    const stereo = { ...records[1]!, channels: 2 };
    expect(documentLoudness([{ ...piece(1), levels: stereo }], { sampleRate: 22_050, channels: 1 }, 22_050)).toEqual({
      kind: 'fallback',
      pieces: [0],
    });
  });
});

describe('the stored form', () => {
  const audio = signal('tone sequence', 24_000, 2);
  const record = levelsOf(audio);

  it('round-trips', () => {
    const parsed = parseLevels(serializeLevels(record), record);
    expect({ ...parsed, k10: [...parsed.k10], sp100: [...parsed.sp100] }).toEqual({
      ...record,
      k10: [...Float32Array.from(record.k10)],
      sp100: [...Float32Array.from(record.sp100)],
    });
    expect(record.first).toBe(1); // sin(0) is silent
    expect(record.sp100.length).toBe(140);
  });

  it('refuses a torn record, one of other audio, and what is not a record', () => {
    const bytes = serializeLevels(record);
    expect(() => parseLevels(bytes.subarray(0, bytes.length - 4), record)).toThrow(/torn/);
    expect(() => parseLevels(bytes.subarray(0, 20), record)).toThrow(LevelsRecordError);
    expect(() => parseLevels(bytes, { audioSha256: 'f'.repeat(64) })).toThrow(/other audio/);
    expect(() => parseLevels(bytes, { audioSha256: record.audioSha256, audioBytes: 1 })).toThrow(/not 1/);
    expect(() => parseLevels(new TextEncoder().encode('RIFF....'), record)).toThrow(/not a LVL1 record/);
  });
});
