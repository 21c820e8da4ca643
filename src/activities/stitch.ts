// stitch: chunk refs in document order in, one WAV in the worker's output directory out.

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BlobStore } from '../storage/blob-store.ts';
import { ChunkCorruptedError, loadChunkAudio } from '../storage/chunk-audio.ts';
import { stitchWav } from '../stitch/stitcher.ts';
import type { ChunkRef, StitchInput, StitchResult } from './types.ts';

export interface StitchDeps {
  blobStore: BlobStore;
  outputDir: string;
}

export function createStitch({ blobStore, outputDir }: StitchDeps) {
  return async function stitch({ chunks, pausesAfterMs, output }: StitchInput): Promise<StitchResult> {
    if (chunks.length === 0) throw ApplicationFailure.nonRetryable('nothing to stitch: no chunks', 'InvalidInputError');
    if (pausesAfterMs.length !== chunks.length) {
      throw ApplicationFailure.nonRetryable('pausesAfterMs must have one entry per chunk', 'InvalidInputError');
    }
    const path = outputPath(outputDir, output.name);
    if (blobStore.owns(path)) {
      throw ApplicationFailure.nonRetryable(`output name "${output.name}" points into the chunk store`, 'InvalidInputError');
    }
    await mkdir(dirname(path), { recursive: true });
    const context = Context.current();
    const file = await stitchWav({
      pieces: chunks.map((chunk, i) => ({ ...chunk, pauseAfterMs: pausesAfterMs[i]! })),
      load: (chunk: ChunkRef) => verified(blobStore, chunk),
      format: {
        sampleRate: output.sampleRate ?? Math.max(...chunks.map((c) => c.sampleRate)),
        channels: output.channels ?? Math.max(...chunks.map((c) => c.channels)),
      },
      path,
      onPiece: (index) => context.heartbeat(index),
      signal: context.cancellationSignal,
    });
    return { ...file, uri: pathToFileURL(file.path).href };
  };
}

/** The chunk's audio, checked against the hash its ref carries; a changed chunk can never stitch. */
async function verified(blobStore: BlobStore, chunk: ChunkRef) {
  try {
    return await loadChunkAudio(blobStore, chunk);
  } catch (error) {
    if (error instanceof ChunkCorruptedError) throw ApplicationFailure.nonRetryable(error.message, 'ChunkCorrupted');
    throw error;
  }
}

/** The workflow validated the name already; this guards the file system against any other caller. */
function outputPath(outputDir: string, name: string): string {
  const root = resolve(outputDir);
  const path = resolve(root, name);
  if (!path.startsWith(root + sep)) {
    throw ApplicationFailure.nonRetryable(`output name "${name}" leads outside the output directory`, 'InvalidInputError');
  }
  return path;
}
