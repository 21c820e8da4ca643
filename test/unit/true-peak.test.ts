import { describe, expect, it } from 'vitest';
import { compiledWasm, WASM_MODULES } from '../../scripts/build-wasm.ts';
import { oversampleFor, truePeak } from '../../src/audio/true-peak.ts';
import { TRUE_PEAK_WASM_BASE64 } from '../../src/audio/true-peak-wasm.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';

const TAPS = 32;

/** The taps of branch p of `factor`x interpolation, as the product makes them (Kaiser-windowed sinc, beta 8). */
function branch(p: number, factor: number): number[] {
  const bessel = (x: number) => {
    let [sum, term] = [1, 1];
    for (let k = 1; k < 30; k++) {
      term *= (x / (2 * k)) ** 2;
      sum += term;
    }
    return sum;
  };
  return Array.from({ length: TAPS }, (_, k) => {
    const t = k - TAPS / 2 + 1 - p / factor;
    const window = bessel(8 * Math.sqrt(Math.max(0, 1 - (t / (TAPS / 2)) ** 2))) / bessel(8);
    return (Math.sin(Math.PI * t) / (Math.PI * t)) * window;
  });
}

/**
 * Plain arithmetic, no pruning: every gap next to a peak of the samples, every branch, the four
 * running sums (taps 0-3 mod 4) added left to right. Pruning by the blocks' bound cannot change the largest.
 */
function plainTruePeak(samples: Int16Array, channels: number, factor: number): number {
  const frames = samples.length / channels;
  const branches = Array.from({ length: factor - 1 }, (_, p) => branch(p + 1, factor));
  let peak = 0;
  for (const x of samples) peak = Math.max(peak, Math.abs(x));
  for (let c = 0; c < channels; c++) {
    const at = (f: number) => (f >= 0 && f < frames ? samples[f * channels + c]! : 0);
    const isPeak = (f: number) => Math.abs(at(f)) >= Math.abs(at(f - 1)) && Math.abs(at(f)) >= Math.abs(at(f + 1));
    for (let n = 0; n < frames; n++) {
      if (!isPeak(n) && !isPeak(n + 1)) continue;
      for (const taps of branches) {
        const sums = [0, 0, 0, 0];
        for (let k = 0; k < TAPS; k++) sums[k % 4]! += taps[k]! * at(n - TAPS / 2 + 1 + k);
        peak = Math.max(peak, Math.abs(sums[0]! + sums[1]! + sums[2]! + sums[3]!));
      }
    }
  }
  return peak;
}

function measured(samples: Int16Array, channels: number, factor: number): number {
  let samplePeak = 0;
  for (const x of samples) samplePeak = Math.max(samplePeak, Math.abs(x));
  return truePeak(samples, channels, samples.length / channels, factor, samplePeak);
}

function noise(length: number, amplitude: number, seed: number): Int16Array {
  let state = seed;
  return Int16Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.round((state / 2 ** 31 - 0.5) * 2 * amplitude);
  });
}

describe('truePeak', () => {
  it('is what true-peak.wat compiles to (npm run build:wasm after editing it)', async () => {
    expect(TRUE_PEAK_WASM_BASE64).toBe(await compiledWasm(WASM_MODULES.truePeak));
  });

  it.each([
    ['tones, mono, 24 kHz (8x)', simulatedAudio('Tones of every pitch, a word at a time.', 24_000, 15).samples, 1, 24_000],
    ['noise, stereo, 48 kHz (4x)', noise(2 * 48_001, 30_000, 7), 2, 48_000],
    ['noise, three channels, 96 kHz (2x)', noise(3 * 9_999, 12_000, 3), 3, 96_000],
    ['noise, mono, 44.1 kHz (5x: four branches, none added)', noise(30_001, 25_000, 5), 1, 44_100],
    ['noise, stereo, 64 kHz (3x: two branches)', noise(2 * 7_777, 28_000, 9), 2, 64_000],
    ['a full-scale square wave, 22.05 kHz (8x)', Int16Array.from({ length: 4_099 }, (_, i) => (i % 20 < 10 ? 32_767 : -32_768)), 1, 22_050],
  ])('finds what plain arithmetic finds, to the last bit: %s', (_, samples, channels, sampleRate) => {
    const factor = oversampleFor(sampleRate);
    const found = measured(samples, channels, factor);
    expect(found).toBe(plainTruePeak(samples, channels, factor));
    expect(found).toBeGreaterThanOrEqual(Math.max(...samples.map(Math.abs)));
  });

  it('hears a peak between samples at either end and in a quiet channel beside a loud one', () => {
    // One sample at each end of the right channel (the windows reach past the audio into zeros); the left is near silence.
    const frames = 1_000;
    const samples = new Int16Array(frames * 2);
    for (let f = 0; f < frames; f++) samples[f * 2] = f % 2 ? 3 : -3;
    samples[1] = 20_000;
    samples[(frames - 1) * 2 + 1] = -25_000;
    const found = measured(samples, 2, 4);
    expect(found).toBe(plainTruePeak(samples, 2, 4));
    expect(found).toBeGreaterThanOrEqual(25_000);
  });

  it('is the sample peak where the rate needs no interpolation, and 0 for silence', () => {
    const samples = noise(1_000, 10_000, 11);
    expect(measured(samples, 1, oversampleFor(192_000))).toBe(Math.max(...samples.map(Math.abs)));
    expect(measured(new Int16Array(500), 1, 4)).toBe(0);
  });

  it('measures a long chunk after a short one (the module grows its memory)', () => {
    const short = noise(100, 5_000, 1);
    const long = noise(48_000 * 30, 20_000, 2);
    expect(measured(short, 1, 4)).toBe(plainTruePeak(short, 1, 4));
    expect(measured(long, 1, 4)).toBe(plainTruePeak(long, 1, 4));
  });
});
