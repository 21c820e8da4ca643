// Stitches a document in two streaming passes over its stored chunks, one chunk in memory at a
// time, so memory does not grow with the document:
// 1. place every chunk (and, with a loudness target, measure the whole document's loudness);
// 2. join again, apply the one gain, and write the file(s), measuring what was written.
// Chapters and captions need the placement before the encoder starts; loudness needs the whole.
// A document may be written as several files (one per chapter): each is joined on its own, with
// its own room tone, but the gain is the whole document's, so no file is louder than its neighbours.

import { GainLimiter } from '../audio/limiter.ts';
import { applyGain, type Levelling, LoudnessMeter, levelling } from '../audio/loudness.ts';
import { int16Bytes } from '../audio/wav.ts';
import type { PcmAudio } from '../contract/audio.ts';
import type { LoudnessTarget } from '../contract/input-schema.ts';
import type { AcxReport, LoudnessFigures, LoudnessReport } from '../contract/reports.ts';
import { ACX, AcxMeter, type AudioFileWriter, type WrittenFile } from '../formats/index.ts';
import { Joiner, type JoinOptions, type PlacedChunk, type StitchFormat, type StitchPiece } from './joiner.ts';

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
  /** Opens a file's output once its plan is known (chapters are timed by it). */
  open: (plan: StitchPlan, file: number) => Promise<AudioFileWriter>;
  /** Who speaks each piece (a cast document): loudness is measured per voice too, as the engines made it. */
  voiceOf?: (piece: P) => string;
  /** Called after each piece of each pass, e.g. to heartbeat. */
  onPiece?: (index: number) => void;
  /** Stops between pieces when aborted; nothing is left under a final name. */
  signal?: AbortSignal;
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

/** Voices measured on their own; a larger cast is reported by its share only (each meter is an ffmpeg process). */
const MAX_VOICE_METERS = 8;

export async function stitchDocument<P extends StitchPiece & { index: number }>(options: StitchOptions<P>): Promise<StitchedDocument> {
  const { format, loudness, acx } = options;
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

/** The whole's rules, passing only when every file passes its own. */
function passOfAll(whole: AcxReport, files: Array<{ acx?: AcxReport }>): AcxReport {
  return { ...whole, pass: whole.pass && files.every((f) => f.acx?.pass !== false) };
}

/** The joined samples of the pieces, in order, loaded one at a time, each with the piece it came with (none: the end). */
async function* joined<P extends StitchPiece & { index: number }>(
  joiner: Joiner,
  pieces: P[],
  { load, onPiece, signal }: StitchOptions<P>,
): AsyncGenerator<{ samples: Int16Array; piece?: P }> {
  for (const piece of pieces) {
    signal?.throwIfAborted();
    for (const samples of joiner.push(piece, await load(piece))) yield { samples, piece };
    onPiece?.(piece.index);
  }
  for (const samples of joiner.finish()) yield { samples };
}
