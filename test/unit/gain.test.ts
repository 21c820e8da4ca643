import { describe, expect, it } from 'vitest';
import { compiledWasm, WASM_MODULES } from '../../scripts/build-wasm.ts';
import { applyGain, applyGainInPlace, gainFactor } from '../../src/audio/gain.ts';
import { GAIN_WASM_BASE64 } from '../../src/audio/gain-wasm.ts';

/** One sample levelled in plain arithmetic: times the single-precision factor, rounded half up, clipped. */
function levelled(sample: number, gainDb: number): number {
  const value = Math.floor(Math.fround(Math.fround(sample * gainFactor(gainDb)) + 0.5));
  return Math.min(32_767, Math.max(-32_768, value));
}

function everySample(): Int16Array {
  const samples = new Int16Array(65_536);
  for (let i = 0; i < samples.length; i++) samples[i] = i - 32_768;
  return samples;
}

describe('applyGain', () => {
  it('is what gain.wat compiles to (npm run build:wasm after editing it)', async () => {
    expect(GAIN_WASM_BASE64).toBe(await compiledWasm(WASM_MODULES.gain));
  });

  it.each([-23.5, -3.3, 0.01, 6, 24])('levels every 16-bit value at %s dB as plain arithmetic does, clipping at the ends', (gainDb) => {
    const out = applyGain(everySample(), gainDb);
    const wrong = [...out.keys()].filter((i) => out[i] !== levelled(i - 32_768, gainDb));
    expect(wrong).toEqual([]);
    if (gainDb > 0) expect([out[0], out[65_535]]).toEqual([-32_768, 32_767]);
  });

  it('levels a view of any length in place and touches nothing around it, across blocks', () => {
    const whole = new Int16Array(100_003).map((_, i) => ((i * 7919) % 60_000) - 30_000);
    const before = whole.slice();
    const view = whole.subarray(5, 100_000); // odd start, not a whole number of blocks or vectors
    applyGainInPlace(view, -6);
    expect([...whole.subarray(0, 5), ...whole.subarray(100_000)]).toEqual([...before.subarray(0, 5), ...before.subarray(100_000)]);
    const wrong = [...view.keys()].filter((i) => view[i] !== levelled(before[i + 5]!, -6));
    expect(wrong).toEqual([]);
  });

  it('leaves its input alone, and returns the same samples at 0 dB', () => {
    const samples = everySample();
    const out = applyGain(samples, 3);
    expect(samples).toEqual(everySample());
    expect(out).not.toEqual(samples);
    expect(applyGain(samples, 0)).toBe(samples);
  });
});
