// stitch: chunk refs in document order in; the audio file (WAV, MP3, M4B...), its captions and its
// timings in the worker's output directory out.

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Artifact } from '../document/result.ts';
import {
  ACX, chapterList, defaultBitrateKbps, FORMAT_FACTS, openAudioFile, placeChapters, srt, timeSentences, webVtt, type ChunkSpeech, type FrameChapter, type WrittenFile,
} from '../formats/index.ts';
import { sha256Hex, type BlobStore } from '../storage/blob-store.ts';
import { ChunkCorruptedError, loadChunkAudio } from '../storage/chunk-audio.ts';
import { loadChunkSpeech } from '../storage/chunk-speech.ts';
import { NO_JOIN_EFFECTS, type PlacedChunk } from '../stitch/joiner.ts';
import { stitchDocument } from '../stitch/stitcher.ts';
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
    const root = resolve(outputDir);
    const path = outputPath(root, output.name);
    if (blobStore.owns(path)) {
      throw ApplicationFailure.nonRetryable(`output name "${output.name}" points into the chunk store`, 'InvalidInputError');
    }
    await mkdir(dirname(path), { recursive: true });
    const context = Context.current();
    const format = {
      sampleRate: output.sampleRate ?? Math.max(...chunks.map((c) => c.sampleRate)),
      channels: output.channels ?? Math.max(...chunks.map((c) => c.channels)),
    };
    let chapters: FrameChapter[] = [];
    const stitched = await stitchDocument({
      pieces: chunks.map((chunk, i) => ({ ...chunk, pauseAfterMs: pausesAfterMs[i]! })),
      load: (chunk: ChunkRef) => verified(blobStore, chunk),
      format,
      join: {
        trim: output.trim ?? NO_JOIN_EFFECTS.trim,
        crossfadeMs: output.crossfadeMs ?? NO_JOIN_EFFECTS.crossfadeMs,
        ...(output.acx ? { leadInMs: ACX.leadInMs, tailMs: ACX.tailMs } : {}), // room tone
      },
      ...(output.loudness ? { loudness: output.loudness } : {}),
      ...(output.acx ? { acx: { codec: output.format, bitrateKbps: output.bitrateKbps ?? defaultBitrateKbps(output.format, format.channels) } } : {}),
      open: async ({ placed, frames }) => {
        chapters = placeChapters(output.chapters ?? [], placed, frames);
        return openAudioFile({
          format: output.format,
          path,
          pcm: format,
          maxFrames: frames,
          ...(output.bitrateKbps ? { bitrateKbps: output.bitrateKbps } : {}),
          tags: { ...(output.title ? { title: output.title } : {}), ...(output.author ? { author: output.author } : {}) },
          chapters: FORMAT_FACTS[output.format].chapters ? chapters : [],
        });
      },
      onPiece: (index) => context.heartbeat(index),
      signal: context.cancellationSignal,
    });
    const audio = artifact(root, 'audio', FORMAT_FACTS[output.format].mediaType, stitched.file);
    const captions = output.captions ? await writeCaptions(blobStore, root, path, chunks, stitched.placed, format.sampleRate, stitched.frames) : [];
    return {
      path: audio.path,
      uri: audio.uri,
      bytes: audio.bytes,
      sha256: audio.sha256,
      ...format,
      frames: stitched.frames,
      durationSec: stitched.durationSec,
      // Inputs from before formats get the result they always got.
      ...(output.chapters === undefined ? {} : { artifacts: [audio, ...captions], chapters: chapterList(chapters, format.sampleRate) }),
      ...(stitched.loudness ? { loudness: stitched.loudness } : {}),
      ...(stitched.acx ? { acx: stitched.acx } : {}),
    };
  };
}

/** `<name>.vtt`, `<name>.srt` and `<name>.timings.json` beside the audio, from the chunks' speech. */
async function writeCaptions(blobStore: BlobStore, root: string, audioPath: string, chunks: ChunkRef[], placed: PlacedChunk[], sampleRate: number, frames: number): Promise<Artifact[]> {
  const speech = await Promise.all(chunks.map(async (chunk): Promise<ChunkSpeech> => (await loadChunkSpeech(blobStore, chunk.uri)) ?? { text: '' }));
  const timings = timeSentences(placed, speech, sampleRate, frames);
  const base = audioPath.replace(/\.[^./]+$/u, '');
  const files: Array<[Artifact['kind'], string, string, string]> = [
    ['captions', `${base}.vtt`, 'text/vtt', webVtt(timings)],
    ['captions', `${base}.srt`, 'application/x-subrip', srt(timings)],
    ['timings', `${base}.timings.json`, 'application/json', `${JSON.stringify(timings, null, 1)}\n`],
  ];
  return Promise.all(files.map(async ([kind, path, mediaType, text]) => artifact(root, kind, mediaType, await writeAtomically(path, text))));
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
function outputPath(root: string, name: string): string {
  const path = resolve(root, name);
  if (!path.startsWith(root + sep)) {
    throw ApplicationFailure.nonRetryable(`output name "${name}" leads outside the output directory`, 'InvalidInputError');
  }
  return path;
}

function artifact(root: string, kind: Artifact['kind'], mediaType: string, file: WrittenFile): Artifact {
  return { kind, name: relative(root, file.path), path: file.path, uri: pathToFileURL(file.path).href, mediaType, bytes: file.bytes, sha256: file.sha256 };
}

async function writeAtomically(path: string, text: string): Promise<WrittenFile> {
  const bytes = Buffer.from(text, 'utf8');
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, bytes: bytes.length, sha256: sha256Hex(bytes) };
}
