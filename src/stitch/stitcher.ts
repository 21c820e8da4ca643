// Stitches a document streaming over its stored chunks, a few chunks in memory at a time (read
// ahead, and writes on their way), so memory does not grow with the document. Chapters and
// captions need the placement before the encoder starts; loudness needs the whole. With every
// chunk's levels record (src/audio/levels.ts) both are known before a sample is read, and the
// chunks are read once: join, gain, limit, write. Without them (or where the records cannot
// follow the join: a crossfade, a down-sampled or mixed-down chunk, ACX's levels), two passes:
// 1. place every chunk (and, with a loudness target, measure the whole document's loudness);
// 2. join again, apply the one gain, and write the file(s), measuring what was written.
// A document may be written as several files (one per chapter): each is joined on its own, with
// its own room tone, but the gain is the whole document's, so no file is louder than its neighbours.

import { documentLoudness, type PlacedLevels, recordMaps } from '../audio/document-loudness.ts';
import { applyGain, applyGainInPlace } from '../audio/gain.ts';
import type { ChunkLevels } from '../audio/levels.ts';
import { GainLimiter } from '../audio/limiter.ts';
import { type Levelling, LoudnessMeter, levelling } from '../audio/loudness.ts';
import { int16Bytes, MAX_WAV_DATA_BYTES } from '../audio/wav.ts';
import type { PcmAudio } from '../contract/audio.ts';
import type { LoudnessTarget } from '../contract/input-schema.ts';
import type { AcxReport, LoudnessFigures, LoudnessReport } from '../contract/reports.ts';
import { ACX, AcxMeter, type AudioFileWriter, type PausedWav, type WrittenFile } from '../formats/index.ts';
import { Joiner, type JoinOptions, type PlacedChunk, type StitchFormat, type StitchPiece } from './joiner.ts';
import { placedLevels } from './placed-levels.ts';
import { aheadPrefix, documentGain } from './stitch-ahead.ts';

export interface StitchPlan {
  placed: PlacedChunk[];
  frames: number;
}

export interface StitchOptions<P extends StitchPiece & { index: number }> {
  /** The pieces of each file, in order; one list for one file. */
  files: P[][];
  load: (piece: P) => Promise<PcmAudio>;
  format: StitchFormat;
  join: JoinOptions;
  /** Normalise the whole document to this; absent: the samples as the engines made them. */
  loudness?: LoudnessTarget;
  /** Level to ACX's RMS range instead, and check each file against its rules (`codec` etc. for the format rule). */
  acx?: { codec: string; bitrateKbps?: number };
  /**
   * Opens a file's output once its plan is known (chapters are timed by it); `resumed`: the file
   * `resume` stands for, to go on writing after its prefix.
   */
  open: (plan: StitchPlan, file: number, resumed?: boolean) => Promise<AudioFileWriter>;
  /** The document's first pieces, already written by `stitchPrefix`: used when the gain is theirs (stitch-ahead.ts). */
  resume?: StitchedPrefix;
  /** Who speaks each piece (a cast document): loudness is measured per voice too, as the engines made it. */
  voiceOf?: (piece: P) => string;
  /** Called after each piece of each pass, e.g. to heartbeat. */
  onPiece?: (index: number) => void;
  /** Stops between pieces when aborted; nothing is left under a final name. */
  signal?: AbortSignal;
  /** Each piece's levels record: with them, and `stitchesInOnePass`, the chunks are read once. */
  levelsOf?: (piece: P) => ChunkLevels;
  /** `load` reads each piece afresh for this stitch alone: the one pass levels its samples where they are. */
  loadsFresh?: boolean;
  /**
   * Called in the one pass once a piece's samples are written (the writer copies them) and nothing
   * reads them again: `load` may read the next pieces into their memory.
   */
  recycle?: (audio: PcmAudio) => void;
}

export interface StitchedFile extends StitchPlan {
  file: WrittenFile;
  acx?: AcxReport;
}

export interface StitchedDocument {
  files: StitchedFile[];
  /** Of all files, in a row. */
  frames: number;
  durationSec: number;
  loudness?: LoudnessReport;
  /** Of all files in a row; `pass` only when every file passes. */
  acx?: AcxReport & { gainDb: number; limitedMs: number };
  /** With `voiceOf` and a loudness target: each voice's integrated loudness before the gain. */
  voiceLoudness?: Map<string, LoudnessFigures>;
}

/** The first pieces of a one-file document, levelled and written ahead (stitchPrefix), the file left open. */
export interface StitchedPrefix {
  pieces: number;
  /** Output frames written. */
  frames: number;
  gainDb: number;
  file: PausedWav;
}

/** Voices measured on their own; a larger cast is reported by its share only (each meter is an ffmpeg process). */
const MAX_VOICE_METERS = 8;
/** Chunks read ahead of the one being joined. */
const READ_AHEAD = 4;

/**
 * Whether the records of these pieces can plan the stitch (then it reads each chunk once): they
 * cannot follow a crossfade, a chunk down-sampled or mixed down to the output, or ACX's RMS.
 */
export function stitchesInOnePass(
  format: StitchFormat,
  join: JoinOptions,
  pieces: ReadonlyArray<{ sampleRate: number; channels: number }>,
  acx?: unknown,
): boolean {
  return !acx && join.crossfadeMs === 0 && pieces.every((piece) => recordMaps(piece, format));
}

export async function stitchDocument<P extends StitchPiece & { index: number }>(options: StitchOptions<P>): Promise<StitchedDocument> {
  const { format, loudness, acx, levelsOf } = options;
  if (levelsOf && stitchesInOnePass(format, options.join, options.files.flat(), acx)) return stitchInOnePass(options, levelsOf);
  // Pass 1: placement, and the loudness (or ACX's levels) of the whole.
  const meter = loudness || acx ? new LoudnessMeter(format) : undefined;
  const levels = acx ? new AcxMeter(format.sampleRate) : undefined;
  const voiceMeters = new Map<string, LoudnessMeter>();
  const voices = loudness && options.voiceOf ? new Set(options.files.flat().map(options.voiceOf)) : new Set<string>();
  if (voices.size <= MAX_VOICE_METERS) for (const voice of voices) voiceMeters.set(voice, new LoudnessMeter(format));
  const plans: StitchPlan[] = [];
  try {
    for (const pieces of options.files) {
      const planner = new Joiner(format, options.join, !meter);
      for await (const { samples, piece } of joined(planner, pieces, options)) {
        levels?.write(samples);
        const bytes = int16Bytes(samples);
        const voiceMeter = piece && options.voiceOf ? voiceMeters.get(options.voiceOf(piece)) : undefined;
        await Promise.all([meter?.write(bytes), voiceMeter?.write(bytes)]);
      }
      plans.push({ placed: planner.placed, frames: planner.frames });
    }
  } catch (error) {
    meter?.kill();
    for (const voiceMeter of voiceMeters.values()) voiceMeter.kill();
    throw error;
  }
  const before = await meter?.result();
  const voiceLoudness = new Map<string, LoudnessFigures>();
  for (const [voice, voiceMeter] of voiceMeters) voiceLoudness.set(voice, await voiceMeter.result());
  // ACX reads RMS, not LUFS: its gain is to its RMS target, under its own ceiling.
  const level: Levelling = !before
    ? { gainDb: 0 }
    : levels
      ? levelling(levels.rmsDb === -Infinity ? null : levels.rmsDb, ACX.rmsTargetDb, before.truePeakDb, ACX.truePeakCeilingDb)
      : levelling(before.integratedLufs, loudness!.targetLufs, before.truePeakDb, loudness!.truePeakDb);
  const { gainDb } = level;

  // Pass 2: the same samples, with the gain (and the limiter when peaks need it), into each file,
  // and into meters that report what the files hold.
  const check = loudness ? new LoudnessMeter(format) : undefined;
  const whole = acx ? new AcxMeter(format.sampleRate) : undefined;
  const written: WrittenFile[] = [];
  let writer: AudioFileWriter | undefined;
  let limitedFrames = 0;
  try {
    const files: Array<Omit<StitchedFile, 'file'>> = [];
    for (const [i, pieces] of options.files.entries()) {
      writer = await options.open(plans[i]!, i);
      const own = acx ? new AcxMeter(format.sampleRate) : undefined;
      const limiter =
        level.limiterCeilingDb === undefined
          ? undefined
          : new GainLimiter(gainDb, level.limiterCeilingDb, format.sampleRate, format.channels);
      const out = async (samples: Int16Array) => {
        own?.write(samples);
        whole?.write(samples);
        await Promise.all([writer!.write(samples), check?.write(int16Bytes(samples))]);
      };
      for await (const { samples } of joined(new Joiner(format, options.join), pieces, options))
        await out(limiter ? limiter.process(samples) : applyGain(samples, gainDb));
      if (limiter) await out(limiter.finish());
      limitedFrames += limiter?.limitedFrames ?? 0;
      files.push({ ...plans[i]!, ...(own && acx ? { acx: own.report({ ...format, ...acx }) } : {}) });
      // The last file is published after the meter: once all are under their names, nothing may fail.
      if (i < options.files.length - 1) written.push(await writer.finish());
    }
    const after = await check?.result();
    written.push(await writer!.finish());
    writer = undefined;
    const frames = plans.reduce((sum, plan) => sum + plan.frames, 0);
    const limitedMs = Math.round((limitedFrames * 1000) / format.sampleRate);
    return {
      files: files.map((f, i) => ({ ...f, file: written[i]! })),
      frames,
      durationSec: frames / format.sampleRate,
      ...(before && after && loudness ? { loudness: { ...loudness, gainDb, limitedMs, before, after } } : {}),
      ...(whole && acx ? { acx: { ...passOfAll(whole.report({ ...format, ...acx }), files), gainDb, limitedMs } } : {}),
      ...(voiceLoudness.size > 0 ? { voiceLoudness } : {}),
    };
  } catch (error) {
    check?.kill();
    await writer?.abort();
    throw error;
  }
}

/**
 * The stitch from the records: the placement, the loudness (the document's and each voice's) and
 * the gain before a sample is read, then one pass over the chunks that joins, levels and writes.
 * `loudness.after` is the records' figures moved by the gain, exact where no limiter acts; where one
 * does, each step's energy is scaled by what the limiter took from it (afterGain).
 */
async function stitchInOnePass<P extends StitchPiece & { index: number }>(
  options: StitchOptions<P>,
  levelsOf: (piece: P) => ChunkLevels,
): Promise<StitchedDocument> {
  const { format, loudness } = options;
  const plans: StitchPlan[] = [];
  /** Each piece's share of the output, from where its push began: what a per-voice meter would have been fed. */
  const shares = new Map<number, { from: number; frames: number }>();
  // One file's first pieces may set the gain (stitch-ahead.ts): where they end.
  const prefix = loudness && options.files.length === 1 ? aheadPrefix(options.files[0]!.length) : 0;
  let prefixFrames = 0;
  let offset = 0;
  for (const pieces of options.files) {
    const planner = new Joiner(format, options.join, true);
    for (const [i, piece] of pieces.entries()) {
      const from = offset + planner.frames;
      shares.set(piece.index, { from, frames: planner.place(piece, levelsOf(piece)) });
      if (i === prefix - 1) prefixFrames = planner.frames;
    }
    planner.finish();
    plans.push({ placed: planner.placed, frames: planner.frames });
    offset += planner.frames;
  }
  const frames = offset;
  const records = new Map(options.files.flat().map((piece) => [piece.index, levelsOf(piece)]));
  const placed = loudness ? placedLevels(plans, (index) => records.get(index)!, options.join.trim) : [];
  // To 0.01 (ffmpeg's histogram grain), and the gain from that: the result's figures add up.
  const exact = loudness ? rounded(measuredFrom(placed, format, frames)) : undefined;
  const voiceLoudness = new Map<string, LoudnessFigures>();
  if (loudness && options.voiceOf) {
    const voices = voiceTimelines(options.files.flat(), options.voiceOf, placed, shares);
    if (voices.size <= MAX_VOICE_METERS)
      for (const [voice, timeline] of voices) voiceLoudness.set(voice, rounded(measuredFrom(timeline.pieces, format, timeline.frames)));
  }
  const level: Levelling = exact
    ? documentGain(
        levellingTo(exact, loudness!),
        prefix > 0 ? levellingTo(rounded(measuredFrom(placed.slice(0, prefix), format, prefixFrames)), loudness!) : undefined,
        { truePeakDb: exact.truePeakDb, ceilingDb: loudness!.truePeakDb },
      )
    : { gainDb: 0 };
  const { gainDb } = level;
  // The prefix stitched ahead goes on only with the gain it was written with.
  const { resume } = options;
  const resumed =
    resume &&
    resume.pieces === prefix &&
    resume.frames === prefixFrames &&
    resume.gainDb === gainDb &&
    level.limiterCeilingDb === undefined &&
    frames * format.channels * 2 <= MAX_WAV_DATA_BYTES; // past 4 GiB a WAV is RF64 from its first byte

  // Where the limiter acts, what it took from each 100 ms step, so the loudness after it follows from the records too.
  const stepFrames = format.sampleRate / 10;
  const steps = Math.floor(frames / stepFrames + 1e-9);
  const limiterEnergy = level.limiterCeilingDb === undefined ? undefined : { in: new Float64Array(steps), out: new Float64Array(steps) };
  const written: WrittenFile[] = [];
  let writer: AudioFileWriter | undefined;
  let limitedFrames = 0;
  let limitedPeak = 0;
  try {
    let fileStart = 0;
    for (const [i, pieces] of options.files.entries()) {
      writer = await options.open(plans[i]!, i, resumed);
      const ceilingDb = level.limiterCeilingDb;
      const limiter =
        ceilingDb === undefined || !limiterEnergy
          ? undefined
          : new GainLimiter(gainDb, ceilingDb, format.sampleRate, format.channels).trackSteps(
              limiterEnergy.in,
              limiterEnergy.out,
              stepFrames,
              fileStart,
            );
      const joiner = new Joiner(format, options.join);
      const gain = options.loadsFresh ? applyGainInPlace : applyGain;
      if (resumed) for (const piece of pieces.slice(0, prefix)) joiner.skip(piece, levelsOf(piece));
      for await (const { samples } of joined(joiner, resumed ? pieces.slice(prefix) : pieces, options, levelsOf, options.recycle))
        await writer.write(limiter ? limiter.process(samples) : gain(samples, gainDb));
      if (limiter) await writer.write(limiter.finish());
      limitedFrames += limiter?.limitedFrames ?? 0;
      limitedPeak = Math.max(limitedPeak, limiter?.samplePeak ?? 0);
      if (joiner.frames !== plans[i]!.frames) {
        throw new Error(`file ${i} joined to ${joiner.frames} frames, its records planned ${plans[i]!.frames}`);
      }
      fileStart += joiner.frames;
      if (i < options.files.length - 1) written.push(await writer.finish());
    }
    written.push(await writer!.finish());
    writer = undefined;
    const limitedMs = Math.round((limitedFrames * 1000) / format.sampleRate);
    const after = exact
      ? rounded(
          afterGain(
            exact,
            gainDb,
            limiterEnergy && { placed, format, frames, limiterEnergy, limitedPeak: limitedPeak * overshoot(records) },
          ),
        )
      : undefined;
    return {
      files: plans.map((plan, i) => ({ ...plan, file: written[i]! })),
      frames,
      durationSec: frames / format.sampleRate,
      ...(exact && after && loudness ? { loudness: { ...loudness, gainDb, limitedMs, before: exact, after } } : {}),
      ...(voiceLoudness.size > 0 ? { voiceLoudness } : {}),
    };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}

/**
 * The first pieces of a one-file document (all `files[0]` holds), levelled with their own gain and
 * written, the file left open for the stitch after the last chunk (`resume`); none when that gain
 * needs the limiter (the whole document's would decide then). Captions and chapters wait for the
 * whole: only the audio is written.
 */
export async function stitchPrefix<P extends StitchPiece & { index: number }>(
  options: Omit<StitchOptions<P>, 'resume'> & { loudness: LoudnessTarget },
  levelsOf: (piece: P) => ChunkLevels,
): Promise<StitchedPrefix | undefined> {
  const { format, loudness } = options;
  const pieces = options.files[0]!;
  const planner = new Joiner(format, options.join, true);
  for (const piece of pieces) planner.place(piece, levelsOf(piece));
  const plan = { placed: planner.placed, frames: planner.frames }; // before finish(): the pieces after go on from here
  const byIndex = new Map(pieces.map((piece) => [piece.index, piece]));
  const placed = placedLevels([plan], (index) => levelsOf(byIndex.get(index)!), options.join.trim);
  const level = levellingTo(rounded(measuredFrom(placed, format, plan.frames)), loudness);
  if (level.limiterCeilingDb !== undefined) return undefined;
  const writer = await options.open(plan, 0);
  try {
    const joiner = new Joiner(format, options.join);
    const gain = options.loadsFresh ? applyGainInPlace : applyGain;
    for await (const { samples } of joined(joiner, pieces, options, levelsOf, options.recycle, false))
      await writer.write(gain(samples, level.gainDb));
    if (joiner.frames !== plan.frames) throw new Error(`the prefix joined to ${joiner.frames} frames, its records planned ${plan.frames}`);
    if (!writer.pause) throw new Error('only a WAV can be stitched ahead');
    return { pieces: pieces.length, frames: plan.frames, gainDb: level.gainDb, file: await writer.pause() };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function levellingTo(figures: LoudnessFigures, loudness: LoudnessTarget): Levelling {
  return levelling(figures.integratedLufs, loudness.targetLufs, figures.truePeakDb, loudness.truePeakDb);
}

/**
 * The figures after the gain: with no limiter every block moves by it; where the limiter acted, the
 * share of each step's energy it let through scales that step, and the true peak is estimated from
 * the largest sample it wrote (measuring it between samples again would cost seconds per hour).
 */
function afterGain(
  figures: LoudnessFigures,
  gainDb: number,
  limited?: {
    placed: readonly PlacedLevels[];
    format: StitchFormat;
    frames: number;
    limiterEnergy: { in: Float64Array; out: Float64Array };
    /** The largest sample the limiter wrote, times the estimated rise between samples (linear, of 32768). */
    limitedPeak: number;
  },
): LoudnessFigures {
  if (!limited) return moved(figures, gainDb);
  const { in: energyIn, out: energyOut } = limited.limiterEnergy;
  const stepGains = energyIn.map((energy, k) => (energy > 0 ? energyOut[k]! / energy : 1));
  // The records' figures with each step scaled by what the limiter let through, then the gain.
  const throughLimiter = measuredFrom(limited.placed, limited.format, limited.frames, stepGains);
  return { ...moved(throughLimiter, gainDb), truePeakDb: limited.limitedPeak > 0 ? 20 * Math.log10(limited.limitedPeak / 32768) : null };
}

function measuredFrom(pieces: readonly PlacedLevels[], format: StitchFormat, frames: number, stepGains?: Float64Array): LoudnessFigures {
  const measured = documentLoudness(pieces, format, frames, stepGains);
  if (measured.kind === 'fallback') throw new Error(`chunks ${measured.pieces.join(', ')} need measuring: no one-pass stitch`);
  return measured.figures;
}

/** Each voice's pieces in a row, each with what its push emitted (the lead-in, pauses), as a meter per voice hears them. */
function voiceTimelines<P extends StitchPiece & { index: number }>(
  pieces: readonly P[],
  voiceOf: (piece: P) => string,
  placed: readonly PlacedLevels[],
  shares: ReadonlyMap<number, { from: number; frames: number }>,
): Map<string, { pieces: PlacedLevels[]; frames: number }> {
  const voices = new Map<string, { pieces: PlacedLevels[]; frames: number }>();
  for (const [i, piece] of pieces.entries()) {
    const voice = voices.get(voiceOf(piece)) ?? { pieces: [], frames: 0 };
    const share = shares.get(piece.index)!;
    voice.pieces.push({ ...placed[i]!, startFrame: voice.frames + placed[i]!.startFrame - share.from });
    voice.frames += share.frames;
    voices.set(voiceOf(piece), voice);
  }
  return voices;
}

/** The most any chunk's true peak rises above its sample peak: the limited peaks' estimated rise between samples. */
function overshoot(records: ReadonlyMap<number, ChunkLevels>): number {
  let most = 1;
  for (const record of records.values()) if (record.samplePeak > 0) most = Math.max(most, record.truePeak / record.samplePeak);
  return most;
}

/** The figures after a gain with no limiting: every block moves by it. */
function moved(figures: LoudnessFigures, gainDb: number): LoudnessFigures {
  return {
    integratedLufs: figures.integratedLufs === null ? null : figures.integratedLufs + gainDb,
    rangeLu: figures.rangeLu,
    truePeakDb: figures.truePeakDb === null ? null : figures.truePeakDb + gainDb,
  };
}

/** To 0.01 LU (ffmpeg's summary, in the two passes, gives 0.1). */
function rounded(figures: LoudnessFigures): LoudnessFigures {
  const hundredth = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);
  return {
    integratedLufs: hundredth(figures.integratedLufs),
    rangeLu: hundredth(figures.rangeLu) ?? 0,
    truePeakDb: hundredth(figures.truePeakDb),
  };
}

/** The whole's rules, passing only when every file passes its own. */
function passOfAll(whole: AcxReport, files: Array<{ acx?: AcxReport }>): AcxReport {
  return { ...whole, pass: whole.pass && files.every((f) => f.acx?.pass !== false) };
}

/**
 * The joined samples of the pieces, in order, loaded one at a time, each with the piece it came with
 * (none: the end). `recycle` gets each piece's audio once the consumer is done with all it yielded
 * (it asks for more only then); the joiner keeps no view of it (what it holds back is a copy).
 */
async function* joined<P extends StitchPiece & { index: number }>(
  joiner: Joiner,
  pieces: P[],
  { load, onPiece, signal }: StitchOptions<P>,
  levelsOf?: (piece: P) => ChunkLevels,
  recycle?: (audio: PcmAudio) => void,
  /** False: the pieces are a prefix, the joiner goes on after them (its held-back end is not emitted). */
  finish = true,
): AsyncGenerator<{ samples: Int16Array; piece?: P }> {
  // The next chunks are read (and their hashes checked) while this one is joined and written.
  const ahead: Array<Promise<PcmAudio>> = [];
  const prefetch = (i: number) => {
    const promise = load(pieces[i]!);
    promise.catch(() => {}); // awaited in its turn; an abort between pieces must not leave it unhandled
    ahead.push(promise);
  };
  for (let i = 0; i < Math.min(READ_AHEAD, pieces.length); i++) prefetch(i);
  for (const [i, piece] of pieces.entries()) {
    signal?.throwIfAborted();
    const audio = await ahead.shift()!;
    if (i + READ_AHEAD < pieces.length) prefetch(i + READ_AHEAD);
    for (const samples of joiner.push(piece, audio, levelsOf?.(piece))) yield { samples, piece };
    recycle?.(audio);
    onPiece?.(piece.index);
  }
  if (finish) for (const samples of joiner.finish()) yield { samples };
}
