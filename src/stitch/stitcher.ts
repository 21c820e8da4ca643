// Stitches a document in two streaming passes over its stored chunks, one chunk in memory at a
// time, so memory does not grow with the document:
// 1. place every chunk (and, with a loudness target, measure the whole document's loudness);
// 2. join again, apply the one gain, and write the file, measuring what was written.
// Chapters and captions need the placement before the encoder starts; loudness needs the whole.

import type { PcmAudio } from '../engines/engine.ts';
import { applyGain, levelling, LoudnessMeter, type Levelling, type LoudnessReport, type LoudnessTarget } from '../audio/loudness.ts';
import { GainLimiter } from '../audio/limiter.ts';
import { int16Bytes } from '../audio/wav.ts';
import { ACX, AcxMeter, type AcxReport, type AudioFileWriter, type WrittenFile } from '../formats/index.ts';
import { Joiner, type JoinOptions, type PlacedChunk, type StitchFormat, type StitchPiece } from './joiner.ts';

export interface StitchPlan {
  placed: PlacedChunk[];
  frames: number;
}

export interface StitchOptions<P extends StitchPiece & { index: number }> {
  pieces: P[];
  load: (piece: P) => Promise<PcmAudio>;
  format: StitchFormat;
  join: JoinOptions;
  /** Normalise the whole document to this; absent: the samples as the engines made them. */
  loudness?: LoudnessTarget;
  /** Level to ACX's RMS range instead, and check the file against its rules (`codec` etc. for the format rule). */
  acx?: { codec: string; bitrateKbps?: number };
  /** Opens the output once the plan is known (chapters are timed by it). */
  open: (plan: StitchPlan) => Promise<AudioFileWriter>;
  /** Called after each piece of each pass, e.g. to heartbeat. */
  onPiece?: (index: number) => void;
  /** Stops between pieces when aborted; nothing is left under the final name. */
  signal?: AbortSignal;
}

export interface StitchedDocument extends StitchPlan {
  file: WrittenFile;
  durationSec: number;
  loudness?: LoudnessReport;
  acx?: AcxReport & { gainDb: number; limitedMs: number };
}

export async function stitchDocument<P extends StitchPiece & { index: number }>(options: StitchOptions<P>): Promise<StitchedDocument> {
  const { format, loudness, acx } = options;
  // Pass 1: placement, and the loudness (or ACX's levels) of the whole.
  const meter = loudness || acx ? new LoudnessMeter(format) : undefined;
  const levels = acx ? new AcxMeter(format.sampleRate) : undefined;
  const planner = new Joiner(format, options.join, !meter);
  try {
    for await (const samples of joined(planner, options)) {
      levels?.write(samples);
      await meter?.write(int16Bytes(samples));
    }
  } catch (error) {
    meter?.kill();
    throw error;
  }
  const before = await meter?.result();
  // ACX reads RMS, not LUFS: its gain is to its RMS target, under its own ceiling.
  const level: Levelling = !before
    ? { gainDb: 0 }
    : levels
      ? levelling(levels.rmsDb === -Infinity ? null : levels.rmsDb, ACX.rmsTargetDb, before.truePeakDb, ACX.truePeakCeilingDb)
      : levelling(before.integratedLufs, loudness!.targetLufs, before.truePeakDb, loudness!.truePeakDb);
  const { gainDb } = level;
  const plan = { placed: planner.placed, frames: planner.frames };

  // Pass 2: the same samples, with the gain (and the limiter when peaks need it), into the file,
  // and into meters that report what the file holds.
  const check = loudness ? new LoudnessMeter(format) : undefined;
  let writer: AudioFileWriter | undefined;
  try {
    writer = await options.open(plan);
    const written = acx ? new AcxMeter(format.sampleRate) : undefined;
    const limiter = level.limiterCeilingDb === undefined ? undefined : new GainLimiter(gainDb, level.limiterCeilingDb, format.sampleRate, format.channels);
    const out = async (samples: Int16Array) => {
      written?.write(samples);
      await Promise.all([writer!.write(samples), check?.write(int16Bytes(samples))]);
    };
    for await (const samples of joined(new Joiner(format, options.join), options)) await out(limiter ? limiter.process(samples) : applyGain(samples, gainDb));
    if (limiter) await out(limiter.finish());
    // The meter first: once the file is published under its name, nothing may fail and remove it.
    const after = await check?.result();
    const file = await writer.finish();
    const limitedMs = Math.round(((limiter?.limitedFrames ?? 0) * 1000) / format.sampleRate);
    return {
      ...plan,
      file,
      durationSec: plan.frames / format.sampleRate,
      ...(before && after && loudness ? { loudness: { ...loudness, gainDb, limitedMs, before, after } } : {}),
      ...(written && acx ? { acx: { ...written.report({ ...format, ...acx }), gainDb, limitedMs } } : {}),
    };
  } catch (error) {
    check?.kill();
    await writer?.abort();
    throw error;
  }
}

/** The joined samples of every piece, in order, loaded one at a time. */
async function* joined<P extends StitchPiece & { index: number }>(joiner: Joiner, { pieces, load, onPiece, signal }: StitchOptions<P>): AsyncGenerator<Int16Array> {
  for (const piece of pieces) {
    signal?.throwIfAborted();
    yield* joiner.push(piece, await load(piece));
    onPiece?.(piece.index);
  }
  yield* joiner.finish();
}
