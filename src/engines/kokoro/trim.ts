// The model pads each call with ~0.3 s of silence before and ~0.5 s after: cut it by energy, keeping a
// few ms of margin, so that the stitcher's pauses alone decide the spacing.

import { clampInt16 } from '../../audio/pcm.ts';

const WINDOW_SEC = 0.005;
/** Quieter than this (RMS, full scale 1) is silence; relative to the loudest window, or at least absolute. */
const RELATIVE_THRESHOLD = 0.01;
const ABSOLUTE_THRESHOLD = 0.001;
const KEEP_BEFORE_SEC = 0.01;
const KEEP_AFTER_SEC = 0.025;

/** [start, end) of the part worth keeping; empty (start = end) when it is all silence. */
export function speechBoundsFloat32(samples: Float32Array, sampleRate: number): { start: number; end: number } {
  const window = Math.max(1, Math.round(sampleRate * WINDOW_SEC));
  const count = Math.ceil(samples.length / window);
  const rms = new Float64Array(count);
  for (let w = 0; w < count; w++) {
    let energy = 0;
    const end = Math.min(samples.length, (w + 1) * window);
    for (let i = w * window; i < end; i++) energy += samples[i]! * samples[i]!;
    rms[w] = Math.sqrt(energy / (end - w * window));
  }
  const threshold = Math.max(ABSOLUTE_THRESHOLD, RELATIVE_THRESHOLD * rms.reduce((max, value) => Math.max(max, value), 0));
  const first = rms.findIndex((value) => value >= threshold);
  if (first < 0) return { start: 0, end: 0 };
  const last = rms.findLastIndex((value) => value >= threshold);
  return {
    start: Math.max(0, first * window - Math.round(KEEP_BEFORE_SEC * sampleRate)),
    end: Math.min(samples.length, (last + 1) * window + Math.round(KEEP_AFTER_SEC * sampleRate)),
  };
}

/** Float samples in [-1, 1] to 16-bit PCM. */
export function float32ToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clampInt16(samples[i]! * 32767);
  return out;
}
