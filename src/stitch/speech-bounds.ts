// Where speech starts and ends in a chunk: engines pad their output with different amounts of
// silence (none, 100 ms, half a second), which would make the pauses between chunks uneven.

import type { PcmAudio } from '../contract/audio.ts';

/** Below this (about -50 dBFS) a sample counts as silence: under any consonant's onset. */
const SILENCE_THRESHOLD = 100;
/** Silence kept before the first and after the last audible sample: onsets and decays fade in and out. */
export const KEEP_BEFORE_MS = 20;
export const KEEP_AFTER_MS = 40;

/** The frames to keep, [start, end): the audible span [first, last] plus a little, never more than there is. */
export function speechBounds(audio: PcmAudio): { start: number; end: number; first: number; last: number } {
  const { samples, channels, sampleRate } = audio;
  const frames = samples.length / channels;
  let first = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > SILENCE_THRESHOLD) {
      first = Math.floor(i / channels);
      break;
    }
  }
  let last = first;
  for (let i = samples.length - 1; i >= 0 && first >= 0; i--) {
    if (Math.abs(samples[i]!) > SILENCE_THRESHOLD) {
      last = Math.floor(i / channels);
      break;
    }
  }
  return keptBounds(first, last, frames, sampleRate);
}

/**
 * The frames to keep from the first and last audible frame (-1: none), as a chunk's levels record
 * gives them (src/audio/levels.ts): the stitch can place a chunk without scanning its samples.
 */
export function keptBounds(first: number, last: number, frames: number, sampleRate: number) {
  if (first < 0) return { start: 0, end: frames, first: 0, last: frames - 1 }; // nothing audible: leave it as the engine made it
  const before = Math.round((KEEP_BEFORE_MS * sampleRate) / 1000);
  const after = Math.round((KEEP_AFTER_MS * sampleRate) / 1000);
  return { start: Math.max(0, first - before), end: Math.min(frames, last + 1 + after), first, last };
}
