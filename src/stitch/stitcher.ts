// Stitches a document in two streaming passes over its stored chunks, one chunk in memory at a
// time, so memory does not grow with the document:
// 1. place every chunk (and, with a loudness target, measure the whole document's loudness);
// 2. join again, apply the one gain, and write the file, measuring what was written.
// Chapters and captions need the placement before the encoder starts; loudness needs the whole.

import type { PcmAudio } from '../engines/engine.ts';
import { applyGain, LoudnessMeter, normalisationGainDb, type LoudnessReport, type LoudnessTarget } from '../audio/loudness.ts';
import { int16Bytes } from '../audio/wav.ts';
import type { AudioFileWriter, WrittenFile } from '../formats/index.ts';
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
}

export async function stitchDocument<P extends StitchPiece & { index: number }>(options: StitchOptions<P>): Promise<StitchedDocument> {
  const { format, loudness } = options;
  // Pass 1: placement, and the loudness of the whole.
  const meter = loudness ? new LoudnessMeter(format) : undefined;
  const planner = new Joiner(format, options.join, !meter);
  try {
    for await (const samples of joined(planner, options)) await meter?.write(int16Bytes(samples));
  } catch (error) {
    meter?.kill();
    throw error;
  }
  const before = await meter?.result();
  const gainDb = before && loudness ? normalisationGainDb(before, loudness) : 0;
  const plan = { placed: planner.placed, frames: planner.frames };

  // Pass 2: the same samples, with the gain, into the file (and a meter, to report what it holds).
  const writer = await options.open(plan);
  const check = loudness ? new LoudnessMeter(format) : undefined;
  try {
    for await (const samples of joined(new Joiner(format, options.join), options)) {
      const gained = applyGain(samples, gainDb);
      await Promise.all([writer.write(gained), check?.write(int16Bytes(gained))]);
    }
    const [file, after] = await Promise.all([writer.finish(), check?.result()]);
    return {
      ...plan,
      file,
      durationSec: plan.frames / format.sampleRate,
      ...(before && after && loudness ? { loudness: { ...loudness, gainDb, before, after } } : {}),
    };
  } catch (error) {
    check?.kill();
    await writer.abort();
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
