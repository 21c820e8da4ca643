// Joins chunk audio into one WAV, streaming: one chunk is in memory at a time, so memory does not
// grow with the document. The output size is known before the first byte (every chunk's frame
// count is in its ref), so the header is written first and the checksum computed on the way.

import { createHash, randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { PcmAudio } from '../engines/engine.ts';
import { wavHeader } from '../audio/wav.ts';
import { pieceBytes, stitchedFrameCount, type StitchFormat, type StitchPiece } from './joined-pcm.ts';

export interface StitchedFile {
  path: string;
  bytes: number;
  sha256: string;
  frames: number;
  sampleRate: number;
  channels: number;
  durationSec: number;
}

export interface StitchOptions<P extends StitchPiece> {
  pieces: P[];
  load: (piece: P) => Promise<PcmAudio>;
  format: StitchFormat;
  path: string;
  /** Called after each piece is written, e.g. to heartbeat. */
  onPiece?: (index: number) => void;
  /** Stops between pieces when aborted; the partial file is removed. */
  signal?: AbortSignal;
}

/** Writes the pieces in order as one 16-bit PCM WAV at `path` (atomically, via a temporary file). */
export async function stitchWav<P extends StitchPiece>({ pieces, load, format, path, onPiece, signal }: StitchOptions<P>): Promise<StitchedFile> {
  const { sampleRate, channels } = format;
  const frames = stitchedFrameCount(pieces, sampleRate);
  const dataBytes = frames * channels * 2;
  const header = wavHeader(sampleRate, channels, dataBytes);
  const hash = createHash('sha256');
  const temporary = `${path}.${randomUUID()}.tmp`;
  const file = await open(temporary, 'wx');
  let written = 0;
  const write = async (bytes: Uint8Array) => {
    hash.update(bytes);
    await file.write(bytes);
    written += bytes.length;
  };
  try {
    await write(header);
    for (const [index, piece] of pieces.entries()) {
      signal?.throwIfAborted();
      for (const bytes of pieceBytes(piece, await load(piece), format, index)) await write(bytes);
      onPiece?.(index);
    }
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  if (written !== header.length + dataBytes) throw new Error(`wrote ${written} bytes, expected ${header.length + dataBytes}`);
  await rename(temporary, path);
  return { path, bytes: written, sha256: hash.digest('hex'), frames, sampleRate, channels, durationSec: frames / sampleRate };
}
