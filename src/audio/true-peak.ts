// A chunk's true peak (BS.1770-4, annex 2): the largest |value| of the band-limited signal between
// its samples, by interpolating towards 192 kHz (ffmpeg's rate for it) with Kaiser-windowed sinc
// branches. Only blocks whose bound could beat the peak found so far are looked at, and in them
// only the gaps next to a peak of the samples. This was most of a loudness record's time, and the
// stitch waits for the last chunks' records: the work runs in WebAssembly (true-peak.wat), the
// same numbers to the last bit, 23-24 ms -> 7 ms for a chunk of 19 s at 24 kHz (a record: 31 -> 14 ms).

import { TRUE_PEAK_WASM_BASE64 } from './true-peak-wasm.ts';

/** Oversample towards 192 kHz, never more than this. */
const MAX_OVERSAMPLE = 8;
/** Taps of each polyphase branch of the interpolator (true-peak.wat sums 32). */
const TAPS = 32;
/** Frames per block whose bound decides whether the block is interpolated at all. */
const BLOCK = 16;
const DOUBLE = 8;

export function oversampleFor(sampleRate: number): number {
  return Math.max(1, Math.min(MAX_OVERSAMPLE, Math.ceil(192_000 / sampleRate)));
}

/** Largest |value| of the band-limited signal at `factor` points per sample (in 16-bit units). */
export function truePeak(samples: Int16Array, channels: number, frames: number, factor: number, samplePeak: number): number {
  if (factor <= 1 || samplePeak === 0) return samplePeak;
  const { taps, gain } = interpolator(factor);
  const blockCount = Math.ceil(frames / BLOCK);
  // The module's memory: the taps, the samples, one channel as doubles padded with TAPS zeros each
  // side, each block's largest sample (block b at b + 1, zeros around), and the windows to interpolate.
  const samplesAt = taps.byteLength;
  const channelAt = samplesAt + Math.ceil(samples.byteLength / 16) * 16;
  const largestAt = channelAt + (frames + 2 * TAPS) * DOUBLE;
  const windowsAt = largestAt + (blockCount + 2) * DOUBLE;
  const module = peakModule(windowsAt + frames * 4);
  new Float64Array(module.memory.buffer, 0, taps.length).set(taps);
  new Int16Array(module.memory.buffer, samplesAt, samples.length).set(samples);
  const channel = new Float64Array(module.memory.buffer, channelAt, frames + 2 * TAPS);
  const peakOf = (count: number) => module.peak(windowsAt, count, 0, taps.length / TAPS);
  let peak = samplePeak;
  for (let c = 0; c < channels; c++) {
    channel.fill(0, 0, TAPS);
    channel.fill(0, TAPS + frames);
    new Float64Array(module.memory.buffer, largestAt, blockCount + 2).fill(0);
    // The loudest block first: its peak rules out most others (what a window can reach is the
    // largest sample it sees, of blocks b - 1 to b + 1, times the branches' Σ|h|).
    const loudest = module.load(samplesAt + c * 2, frames, channels, channelAt + TAPS * DOUBLE, largestAt);
    const loudestWindows = (module.blockWindows(channelAt, frames, loudest, windowsAt) - windowsAt) / 4;
    peak = Math.max(peak, peakOf(loudestWindows));
    const count = module.windows(channelAt, frames, largestAt, blockCount, loudest, peak, gain, windowsAt);
    peak = Math.max(peak, peakOf(count));
  }
  return peak;
}

const interpolators = new Map<number, { taps: Float64Array; gain: number }>();

/**
 * Kaiser-windowed sinc branches for `factor`x interpolation, TAPS each, one after the other (and
 * one of zeros to make them even: the module takes two at a time), and the most any can amplify (Σ|h|).
 */
function interpolator(factor: number) {
  const known = interpolators.get(factor);
  if (known) return known;
  const beta = 8;
  const half = TAPS / 2;
  const bessel = (x: number) => {
    let sum = 1;
    let term = 1;
    for (let k = 1; k < 30; k++) {
      term *= (x / (2 * k)) ** 2;
      sum += term;
    }
    return sum;
  };
  const taps = new Float64Array((factor - 1 + ((factor - 1) % 2)) * TAPS);
  let gain = 0;
  for (let p = 1; p < factor; p++) {
    let absolute = 0;
    for (let k = 0; k < TAPS; k++) {
      const t = k - half + 1 - p / factor; // distance from the output point to input k - half + 1
      const sinc = Math.sin(Math.PI * t) / (Math.PI * t);
      const w = bessel(beta * Math.sqrt(Math.max(0, 1 - (t / half) ** 2))) / bessel(beta);
      taps[(p - 1) * TAPS + k] = sinc * w;
      absolute += Math.abs(sinc * w);
    }
    gain = Math.max(gain, absolute);
  }
  const made = { taps, gain };
  interpolators.set(factor, made);
  return made;
}

// --- The module ---

interface PeakExports {
  memory: { buffer: ArrayBuffer; grow: (pages: number) => number };
  /** One channel of the samples at `samples` as doubles at `channel`, each block's largest |sample| at `largest`: the loudest block. */
  load: (samples: number, frames: number, channels: number, channel: number, largest: number) => number;
  /** The windows of every block but `skip` that could beat `peak`, as byte offsets at `windows`: how many. */
  windows: (
    channel: number,
    frames: number,
    largest: number,
    blocks: number,
    skip: number,
    peak: number,
    gain: number,
    windows: number,
  ) => number;
  /** Block b's windows, as byte offsets from `at`: where the next would go. */
  blockWindows: (channel: number, frames: number, b: number, at: number) => number;
  /** Largest |y| over `branches` branches of taps at `taps` for `count` windows whose byte offsets are at `windows`. */
  peak: (windows: number, count: number, taps: number, branches: number) => number;
}

/** Node runs WebAssembly; TypeScript declares it only with the DOM's types. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: PeakExports };
};

const PAGE_BYTES = 64 * 1024;
let instance: PeakExports | undefined;

/** Compiled on first use (a kilobyte: synchronously) and kept, its memory grown to at least `bytes`. */
function peakModule(bytes: number): PeakExports {
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(TRUE_PEAK_WASM_BASE64, 'base64'))).exports;
  const missing = Math.ceil((bytes - instance.memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) instance.memory.grow(missing);
  return instance;
}
