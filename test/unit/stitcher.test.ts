import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { convertChannels, resampledFrameCount, resamplePcm } from '../../src/audio/pcm.ts';
import { decodeWav, encodeWav, WAV_HEADER_BYTES } from '../../src/audio/wav.ts';
import type { PcmAudio } from '../../src/contract/audio.ts';
import { openAudioFile } from '../../src/formats/index.ts';
import { NO_JOIN_EFFECTS, pauseFrames, type StitchFormat, type StitchPiece } from '../../src/stitch/joiner.ts';
import { stitchDocument } from '../../src/stitch/stitcher.ts';

/** The plain join (no trim, crossfade or loudness) into a WAV file, as workflows from before formats get. */
async function stitchWav<P extends StitchPiece>(options: {
  pieces: P[];
  load: (p: P) => Promise<PcmAudio>;
  format: StitchFormat;
  path: string;
  onPiece?: (index: number) => void;
}) {
  const { format, path } = options;
  const stitched = await stitchDocument({
    ...options,
    files: [options.pieces.map((p, index) => ({ ...p, index }))],
    join: NO_JOIN_EFFECTS,
    open: ({ frames }) => openAudioFile({ format: 'wav', path, pcm: format, maxFrames: frames, tags: {}, chapters: [] }),
  });
  return { ...stitched.files[0]!.file, frames: stitched.frames, ...format, durationSec: stitched.durationSec };
}

interface TestPiece extends StitchPiece {
  value: number;
}

/** A piece of `frames` frames whose every sample is `value`. */
function piece(value: number, frames: number, pauseAfterMs: number, sampleRate = 24_000, channels = 1): TestPiece {
  return { value, frames, pauseAfterMs, sampleRate, channels };
}

function constantAudio({ value, frames, sampleRate, channels }: TestPiece): PcmAudio {
  return { sampleRate, channels, samples: new Int16Array(frames * channels).fill(value) };
}

/** A short sine, so the resampler has something realistic to work on. */
function toneAudio({ frames, sampleRate, channels }: StitchPiece): PcmAudio {
  const samples = new Int16Array(frames * channels);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) samples[f * channels + c] = Math.round(8_000 * Math.sin((2 * Math.PI * 440 * f) / sampleRate));
  }
  return { sampleRate, channels, samples };
}

const { WaveFile } = wavefile;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stitcher-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stitchWav', () => {
  it('writes the pieces in order with the pauses between them', async () => {
    const pieces = [piece(1_000, 480, 10), piece(-2_000, 240, 0), piece(3_000, 720, 5)];
    const path = join(dir, 'out.wav');
    const indexes: number[] = [];
    const result = await stitchWav({
      pieces,
      load: async (p) => constantAudio(p),
      format: { sampleRate: 24_000, channels: 1 },
      path,
      onPiece: (index) => indexes.push(index),
    });

    const pause10 = pauseFrames(10, 24_000);
    const pause5 = pauseFrames(5, 24_000);
    expect([pause10, pause5]).toEqual([240, 120]);
    const totalFrames = 480 + pause10 + 240 + 720 + pause5;
    expect(result.frames).toBe(totalFrames);
    expect(indexes).toEqual([0, 1, 2, 0, 1, 2]); // placed, then written

    const decoded = decodeWav(await readFile(path));
    expect(decoded.sampleRate).toBe(24_000);
    expect(decoded.channels).toBe(1);
    const expected = [
      ...new Array<number>(480).fill(1_000),
      ...new Array<number>(pause10).fill(0),
      ...new Array<number>(240).fill(-2_000),
      ...new Array<number>(720).fill(3_000),
      ...new Array<number>(pause5).fill(0),
    ];
    expect(Array.from(decoded.samples)).toEqual(expected);
  });

  it('writes a valid WAV header and returns the size and sha256 of the file', async () => {
    const pieces = [piece(100, 1_000, 300, 24_000, 2), piece(200, 500, 750, 24_000, 2)];
    const path = join(dir, 'stereo.wav');
    const result = await stitchWav({ pieces, load: async (p) => constantAudio(p), format: { sampleRate: 24_000, channels: 2 }, path });

    const bytes = await readFile(path);
    const frames = 1_000 + pauseFrames(300, 24_000) + 500 + pauseFrames(750, 24_000);
    expect(result).toEqual({
      path,
      bytes: bytes.length,
      sha256: sha256(bytes),
      frames,
      sampleRate: 24_000,
      channels: 2,
      durationSec: frames / 24_000,
    });
    expect(bytes.length).toBe(WAV_HEADER_BYTES + frames * 2 * 2);
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
    expect(bytes.readUInt32LE(40)).toBe(frames * 4);

    const decoded = decodeWav(bytes);
    expect(decoded.sampleRate).toBe(24_000);
    expect(decoded.channels).toBe(2);
    expect(decoded.samples.length).toBe(frames * 2);
  });

  it('converts pieces of other rates and channel counts to the output format', async () => {
    const pieces: StitchPiece[] = [
      { sampleRate: 16_000, channels: 1, frames: 1_601, pauseAfterMs: 80 },
      { sampleRate: 22_050, channels: 2, frames: 2_205, pauseAfterMs: 300 },
      { sampleRate: 24_000, channels: 1, frames: 2_399, pauseAfterMs: 0 },
      { sampleRate: 32_000, channels: 2, frames: 3_333, pauseAfterMs: 900 },
    ];
    for (const format of [
      { sampleRate: 24_000, channels: 1 },
      { sampleRate: 44_100, channels: 2 },
      { sampleRate: 22_050, channels: 1 },
    ]) {
      const path = join(dir, `mixed-${format.sampleRate}-${format.channels}.wav`);
      const result = await stitchWav({ pieces, load: async (p) => toneAudio(p), format, path });

      const expectedFrames = pieces.reduce(
        (sum, p) => sum + resampledFrameCount(p.frames, p.sampleRate, format.sampleRate) + pauseFrames(p.pauseAfterMs, format.sampleRate),
        0,
      );
      expect(result.frames).toBe(expectedFrames);
      const decoded = decodeWav(await readFile(path));
      expect(decoded.sampleRate).toBe(format.sampleRate);
      expect(decoded.channels).toBe(format.channels);
      expect(decoded.samples.length).toBe(expectedFrames * format.channels);
    }
  });

  it('mixes a stereo piece down to mono by averaging its channels', async () => {
    const stereo: PcmAudio = { sampleRate: 24_000, channels: 2, samples: new Int16Array([1_000, 3_000, -100, 300, 7, 8]) };
    const path = join(dir, 'mono.wav');
    await stitchWav({
      pieces: [{ sampleRate: 24_000, channels: 2, frames: 3, pauseAfterMs: 0 }],
      load: async () => stereo,
      format: { sampleRate: 24_000, channels: 1 },
      path,
    });
    expect(Array.from(decodeWav(await readFile(path)).samples)).toEqual([2_000, 100, 8]);
  });

  it('leaves only the output file in the directory (no temporary file)', async () => {
    const path = join(dir, 'only.wav');
    await stitchWav({
      pieces: [piece(5, 100, 10)],
      load: async (p) => constantAudio(p),
      format: { sampleRate: 24_000, channels: 1 },
      path,
    });
    expect(await readdir(dir)).toEqual(['only.wav']);
  });

  it('creates no file and leaves no temporary file when loading a piece fails', async () => {
    const path = join(dir, 'failed.wav');
    const pieces = [piece(1, 100, 0), piece(2, 100, 0), piece(3, 100, 0)];
    await expect(
      stitchWav({
        pieces,
        load: async (p) => {
          if (p.value === 2) throw new Error('blob missing');
          return constantAudio(p);
        },
        format: { sampleRate: 24_000, channels: 1 },
        path,
      }),
    ).rejects.toThrow('blob missing');
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a piece whose audio does not have the frames its ref promised, and cleans up', async () => {
    const path = join(dir, 'short.wav');
    await expect(
      stitchWav({
        pieces: [piece(1, 100, 0)],
        load: async (p) => constantAudio({ ...p, frames: 99 }),
        format: { sampleRate: 24_000, channels: 1 },
        path,
      }),
    ).rejects.toThrow(/promised/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('pcm conversions', () => {
  it('convertChannels averages stereo to mono and duplicates mono to stereo', () => {
    const stereo: PcmAudio = {
      sampleRate: 16_000,
      channels: 2,
      samples: new Int16Array([10, 20, -10, -30, 32_767, 32_767, -32_768, -32_768]),
    };
    expect(convertChannels(stereo, 1)).toEqual({ sampleRate: 16_000, channels: 1, samples: new Int16Array([15, -20, 32_767, -32_768]) });

    const mono: PcmAudio = { sampleRate: 16_000, channels: 1, samples: new Int16Array([1, -2, 3]) };
    expect(convertChannels(mono, 2)).toEqual({ sampleRate: 16_000, channels: 2, samples: new Int16Array([1, 1, -2, -2, 3, 3]) });
    expect(convertChannels(mono, 1)).toBe(mono);
  });

  it('resamplePcm produces resampledFrameCount frames per channel', () => {
    for (const [frames, from, to] of [
      [12_345, 22_050, 24_000],
      [99_999, 24_000, 22_050],
      [1_000, 16_000, 48_000],
      [7, 11_025, 48_000],
      [44_100, 44_100, 8_000],
      [3_001, 32_000, 24_000],
    ] as const) {
      for (const channels of [1, 2]) {
        const audio = toneAudio({ frames, sampleRate: from, channels, pauseAfterMs: 0 });
        const out = resamplePcm(audio, to);
        expect(out.sampleRate).toBe(to);
        expect(out.channels).toBe(channels);
        expect(out.samples.length).toBe(resampledFrameCount(frames, from, to) * channels);
      }
    }
  });

  it('resamplePcm keeps the signal (a constant stays roughly constant away from the edges)', () => {
    const audio: PcmAudio = { sampleRate: 16_000, channels: 1, samples: new Int16Array(1_600).fill(5_000) };
    const out = resamplePcm(audio, 24_000);
    const middle = Array.from(out.samples.subarray(600, 1_800));
    for (const sample of middle) expect(Math.abs(sample - 5_000)).toBeLessThan(250);
  });
});

describe('wav encoding', () => {
  it('encodeWav writes the bytes wavefile writes, and decodeWav reads them back, for views into larger buffers too', () => {
    for (const [frames, sampleRate, channels] of [
      [0, 16_000, 1],
      [1, 22_050, 2],
      [24_000, 24_000, 1],
      [3_001, 48_000, 2],
    ] as const) {
      const audio = toneAudio({ frames, sampleRate, channels, pauseAfterMs: 0 });
      const view: PcmAudio = { ...audio, samples: new Int16Array([7, ...audio.samples, 9]).subarray(1, 1 + audio.samples.length) };
      for (const input of [audio, view]) {
        const reference = new WaveFile();
        reference.fromScratch(channels, sampleRate, '16', input.samples);
        const encoded = encodeWav(input);
        expect(Buffer.from(encoded).equals(Buffer.from(reference.toBuffer()))).toBe(true);
        expect(decodeWav(encoded)).toEqual({ sampleRate, channels, samples: audio.samples });
      }
    }
  });
});
