import { describe, expect, it } from 'vitest';
import { GainLimiter } from '../../src/audio/limiter.ts';
import { levelling, MAX_LIMITING_DB } from '../../src/audio/loudness.ts';

const RATE = 24_000;

/** Quiet speech-like tone with a few loud bursts. */
function signal(): Int16Array {
  return Int16Array.from({ length: RATE * 2 }, (_, i) => {
    const burst = (i > 10_000 && i < 10_500) || (i > 30_000 && i < 30_100) ? 8 : 1;
    return Math.round(2_000 * burst * Math.sin((2 * Math.PI * 300 * i) / RATE));
  });
}

function run(limiter: GainLimiter, input: Int16Array, block: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let at = 0; at < input.length; at += block) parts.push(limiter.process(input.subarray(at, at + block)));
  parts.push(limiter.finish());
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('GainLimiter', () => {
  it('gives every frame back once, in place, with the gain; only the peaks are held under the ceiling', () => {
    const input = signal();
    const ceilingDb = -6;
    const ceiling = 32_767 * 10 ** (ceilingDb / 20);
    for (const block of [1, 999, 24_000, input.length]) {
      const limiter = new GainLimiter(6, ceilingDb, RATE, 1);
      const out = run(limiter, input, block);
      expect(out.length).toBe(input.length);
      expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(Math.ceil(ceiling));
      // Before the bursts, and long after (the release is 80 ms): exactly the gain (6 dB), sample for sample in time.
      const gain = 10 ** (6 / 20);
      for (const i of [100, 5_000, 9_700, 47_000, 47_999]) expect(out[i]).toBe(Math.round(input[i]! * gain));
      // The bursts are lowered, not clipped: their shape (a sine) still crosses zero where it did.
      expect(Math.sign(out[10_250]!)).toBe(Math.sign(input[10_250]!));
      expect(limiter.limitedFrames).toBeGreaterThan(400);
      expect(limiter.limitedFrames).toBeLessThan(input.length / 2); // the bursts and their release, not the whole
    }
  });

  it('keeps stereo channels linked', () => {
    const mono = signal();
    const stereo = new Int16Array(mono.length * 2);
    mono.forEach((v, i) => {
      stereo[2 * i] = v;
      stereo[2 * i + 1] = v >> 1;
    });
    const out = run(new GainLimiter(6, -6, RATE, 2), stereo, 4_096);
    expect(out.length).toBe(stereo.length);
    for (const i of [10_250, 30_050]) expect(Math.abs(out[2 * i + 1]! - (out[2 * i]! >> 1))).toBeLessThanOrEqual(1);
  });
});

describe('levelling', () => {
  it('gains to the target; limits peaks it would push over the ceiling, by at most MAX_LIMITING_DB', () => {
    expect(levelling(-24, -18, -10, -1.5)).toEqual({ gainDb: 6 });
    expect(levelling(-24, -18, -3, -1.5)).toEqual({ gainDb: 6, limiterCeilingDb: -2.5 });
    expect(levelling(-30, -18, 0, -1.5)).toEqual({ gainDb: -1.5 + MAX_LIMITING_DB, limiterCeilingDb: -2.5 });
    expect(levelling(-10, -18, -1, -1.5)).toEqual({ gainDb: -8 });
    expect(levelling(null, -18, null, -1.5)).toEqual({ gainDb: 0 });
  });
});
