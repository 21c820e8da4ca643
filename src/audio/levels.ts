// A chunk's loudness record: what an EBU R128 meter (BS.1770-4, as ffmpeg's ebur128 computes it)
// needs from a chunk, computed once where the chunk is made and kept beside its audio. Mapped
// onto a document's placement (document-loudness.ts), the records give the whole document's gated
// loudness and true peak before a sample of it is read, so the stitch knows its gain up front.

import { oversampleFor, truePeak } from './true-peak.ts';

/** Bump when what a record holds, or how it is computed, changes (its store key carries it too). */
export const LEVELS_VERSION = 1;
/** K-weighted energy is kept per sub-step of this many ms: fine enough to map onto any 100 ms grid. */
export const SUB_STEP_MS = 10;
/** The sample peak is kept per step of this many ms (the meter's step). */
export const PEAK_STEP_MS = 100;
/** Below this (about -50 dBFS) a sample counts as silence: the joiner's threshold (speech-bounds.ts). */
const SILENCE_THRESHOLD = 100;
const MAGIC = 'LVL1';

export interface LevelsHeader {
  v: number;
  sampleRate: number;
  channels: number;
  frames: number;
  /** Of the WAV bytes the record was computed from: a record never describes other audio. */
  audioSha256: string;
  audioBytes: number;
  /** First and last frame holding a sample above the silence threshold; -1 when none does. */
  first: number;
  last: number;
  /** Largest |sample| / 32768. */
  samplePeak: number;
  /** Largest |sample| between samples too (linear, 1 = full scale), by `oversample`x interpolation. */
  truePeak: number;
  oversample: number;
  /** Σ sample² over all samples and channels, samples / 32768, unweighted (ACX's RMS). */
  sumSquares: number;
}

export interface ChunkLevels extends LevelsHeader {
  /** Per 10 ms sub-step j (frames ⌊j·rate/100⌋ to ⌊(j+1)·rate/100⌋): Σ over channels of the K-weighted z². */
  k10: Float32Array;
  /** Per 100 ms step of the chunk: the sample peak (linear), where a limiter can act. */
  sp100: Float32Array;
}

/** A record that cannot be used: torn, of another version, or of other audio. Counts as missing. */
export class LevelsRecordError extends Error {
  override name = 'LevelsRecordError';
}

/** First frame of sub-step `j` of `stepMs` at `sampleRate`. */
export function subStepStart(j: number, sampleRate: number, stepMs = SUB_STEP_MS): number {
  return Math.floor((j * sampleRate * stepMs) / 1000);
}

/** How many (possibly partial) steps of `stepMs` cover `frames`. */
export function stepCount(frames: number, sampleRate: number, stepMs: number): number {
  return Math.ceil((frames * 1000) / (sampleRate * stepMs));
}

/** The record of 16-bit PCM at its own rate and channels. */
export function computeLevels(
  audio: { sampleRate: number; channels: number; samples: Int16Array },
  stored: { audioSha256: string; audioBytes: number },
): ChunkLevels {
  const { sampleRate, channels, samples } = audio;
  if (!(sampleRate > 0) || !(channels > 0) || samples.length % channels !== 0) {
    throw new RangeError(`cannot measure ${samples.length} samples as ${channels} channels at ${sampleRate} Hz`);
  }
  const frames = samples.length / channels;
  const k10 = kWeightedEnergy(samples, sampleRate, channels, frames);
  const sp100 = new Float32Array(stepCount(frames, sampleRate, PEAK_STEP_MS));
  let peak = 0;
  let sumSquares = 0;
  // Sample indices while measuring (a division per loud sample cost about 1 ms of a 14 ms record); frames in the record.
  let first = -1;
  let last = -1;
  for (let step = 0; step < sp100.length; step++) {
    const end = Math.min(frames, subStepStart(step + 1, sampleRate, PEAK_STEP_MS)) * channels;
    let stepPeak = 0;
    for (let i = subStepStart(step, sampleRate, PEAK_STEP_MS) * channels; i < end; i++) {
      const x = samples[i]!;
      const magnitude = x < 0 ? -x : x;
      if (magnitude > stepPeak) stepPeak = magnitude;
      sumSquares += x * x;
      if (magnitude > SILENCE_THRESHOLD) {
        if (first < 0) first = i;
        last = i;
      }
    }
    sp100[step] = stepPeak / 32768;
    if (stepPeak > peak) peak = stepPeak;
  }
  const oversample = oversampleFor(sampleRate);
  return {
    v: LEVELS_VERSION,
    sampleRate,
    channels,
    frames,
    audioSha256: stored.audioSha256,
    audioBytes: stored.audioBytes,
    first: first < 0 ? -1 : Math.floor(first / channels),
    last: last < 0 ? -1 : Math.floor(last / channels),
    samplePeak: peak / 32768,
    truePeak: truePeak(samples, channels, frames, oversample, peak) / 32768,
    oversample,
    sumSquares: sumSquares / 32768 ** 2,
    k10,
    sp100,
  };
}

// --- K-weighting ---

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * BS.1770's two stages at `sampleRate`, with libebur128's formula (ffmpeg's constants at 48 kHz
 * are these): a high shelf of about +4 dB above 1.7 kHz, then the RLB high-pass at 38 Hz.
 */
export function kWeighting(sampleRate: number): { shelf: Biquad; highPass: Biquad } {
  const K = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  let Q = 0.7071752369554196;
  const Vh = 10 ** (3.999843853973347 / 20);
  const Vb = Vh ** 0.4996667741545416;
  const a0 = 1 + K / Q + K * K;
  const shelf = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  // libebur128 leaves the high-pass's numerator [1, -2, 1] unscaled: its pass-band gain, 1 + K/Q + K²,
  // grows as the rate falls. BS.1770's offset (-0.691) assumes the 48 kHz gain, so that one is kept.
  const highPassGain = (rate: number) => {
    const k = Math.tan((Math.PI * 38.13547087602444) / rate);
    return { k, r0: 1 + k / 0.5003270373238773 + k * k };
  };
  const { k: Kh, r0 } = highPassGain(sampleRate);
  const g = highPassGain(48_000).r0 / r0;
  Q = 0.5003270373238773;
  const highPass = { b0: g, b1: -2 * g, b2: g, a1: (2 * (Kh * Kh - 1)) / r0, a2: (1 - Kh / Q + Kh * Kh) / r0 };
  return { shelf, highPass };
}

/** Σ over channels of the K-weighted z² per 10 ms sub-step, summed in double, samples / 32768 as ffmpeg scales them. */
function kWeightedEnergy(samples: Int16Array, sampleRate: number, channels: number, frames: number): Float32Array {
  const { shelf, highPass } = kWeighting(sampleRate);
  // Locals, not properties: the loop below is the record's cost.
  const [pb0, pb1, pb2, pa1, pa2] = [shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2];
  const [rb0, rb1, rb2, ra1, ra2] = [highPass.b0, highPass.b1, highPass.b2, highPass.a1, highPass.a2];
  const count = stepCount(frames, sampleRate, SUB_STEP_MS);
  const sums = new Float64Array(count);
  const scale = 1 / 32768;
  for (let c = 0; c < channels; c++) {
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    let z1 = 0;
    let z2 = 0;
    let f = 0;
    for (let j = 0; j < count; j++) {
      const end = Math.min(frames, subStepStart(j + 1, sampleRate));
      let sum = 0;
      for (let i = f * channels + c; f < end; f++, i += channels) {
        const x = samples[i]! * scale;
        const y = pb0 * x + pb1 * x1 + pb2 * x2 - pa1 * y1 - pa2 * y2;
        const z = rb0 * y + rb1 * y1 + rb2 * y2 - ra1 * z1 - ra2 * z2;
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        z2 = z1;
        z1 = z;
        sum += z * z;
      }
      sums[j]! += sum;
    }
  }
  return Float32Array.from(sums);
}

// --- The stored form: "LVL1", the header's length (u32 LE), the JSON header, padding to 4, k10, sp100 (f32 LE) ---

export function serializeLevels(levels: ChunkLevels): Uint8Array {
  const { k10, sp100, ...header } = levels;
  const json = new TextEncoder().encode(JSON.stringify({ ...header, k10: k10.length, sp100: sp100.length }));
  const arraysAt = align4(8 + json.length);
  const bytes = new Uint8Array(arraysAt + (k10.length + sp100.length) * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  const view = new DataView(bytes.buffer, arraysAt);
  for (let i = 0; i < k10.length; i++) view.setFloat32(i * 4, k10[i]!, true);
  for (let i = 0; i < sp100.length; i++) view.setFloat32((k10.length + i) * 4, sp100[i]!, true);
  return bytes;
}

/** The record in `bytes`, refused (LevelsRecordError) unless whole and of the audio `expected` names. */
export function parseLevels(bytes: Uint8Array, expected: { audioSha256: string; audioBytes?: number }): ChunkLevels {
  const refuse = (why: string) => new LevelsRecordError(`levels record of ${expected.audioSha256.slice(0, 12)}…: ${why}`);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw refuse('not a LVL1 record');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(4, true);
  if (8 + jsonLength > bytes.length) throw refuse('torn in its header');
  let header: LevelsHeader & { k10: number; sp100: number };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength)));
  } catch {
    throw refuse('its header is not JSON');
  }
  if (header.v !== LEVELS_VERSION) throw refuse(`version ${header.v}, not ${LEVELS_VERSION}`);
  if (header.audioSha256 !== expected.audioSha256) throw refuse(`it describes other audio (${header.audioSha256})`);
  if (expected.audioBytes !== undefined && header.audioBytes !== expected.audioBytes) {
    throw refuse(`it describes ${header.audioBytes} bytes of audio, not ${expected.audioBytes}`);
  }
  const subSteps = stepCount(header.frames, header.sampleRate, SUB_STEP_MS);
  const steps = stepCount(header.frames, header.sampleRate, PEAK_STEP_MS);
  if (header.k10 !== subSteps || header.sp100 !== steps) throw refuse('its arrays do not fit its frames');
  const arraysAt = align4(8 + jsonLength);
  if (bytes.length !== arraysAt + (subSteps + steps) * 4) throw refuse(`torn: ${bytes.length} bytes`);
  const floats = (at: number, count: number) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + i * 4, true);
    return out;
  };
  const { k10: _k, sp100: _s, ...rest } = header;
  return { ...rest, k10: floats(arraysAt, subSteps), sp100: floats(arraysAt + subSteps * 4, steps) };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
