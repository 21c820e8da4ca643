// stitchAhead: the document's first chunks levelled and written while its last ones are still
// spoken (src/stitch/stitch-ahead.ts says when, and which gain). The file stays on this worker, in
// a staging folder of the output directory named after this process (a worker that starts removes
// the folders of dead ones: src/storage/output-cleanup.ts), known by a token the workflow hands to
// the stitch. A stitch on this worker goes on from it, or, when its gain came out otherwise, writes
// the whole document; either way the folder goes. One a stitch never came for (the stitch ran on
// another worker, the document failed) is removed after an hour. Only audio is written here:
// captions, chapters and the result wait for the whole. Documents for S3 are not stitched ahead:
// a fleet that shares nothing but S3 keeps nothing on its machines' disks.

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { wavHeader } from '../audio/wav.ts';
import { openAudioFile } from '../formats/index.ts';
import { aheadPrefix, stitchesAhead } from '../stitch/stitch-ahead.ts';
import { type StitchedPrefix, stitchesInOnePass, stitchPrefix } from '../stitch/stitcher.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { chunkLevels } from '../storage/chunk-levels.ts';
import { LocalOutputStore, type OutputStore } from '../storage/output-writer.ts';
import { stagingPrefix } from '../storage/staging-folders.ts';
import { SpareBuffers } from '../system/spare-buffers.ts';
import { checked, SPARE_READ_BUFFERS, stitchFormat, stitchPieces, verified } from './stitch-pieces.ts';
import type { StitchInput } from './types.ts';

/** A prefix this worker stitched ahead, waiting for its document's stitch. */
interface WaitingPrefix {
  prefix: StitchedPrefix;
  /** What it was stitched from, as `aheadKey` gives it: the stitch goes on from it only when its own is the same. */
  key: string;
  /** Removes it if no stitch takes it in time. */
  expiry: NodeJS.Timeout;
}

/** Prefixes a stitch never came for are removed after this. */
const KEPT_MS = 60 * 60 * 1000;

const waiting = new Map<string, WaitingPrefix>();

export interface StitchAheadDeps {
  blobStore: BlobStore;
  /** Where the document will be written: a prefix is kept only where the stitch can rename it into place. */
  outputs: OutputStore;
  /** The worker's output directory, whose staging folders a worker that starts cleans up. */
  outputDir: string;
}

export function createStitchAhead({ blobStore, outputs, outputDir }: StitchAheadDeps) {
  // Only into the worker's own output directory (another, AUDIO_OUTPUT_URL=file:///elsewhere, is not cleaned up at start).
  const dir = outputs instanceof LocalOutputStore && outputs.dir === resolve(outputDir) ? outputs.dir : undefined;
  /** The document's first chunks (`input.chunks`, of `documentChunks`) stitched: their token, or null when they are not. */
  return async function stitchAhead(input: StitchInput & { documentChunks: number }): Promise<string | null> {
    const { chunks, output } = input;
    if (!stitchesAhead(output, input.documentChunks, !!input.cast) || chunks.length !== aheadPrefix(input.documentChunks)) {
      throw ApplicationFailure.nonRetryable('this document is not stitched ahead', 'InvalidInputError');
    }
    const format = stitchFormat(output, chunks);
    const joinOptions = { trim: output.trim ?? false, crossfadeMs: 0 };
    // Without one pass from the records (a chunk the output down-samples) the stitch writes it all.
    if (!dir || !stitchesInOnePass(format, joinOptions, chunks)) return null;
    const context = Context.current();
    const levels = await checked(() => chunkLevels(blobStore, chunks, () => context.heartbeat()));
    await mkdir(dir, { recursive: true });
    const folder = await mkdtemp(join(dir, stagingPrefix()));
    const spare = new SpareBuffers(SPARE_READ_BUFFERS);
    const prefix = await stitchPrefix(
      {
        files: [stitchPieces(chunks, input.pausesAfterMs)],
        load: (chunk) => verified(blobStore, chunk, spare.take()),
        loadsFresh: true,
        recycle: (audio) => spare.give(audio.samples.buffer),
        format,
        join: joinOptions,
        loudness: output.loudness!,
        open: () => openAudioFile({ format: 'wav', path: join(folder, 'prefix.wav'), pcm: format, maxFrames: 0, tags: {}, chapters: [] }),
        onPiece: (index) => context.heartbeat(index),
        signal: context.cancellationSignal,
      },
      (chunk) => levels.get(chunk.index)!,
    ).catch(async (error: unknown) => {
      await rm(folder, { recursive: true, force: true });
      throw error;
    });
    if (!prefix) {
      await rm(folder, { recursive: true, force: true });
      return null;
    }
    const token = randomUUID();
    const expiry = setTimeout(() => {
      waiting.delete(token);
      void releasePrefix(prefix);
    }, KEPT_MS).unref();
    waiting.set(token, { prefix, key: aheadKey(input, format), expiry });
    return token;
  };
}

/**
 * The prefix behind `token` when this worker holds it, its file is whole, and it was stitched from
 * the first chunks of `input` as this stitch would join them. It is no longer waiting: the caller
 * releases it once its stitch ends (`releasePrefix`).
 */
export async function takePrefix(
  token: string,
  input: StitchInput,
  format: { sampleRate: number; channels: number },
): Promise<StitchedPrefix | undefined> {
  const found = waiting.get(token);
  waiting.delete(token);
  if (!found) return undefined;
  clearTimeout(found.expiry);
  const { prefix } = found;
  const ofThese = { ...input, chunks: input.chunks.slice(0, prefix.pieces), pausesAfterMs: input.pausesAfterMs.slice(0, prefix.pieces) };
  // A file removed or cut short since (by hand, by a cleaner) is not gone on from.
  const size = await stat(prefix.file.temporary).then(
    (file) => file.size,
    () => -1,
  );
  if (aheadKey(ofThese, format) === found.key && size === wavHeader(format.sampleRate, format.channels, 0).length + prefix.file.dataBytes) {
    return prefix;
  }
  await releasePrefix(prefix);
  return undefined;
}

/**
 * A prefix's staging folder removed, with its file unless a stitch renamed that into place (a
 * removal that fails leaves it to the next worker start's clean-up).
 */
export async function releasePrefix(prefix: StitchedPrefix): Promise<void> {
  await rm(dirname(prefix.file.temporary), { recursive: true, force: true }).catch(() => {});
}

/** What a prefix is made of: its chunks, pauses, format and levelling. */
function aheadKey({ chunks, pausesAfterMs, output }: StitchInput, format: { sampleRate: number; channels: number }): string {
  return JSON.stringify({
    chunks: chunks.map((chunk) => [chunk.sha256, chunk.sampleRate, chunk.channels, chunk.frames]),
    pausesAfterMs,
    format,
    trim: output.trim ?? false,
    loudness: output.loudness,
  });
}
