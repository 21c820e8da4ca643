import { describe, expect, it } from 'vitest';
import type { PcmAudio } from '../../src/contract/audio.ts';
import { Joiner, type JoinOptions, pauseFrames } from '../../src/stitch/joiner.ts';
import { KEEP_AFTER_MS, KEEP_BEFORE_MS } from '../../src/stitch/speech-bounds.ts';

const RATE = 24_000;
const format = { sampleRate: RATE, channels: 1 };

function tone(frames: number, { frequency = 440, amplitude = 8_000, phase = 0 } = {}): Int16Array {
  return Int16Array.from({ length: frames }, (_, i) => Math.round(amplitude * Math.sin(phase + (2 * Math.PI * frequency * i) / RATE)));
}

function audio(samples: Int16Array): PcmAudio {
  return { sampleRate: RATE, channels: 1, samples };
}

function padded(speech: Int16Array, beforeMs: number, afterMs: number): Int16Array {
  const out = new Int16Array(pauseFrames(beforeMs, RATE) + speech.length + pauseFrames(afterMs, RATE));
  out.set(speech, pauseFrames(beforeMs, RATE));
  return out;
}

function join(pieces: Array<{ samples: Int16Array; pauseAfterMs: number; exactPause?: boolean }>, options: JoinOptions) {
  const joiner = new Joiner(format, options);
  const blocks = pieces.flatMap(({ samples, pauseAfterMs, exactPause }, index) =>
    joiner.push(
      { index, sampleRate: RATE, channels: 1, frames: samples.length, pauseAfterMs, ...(exactPause ? { exactPause } : {}) },
      audio(samples),
    ),
  );
  blocks.push(...joiner.finish());
  const out = new Int16Array(blocks.reduce((sum, b) => sum + b.length, 0));
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return { out, placed: joiner.placed, frames: joiner.frames };
}

/** Runs of samples under the silence threshold, as [start, end) pairs, of at least `minFrames`. */
function silences(samples: Int16Array, minFrames: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= samples.length; i++) {
    const quiet = i < samples.length && Math.abs(samples[i]!) <= 100;
    if (quiet && start < 0) start = i;
    if (!quiet && start >= 0) {
      if (i - start >= minFrames) runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

function largestJump(samples: Int16Array): number {
  let largest = 0;
  for (let i = 1; i < samples.length; i++) largest = Math.max(largest, Math.abs(samples[i]! - samples[i - 1]!));
  return largest;
}

describe('Joiner', () => {
  it('makes every gap the pause asked for, whatever silence the engine left at the edges', () => {
    const speech = tone(2_400);
    const pieces = [
      { samples: padded(speech, 0, 0), pauseAfterMs: 300 },
      { samples: padded(speech, 250, 600), pauseAfterMs: 300 },
      { samples: padded(speech, 100, 200), pauseAfterMs: 750 },
      { samples: padded(speech, 400, 1_000), pauseAfterMs: 0 },
    ];
    const untrimmed = join(pieces, { trim: false, crossfadeMs: 0 });
    const trimmed = join(pieces, { trim: true, crossfadeMs: 0 });
    const gaps = (out: Int16Array) => silences(out, pauseFrames(100, RATE)).map(([start, end]) => end - start);

    // Without trimming the gaps are as uneven as the engine's padding ...
    expect(new Set(gaps(untrimmed.out.subarray(0, -1))).size).toBeGreaterThan(2);
    // ... with it, each is the pause plus the small floors kept around speech (the first piece had none before it).
    const floors = pauseFrames(KEEP_AFTER_MS, RATE) + pauseFrames(KEEP_BEFORE_MS, RATE);
    const expected = [300, 300, 750].map((ms, i) => pauseFrames(ms, RATE) + (i === 0 ? pauseFrames(KEEP_BEFORE_MS, RATE) : floors));
    gaps(trimmed.out).forEach((gap, i) => expect(Math.abs(gap - expected[i]!), `gap ${i}`).toBeLessThanOrEqual(3)); // a tone's zero crossing may add a sample
    // And every chunk is placed where its kept audio begins.
    for (const chunk of trimmed.placed.slice(1)) {
      expect(Math.abs(trimmed.out[chunk.startFrame + pauseFrames(KEEP_BEFORE_MS, RATE)]!)).toBeGreaterThan(0);
      expect(
        trimmed.out.subarray(chunk.startFrame, chunk.startFrame + pauseFrames(KEEP_BEFORE_MS, RATE) - 5).every((s) => Math.abs(s) <= 100),
      ).toBe(true);
      expect(Math.abs(trimmed.out[chunk.startFrame - 1]!)).toBeLessThanOrEqual(100);
    }
    expect(trimmed.frames).toBe(trimmed.out.length);
  });

  it('makes an exact pause ([pause:…]) the whole silence between the audible samples, edges and crossfade included', () => {
    const speech = tone(2_400);
    for (const options of [
      { trim: true, crossfadeMs: 0 },
      { trim: false, crossfadeMs: 0 },
      { trim: true, crossfadeMs: 20 },
    ]) {
      const { out, frames } = join(
        [
          { samples: padded(speech, 0, 600), pauseAfterMs: 2_000, exactPause: true },
          { samples: padded(speech, 250, 0), pauseAfterMs: 1_500, exactPause: true },
          { samples: padded(speech, 0, 0), pauseAfterMs: 500, exactPause: true },
        ],
        options,
      );
      const gaps = silences(out, pauseFrames(100, RATE)).map(([start, end]) => end - start);
      // The tail after the last piece is its pause too; a tone's zero crossing at an edge may add a sample.
      expect(gaps).toHaveLength(3);
      gaps.forEach((gap, i) => expect(Math.abs(gap - pauseFrames([2_000, 1_500, 500][i]!, RATE)), `gap ${i}`).toBeLessThanOrEqual(1));
      expect(frames).toBe(out.length);
    }
  });

  it('crossfades with equal power and leaves no click where chunks of a tone meet out of phase', () => {
    // A tone cut into chunks whose edges do not line up: a hard cut jumps, a crossfade does not.
    const pieces = [0, 2.1, 4.4, 1.3].map((phase) => ({ samples: tone(4_800, { phase }), pauseAfterMs: 0 }));
    const naturalStep = 8_000 * 2 * Math.sin((Math.PI * 440) / RATE); // the tone's own largest step
    const hardCut = join(pieces, { trim: true, crossfadeMs: 0 });
    const faded = join(pieces, { trim: true, crossfadeMs: 20 });
    expect(largestJump(hardCut.out)).toBeGreaterThan(3 * naturalStep);
    expect(largestJump(faded.out)).toBeLessThanOrEqual(1.5 * naturalStep);
    // Each join overlaps by the crossfade, and the chunks start where the overlap begins.
    const overlap = pauseFrames(20, RATE);
    expect(faded.frames).toBe(4 * 4_800 - 3 * overlap);
    expect(faded.placed.map((p) => p.startFrame)).toEqual([0, 1, 2, 3].map((i) => i * (4_800 - overlap)));
  });

  it('keeps every pause whole with a crossfade: audio only overlaps audio, where chunks meet without a pause', () => {
    const pieces = [300, 0, 750, 0].map((pauseAfterMs, i) => ({ samples: padded(tone(2_400, { phase: i }), 100, 100), pauseAfterMs }));
    const plain = join(pieces, { trim: true, crossfadeMs: 0 });
    const faded = join(pieces, { trim: true, crossfadeMs: 20 });
    const gaps = (out: Int16Array) => silences(out, pauseFrames(200, RATE)).map(([start, end]) => end - start);
    expect(gaps(faded.out)).toEqual(gaps(plain.out)); // the 300 and 750 ms pauses, untouched
    expect(faded.frames).toBe(plain.frames - pauseFrames(20, RATE)); // one overlap: the join without a pause
    expect(faded.placed[2]!.startFrame).toBe(plain.placed[2]!.startFrame - pauseFrames(20, RATE));
  });

  it('a continuous tone cut across chunks stays continuous, with or without a crossfade', () => {
    const whole = tone(12_000);
    const cuts = [0, 3_001, 7_777, 12_000];
    const pieces = cuts.slice(1).map((end, i) => ({ samples: whole.slice(cuts[i], end), pauseAfterMs: 0 }));
    const naturalStep = 8_000 * 2 * Math.sin((Math.PI * 440) / RATE);
    expect(largestJump(join(pieces, { trim: true, crossfadeMs: 0 }).out)).toBeLessThanOrEqual(naturalStep + 1);
    expect(largestJump(join(pieces, { trim: true, crossfadeMs: 15 }).out)).toBeLessThanOrEqual(1.5 * naturalStep);
  });

  it('a dry joiner places the chunks exactly as the real one', () => {
    const pieces = [tone(1_000), padded(tone(2_000), 100, 300), tone(999)].map((samples, i) => ({
      samples,
      pauseAfterMs: [150, 900, 0][i]!,
    }));
    const realFormat = { sampleRate: 22_050, channels: 2 };
    for (const options of [
      { trim: true, crossfadeMs: 0 },
      { trim: true, crossfadeMs: 30 },
      { trim: false, crossfadeMs: 0 },
    ]) {
      const real = new Joiner(realFormat, options);
      const dry = new Joiner(realFormat, options, true);
      pieces.forEach(({ samples, pauseAfterMs }, index) => {
        const piece = { index, sampleRate: RATE, channels: 1, frames: samples.length, pauseAfterMs };
        real.push(piece, audio(samples));
        dry.push(piece, audio(samples));
      });
      real.finish();
      dry.finish();
      expect(dry.placed).toEqual(real.placed);
      expect(dry.frames).toBe(real.frames);
    }
  });
});
