// stitchAhead: the document's first chunks levelled and written while its last ones are still
// spoken (src/stitch/stitch-ahead.ts says when, and which gain). The file stays on this worker,
// open under a temporary name, known by a token the workflow hands to the stitch: a stitch on this
// worker goes on from it; one elsewhere, or one whose gain came out otherwise, stitches the whole
// document and the prefix is removed. Only audio is written here: captions, chapters and the
// result wait for the whole.

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { openAudioFile } from '../formats/index.ts';
import { aheadPrefix, stitchesAhead } from '../stitch/stitch-ahead.ts';
import { type StitchedPrefix, stitchPrefix } from '../stitch/stitcher.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { chunkLevels } from '../storage/chunk-levels.ts';
import { LocalOutputStore, type OutputStore } from '../storage/output-writer.ts';
import { SpareBuffers } from '../system/spare-buffers.ts';
import { checked, SPARE_READ_BUFFERS, stitchFormat, stitchPieces, verified } from './stitch-pieces.ts';
import type { StitchInput } from './types.ts';

/** A prefix this worker stitched ahead, waiting for its document's stitch. */
interface WaitingPrefix {
  prefix: StitchedPrefix;
  /** What it was stitched from, as `aheadKey` gives it: the stitch goes on from it only when its own is the same. */
  key: string;
  at: number;
}

/** Prefixes a stitch never came for (it ran on another worker, or the document failed) are removed after this. */
const KEPT_MS = 60 * 60 * 1000;

const waiting = new Map<string, WaitingPrefix>();

/** How a prefix's file is named in the output directory (hidden; its temporary name follows). */
const AHEAD_PREFIX = '.ahead-';

export interface StitchAheadDeps {
  blobStore: BlobStore;
  /** Where the document will be written (its directory holds the prefix, so it is renamed into place). */
  outputs: OutputStore;
  /** The worker's output directory: where a document for S3 is staged. */
  outputDir: string;
}

export function createStitchAhead({ blobStore, outputs, outputDir }: StitchAheadDeps) {
  const dir = outputs instanceof LocalOutputStore ? outputs.dir : outputDir;
  /** The document's first chunks (`input.chunks`, of `documentChunks`) stitched: their token, or null (their gain needs the limiter). */
  return async function stitchAhead(input: StitchInput & { documentChunks: number }): Promise<string | null> {
    const { chunks, output } = input;
    if (!stitchesAhead(output, input.documentChunks, !!input.cast) || chunks.length !== aheadPrefix(input.documentChunks)) {
      throw ApplicationFailure.nonRetryable('this document is not stitched ahead', 'InvalidInputError');
    }
    await forgetOld(dir);
    const context = Context.current();
    const format = stitchFormat(output, chunks);
    const pieces = stitchPieces(chunks, input.pausesAfterMs);
    const joinOptions = { trim: output.trim ?? false, crossfadeMs: 0 };
    const levels = await checked(() => chunkLevels(blobStore, chunks, () => context.heartbeat()));
    await mkdir(dir, { recursive: true });
    const spare = new SpareBuffers(SPARE_READ_BUFFERS);
    const prefix = await stitchPrefix(
      {
        files: [pieces],
        load: (chunk) => verified(blobStore, chunk, spare.take()),
        loadsFresh: true,
        recycle: (audio) => spare.give(audio.samples.buffer),
        format,
        join: joinOptions,
        loudness: output.loudness!,
        open: () =>
          openAudioFile({
            format: 'wav',
            path: join(dir, `${AHEAD_PREFIX}${randomUUID()}.wav`),
            pcm: format,
            maxFrames: 0,
            tags: {},
            chapters: [],
          }),
        onPiece: (index) => context.heartbeat(index),
        signal: context.cancellationSignal,
      },
      (chunk) => levels.get(chunk.index)!,
    );
    if (!prefix) return null;
    const token = randomUUID();
    waiting.set(token, { prefix, key: aheadKey(input, format), at: Date.now() });
    return token;
  };
}

/**
 * The prefix behind `token` when this worker holds it and it was stitched from the first chunks of
 * `input` as this stitch would join them; it is no longer waiting (the caller removes its file if
 * it does not go on from it: `dropPrefix`).
 */
export function takePrefix(
  token: string,
  input: StitchInput,
  format: { sampleRate: number; channels: number },
): StitchedPrefix | undefined {
  const found = waiting.get(token);
  waiting.delete(token);
  if (!found) return undefined;
  const prefixInput = {
    ...input,
    chunks: input.chunks.slice(0, found.prefix.pieces),
    pausesAfterMs: input.pausesAfterMs.slice(0, found.prefix.pieces),
  };
  if (aheadKey(prefixInput, format) === found.key) return found.prefix;
  void dropPrefix(found.prefix);
  return undefined;
}

/** A prefix not gone on from: its file removed. */
export async function dropPrefix(prefix: StitchedPrefix): Promise<void> {
  await rm(prefix.file.temporary, { force: true });
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

/** Directories whose files from earlier processes were looked at: once per process each. */
const swept = new Set<string>();

/** Prefixes kept longer than KEPT_MS are removed; in `dir`, once per process, so are earlier processes' (by their age). */
async function forgetOld(dir: string): Promise<void> {
  for (const [token, { prefix, at }] of waiting) {
    if (Date.now() - at < KEPT_MS) continue;
    waiting.delete(token);
    void dropPrefix(prefix);
  }
  if (swept.has(dir)) return;
  swept.add(dir);
  const names = await readdir(dir).catch(() => []);
  for (const name of names.filter((n) => n.startsWith(AHEAD_PREFIX))) {
    const path = join(dir, name);
    const modified = await stat(path).then(
      (found) => found.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - modified >= KEPT_MS) await rm(path, { force: true });
  }
}
