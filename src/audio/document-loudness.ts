// A document's loudness from its chunks' levels records (levels.ts) mapped onto where the joiner
// placed them: integrated loudness, loudness range and true peak as ffmpeg's ebur128 would read
// them on the joined stream, without reading a sample. ffmpeg's grid: 100 ms steps from the
// document's first frame, blocks of 4 steps (400 ms) for integrated loudness and of 30 (3 s) for
// the range, a trailing partial step dropped, block loudness binned to 0.01 LU before gating.

import type { LoudnessFigures } from '../contract/reports.ts';
import { type ChunkLevels, SUB_STEP_MS, subStepStart } from './levels.ts';

/** One chunk's kept span in the document. */
export interface PlacedLevels {
  levels: Pick<ChunkLevels, 'sampleRate' | 'channels' | 'k10' | 'truePeak'>;
  /** The source frames kept, [start, end) (the joiner's trim). */
  start: number;
  end: number;
  /** Where the kept span starts in the document and how many output frames it takes. */
  startFrame: number;
  frames: number;
}

export interface DocumentFormat {
  sampleRate: number;
  channels: number;
}

export type DocumentLoudness =
  | { kind: 'measured'; figures: LoudnessFigures }
  /** Pieces whose conversion the records cannot follow (down-sampled, or mixed down to fewer channels): measure them. */
  | { kind: 'fallback'; pieces: number[] };

const ABS_GATE = -70;
const RELATIVE_GATE = -10;
const RANGE_GATE = -20;
/** ffmpeg's histogram: 0.01 LU bins from -70 to +10 LUFS. */
const GRAIN = 100;
const BINS = (10 - ABS_GATE) * GRAIN + 1;

const loudnessOf = (power: number) => -0.691 + 10 * Math.log10(power);
const binOf = (loudness: number) => Math.min(BINS - 1, Math.max(0, Math.trunc((loudness - ABS_GATE) * GRAIN)));
const binLoudness = (bin: number) => bin / GRAIN + ABS_GATE;

/** Pieces the records cannot map: the output rate is below theirs, or they are mixed down. */
export function unmappablePieces(pieces: readonly PlacedLevels[], format: DocumentFormat): number[] {
  return pieces.flatMap((piece, i) => (recordMaps(piece.levels, format) ? [] : [i]));
}

/** Whether a record of audio in `source` maps onto the document: up-sampled or as is, mono or as many channels. */
export function recordMaps(source: DocumentFormat, format: DocumentFormat): boolean {
  return source.sampleRate <= format.sampleRate && (source.channels === format.channels || source.channels === 1);
}

/**
 * The document's loudness from its pieces' records; `frames` is the whole document's length (files
 * in a row). `stepGains`, per 100 ms step, the mean square of a gain applied on top (a limiter's).
 */
export function documentLoudness(
  pieces: readonly PlacedLevels[],
  format: DocumentFormat,
  frames: number,
  stepGains?: Float64Array,
): DocumentLoudness {
  const unmappable = unmappablePieces(pieces, format);
  if (unmappable.length) return { kind: 'fallback', pieces: unmappable };
  const powers = stepPowers(pieces, format, frames);
  if (stepGains) for (let k = 0; k < powers.length; k++) powers[k]! *= stepGains[k] ?? 1;
  const peak = Math.max(0, ...pieces.map((piece) => piece.levels.truePeak));
  const integrated = gatedLoudness(windowPowers(powers, 4), RELATIVE_GATE);
  return {
    kind: 'measured',
    figures: {
      integratedLufs: integrated,
      rangeLu: loudnessRange(windowPowers(powers, 30)),
      truePeakDb: peak > 0 ? 20 * Math.log10(peak) : null,
    },
  };
}

/**
 * The mean K-weighted power of every whole 100 ms step of the document. A piece's share of a step
 * is the energy between the two source positions the step's edges map to, from the running sum
 * of its 10 ms sub-steps (linear inside one); per second of audio, so the rates need not match.
 */
export function stepPowers(pieces: readonly PlacedLevels[], format: DocumentFormat, frames: number): Float64Array {
  const stepFrames = format.sampleRate / 10;
  const powers = new Float64Array(Math.floor(frames / stepFrames + 1e-9));
  for (const piece of pieces) {
    const { sampleRate, channels, k10 } = piece.levels;
    const cumulative = new Float64Array(k10.length + 1);
    for (let j = 0; j < k10.length; j++) cumulative[j + 1] = cumulative[j]! + k10[j]!;
    const energyBefore = (source: number) => {
      let j = Math.min(k10.length - 1, Math.floor((source * 1000) / (sampleRate * SUB_STEP_MS)));
      if (j + 1 < k10.length && source >= subStepStart(j + 1, sampleRate)) j++;
      const from = subStepStart(j, sampleRate);
      const to = subStepStart(j + 1, sampleRate);
      return cumulative[j]! + k10[j]! * Math.min(1, Math.max(0, (source - from) / (to - from)));
    };
    const ratio = sampleRate / format.sampleRate;
    const toSource = (t: number) => Math.min(piece.end, piece.start + (t - piece.startFrame) * ratio);
    // Mono copied to every channel adds its energy once per channel (every channel weighs 1).
    const scale = (channels === format.channels ? 1 : format.channels) / (sampleRate / 10);
    const first = Math.max(0, Math.floor(piece.startFrame / stepFrames));
    const last = Math.min(powers.length - 1, Math.ceil((piece.startFrame + piece.frames) / stepFrames) - 1);
    for (let k = first; k <= last; k++) {
      const a = Math.max(piece.startFrame, k * stepFrames);
      const b = Math.min(piece.startFrame + piece.frames, (k + 1) * stepFrames);
      if (b > a) powers[k]! += (energyBefore(toSource(b)) - energyBefore(toSource(a))) * scale;
    }
  }
  return powers;
}

/** The mean power of each window of `steps` steps ending at every step, from the first whole one. */
function windowPowers(powers: Float64Array, steps: number): Float64Array {
  const out = new Float64Array(Math.max(0, powers.length - steps + 1));
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let i = k; i < k + steps; i++) sum += powers[i]!;
    out[k] = sum / steps;
  }
  return out;
}

/** BS.1770's gating as ffmpeg does it: blocks at or above -70 LUFS, then above their mean power + `gate` LU, binned. */
function gatedLoudness(blocks: Float64Array, gate: number): number | null {
  const { counts, kept, keptPower } = histogram(blocks);
  if (kept === 0) return null;
  const from = binOf(loudnessOf(keptPower / kept) + gate);
  let n = 0;
  let energy = 0;
  for (let bin = from; bin < BINS; bin++) {
    n += counts[bin]!;
    energy += counts[bin]! * 10 ** ((binLoudness(bin) + 0.691) / 10);
  }
  if (n === 0) return null;
  const integrated = loudnessOf(energy / n);
  return integrated <= ABS_GATE ? null : integrated;
}

/** EBU Tech 3342 as ffmpeg does it: 3 s blocks gated at -20 LU, the 10th to the 95th percentile of the bins. */
function loudnessRange(blocks: Float64Array): number {
  const { counts, kept, keptPower } = histogram(blocks);
  if (kept === 0) return 0;
  const from = binOf(loudnessOf(keptPower / kept) + RANGE_GATE);
  let total = 0;
  for (let bin = from; bin < BINS; bin++) total += counts[bin]!;
  if (total === 0) return 0;
  let low = binLoudness(from);
  let n = 0;
  const lowCount = Math.trunc((10 * total) / 100 + 0.5);
  for (let bin = from; bin < BINS; bin++) {
    n += counts[bin]!;
    if (n >= lowCount) {
      low = binLoudness(bin);
      break;
    }
  }
  let high = low;
  n = total;
  const highCount = Math.trunc((95 * total) / 100 + 0.5);
  for (let bin = BINS - 1; bin >= 0; bin--) {
    n -= counts[bin]!;
    if (n < highCount) {
      high = binLoudness(bin);
      break;
    }
  }
  return high - low;
}

function histogram(blocks: Float64Array) {
  const counts = new Uint32Array(BINS);
  let kept = 0;
  let keptPower = 0;
  for (const block of blocks) {
    // ffmpeg starts each block's power at 1e-12 (in its 48 kHz sum): digital silence stays finite.
    const power = block + 1e-12 / 19_200;
    const loudness = loudnessOf(power);
    if (loudness < ABS_GATE) continue;
    counts[binOf(loudness)]!++;
    kept++;
    keptPower += power;
  }
  return { counts, kept, keptPower };
}
