// What the stitch and the stitch ahead both make of their input: the output's format, the pieces
// to join, and chunk audio read and checked against its ref.

import { ApplicationFailure } from '@temporalio/common';
import type { ChunkRef } from '../contract/refs.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { loadChunkAudio } from '../storage/chunk-audio.ts';
import { ContentChangedError } from '../storage/stored-content.ts';
import type { StitchInput } from './types.ts';

/** Chunks' buffers kept for the next reads: the stitch reads four ahead. */
export const SPARE_READ_BUFFERS = 6;

/** The output's rate and channels: as asked, else the largest of the chunks'. */
export function stitchFormat(output: StitchInput['output'], chunks: readonly ChunkRef[]) {
  return {
    sampleRate: output.sampleRate ?? Math.max(...chunks.map((c) => c.sampleRate)),
    channels: output.channels ?? Math.max(...chunks.map((c) => c.channels)),
  };
}

/** The chunks as the joiner takes them: each with the pause after it (`exact`: a [pause:…] of the cast's plan). */
export function stitchPieces(chunks: readonly ChunkRef[], pausesAfterMs: readonly number[], exact?: (chunk: ChunkRef) => boolean) {
  return chunks.map((chunk, i) => ({
    ...chunk,
    pauseAfterMs: pausesAfterMs[i]!,
    ...(exact?.(chunk) ? { exactPause: true } : {}),
  }));
}

/** The chunk's audio, checked against the hash its ref carries; a changed chunk can never stitch. */
export function verified(blobStore: BlobStore, chunk: ChunkRef, into?: ArrayBuffer) {
  return checked(() => loadChunkAudio(blobStore, chunk, into));
}

/** What reads chunk audio, failing for good when a chunk's audio is not what its ref says. */
export async function checked<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ContentChangedError) throw ApplicationFailure.nonRetryable(error.message, 'ChunkCorrupted');
    throw error;
  }
}
