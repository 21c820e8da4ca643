// The bytes of the stitched audio, piece by piece: each piece converted to the output format and
// followed by its pause. The stitcher writes them to a file; the live stream sends the same bytes
// as they become ready, so what is heard while a document renders is what the final file holds.

import type { PcmAudio } from '../engines/engine.ts';
import { convertPcm, resampledFrameCount } from '../audio/pcm.ts';
import { int16Bytes } from '../audio/wav.ts';

export interface StitchPiece {
  sampleRate: number;
  channels: number;
  frames: number;
  /** Silence after this piece, in milliseconds. */
  pauseAfterMs: number;
}

export interface StitchFormat {
  sampleRate: number;
  channels: number;
}

/** Frames of silence for a pause at the given rate. */
export function pauseFrames(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}

/** Frames one piece takes in the output: its audio converted to the output rate, plus its pause. */
export function pieceFrameCount(piece: StitchPiece, sampleRate: number): number {
  return resampledFrameCount(piece.frames, piece.sampleRate, sampleRate) + pauseFrames(piece.pauseAfterMs, sampleRate);
}

/** Total frames of the stitched audio. */
export function stitchedFrameCount(pieces: StitchPiece[], sampleRate: number): number {
  return pieces.reduce((sum, piece) => sum + pieceFrameCount(piece, sampleRate), 0);
}

/**
 * One piece's bytes in the output (16-bit little-endian PCM): its audio, then its pause. Checks the
 * audio against the frame count its ref promised, on which the output's header and offsets rely.
 */
export function pieceBytes(piece: StitchPiece, audio: PcmAudio, format: StitchFormat, label: string | number): Uint8Array[] {
  const { sampleRate, channels } = format;
  const converted = convertPcm(audio, sampleRate, channels);
  const expected = resampledFrameCount(piece.frames, piece.sampleRate, sampleRate) * channels;
  if (converted.samples.length !== expected) {
    throw new Error(`chunk ${label} has ${converted.samples.length} samples after conversion, its ref promised ${expected}`);
  }
  const silence = pauseFrames(piece.pauseAfterMs, sampleRate) * channels * 2;
  return silence > 0 ? [int16Bytes(converted.samples), new Uint8Array(silence)] : [int16Bytes(converted.samples)];
}
