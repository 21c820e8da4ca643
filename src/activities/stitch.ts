// stitch: chunk refs in document order in; the audio file (WAV, MP3, M4B...), its captions and its
// timings in the worker's output directory out. Split by chapter: a folder of files, one per
// chapter, each with its captions, and a playlist of them.

import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Artifact } from '../contract/result.ts';
import {
  ACX,
  type Chapter,
  type ChapterStart,
  type ChunkSpeech,
  chapterFileName,
  chapterList,
  defaultBitrateKbps,
  FORMAT_FACTS,
  type FrameChapter,
  groupChapters,
  m3uPlaylist,
  openAudioFile,
  PLAYLIST_MEDIA_TYPE,
  placeChapters,
  splitAtChapters,
  srt,
  type Tags,
  timeSentences,
  type WrittenFile,
  webVtt,
} from '../formats/index.ts';
import { recordStitch } from '../metrics/index.ts';
import { NO_JOIN_EFFECTS, type PlacedChunk } from '../stitch/joiner.ts';
import { type StitchedFile, stitchDocument } from '../stitch/stitcher.ts';
import { type BlobStore, sha256Hex } from '../storage/blob-store.ts';
import { loadChunkAudio } from '../storage/chunk-audio.ts';
import { loadChunkSpeech } from '../storage/chunk-speech.ts';
import type { OutputStore } from '../storage/output-store.ts';
import { ContentChangedError } from '../storage/stored-content.ts';
import { loadChunkLists } from './chunk-lists.ts';
import { loadPlanTexts } from './prepare-text.ts';
import type { ChunkRef, StitchInput, StitchResult } from './types.ts';

export interface StitchDeps {
  blobStore: BlobStore;
  /** Where documents go: the output directory, or S3 (then the directory stages the files). */
  outputs: OutputStore;
}

export function createStitch({ blobStore, outputs }: StitchDeps) {
  return async function stitch(input: StitchInput): Promise<StitchResult> {
    const { chunks: inline, chunkLists, pausesAfterMs } = input;
    const chunks = chunkLists ? await loadChunkLists(blobStore, chunkLists) : inline;
    if (chunks.length === 0) throw ApplicationFailure.nonRetryable('nothing to stitch: no chunks', 'InvalidInputError');
    if (pausesAfterMs.length !== chunks.length) {
      throw ApplicationFailure.nonRetryable('pausesAfterMs must have one entry per chunk', 'InvalidInputError');
    }
    const started = performance.now();
    const root = await outputs.prepare();
    try {
      const { main, artifacts, result } = await stitchInto(root, chunks, input, blobStore);
      const context = Context.current();
      const [published, ...rest] = await outputs.publish(root, [main, ...artifacts.filter((a) => a !== main)], {
        beat: () => context.heartbeat(),
        signal: context.cancellationSignal,
      });
      recordStitch(
        input.output.format,
        artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0),
        (performance.now() - started) / 1000,
      );
      return {
        ...result,
        path: published!.path,
        uri: published!.uri,
        // Inputs from before formats get the result they always got.
        ...(input.output.chapters === undefined ? {} : { artifacts: [published!, ...rest] }),
      };
    } finally {
      await outputs.release(root);
    }
  };
}

/** The document's files written under `root`: the main one (the audio, or a split's playlist), all of them, and what they hold. */
async function stitchInto(root: string, chunks: ChunkRef[], { plan, pausesAfterMs, output }: StitchInput, blobStore: BlobStore) {
  const path = outputPath(root, output.name);
  const context = Context.current();
  // Before the long part: a plan that is gone fails the stitch at once, not after the encode.
  const texts = output.captions && plan ? await loadPlanTexts(blobStore, plan) : undefined;
  const format = {
    sampleRate: output.sampleRate ?? Math.max(...chunks.map((c) => c.sampleRate)),
    channels: output.channels ?? Math.max(...chunks.map((c) => c.channels)),
  };
  const pieces = chunks.map((chunk, i) => ({ ...chunk, pauseAfterMs: pausesAfterMs[i]! }));
  const files =
    output.split === 'chapter'
      ? chapterFiles(path, output, pieces)
      : [{ path, pieces, tags: tagsOf(output), chapters: output.chapters ?? [] }];
  if (files.some((file) => blobStore.owns(file.path))) {
    throw ApplicationFailure.nonRetryable(`output name "${output.name}" points into the chunk store`, 'InvalidInputError');
  }
  await Promise.all([...new Set(files.map((file) => dirname(file.path)))].map((dir) => mkdir(dir, { recursive: true })));
  const placedChapters: FrameChapter[][] = [];
  const stitched = await stitchDocument({
    files: files.map((file) => file.pieces),
    load: (chunk: ChunkRef) => verified(blobStore, chunk),
    format,
    join: {
      trim: output.trim ?? NO_JOIN_EFFECTS.trim,
      crossfadeMs: output.crossfadeMs ?? NO_JOIN_EFFECTS.crossfadeMs,
      ...(output.acx ? { leadInMs: ACX.leadInMs, tailMs: ACX.tailMs } : {}), // room tone
    },
    ...(output.loudness ? { loudness: output.loudness } : {}),
    ...(output.acx
      ? { acx: { codec: output.format, bitrateKbps: output.bitrateKbps ?? defaultBitrateKbps(output.format, format.channels) } }
      : {}),
    open: async ({ placed, frames }, i) => {
      const file = files[i]!;
      placedChapters[i] = placeChapters(file.chapters, placed, frames);
      return openAudioFile({
        format: output.format,
        path: file.path,
        pcm: format,
        maxFrames: frames,
        ...(output.bitrateKbps ? { bitrateKbps: output.bitrateKbps } : {}),
        tags: file.tags,
        chapters: FORMAT_FACTS[output.format].chapters
          ? groupChapters(placedChapters[i]!, FORMAT_FACTS[output.format].maxChapters ?? Infinity)
          : [],
      });
    },
    onPiece: (index) => context.heartbeat(index),
    signal: context.cancellationSignal,
  });
  const written: Artifact[] = [];
  for (const [i, file] of stitched.files.entries()) {
    written.push(artifact(root, 'audio', FORMAT_FACTS[output.format].mediaType, file.file));
    if (output.captions)
      written.push(
        ...(await writeCaptions(blobStore, texts, root, file.file.path, files[i]!.pieces, file.placed, format.sampleRate, file.frames, () =>
          context.heartbeat(),
        )),
      );
  }
  const chapters =
    output.split === 'chapter'
      ? chaptersOfFiles(files, stitched.files, format.sampleRate)
      : chapterList(placedChapters[0]!, format.sampleRate);
  // Split: the playlist stands for the document (its path is the result's), then the files.
  const main = output.split === 'chapter' ? await writePlaylist(root, path, files, stitched.files, format.sampleRate) : written[0]!;
  const result = {
    bytes: main.bytes,
    sha256: main.sha256,
    ...format,
    frames: stitched.frames,
    durationSec: stitched.durationSec,
    ...(output.chapters === undefined ? {} : { chapters }),
    ...(stitched.loudness ? { loudness: stitched.loudness } : {}),
    ...(stitched.acx
      ? {
          acx: {
            ...stitched.acx,
            ...(output.split === 'chapter' ? { files: stitched.files.map((f) => ({ name: relative(root, f.file.path), ...f.acx! })) } : {}),
          },
        }
      : {}),
  };
  return { main, artifacts: written, result };
}

interface FilePlan {
  path: string;
  pieces: Array<ChunkRef & { pauseAfterMs: number }>;
  tags: Tags;
  /** Chapter marks inside the file. */
  chapters: ChapterStart[];
  title?: string;
}

function tagsOf(output: StitchInput['output']): Tags {
  return { ...(output.title ? { title: output.title } : {}), ...(output.author ? { author: output.author } : {}) };
}

/** One file per chapter, `<name>/<nn> <title>.<ext>`, tagged as a track of the book. */
function chapterFiles(path: string, output: StitchInput['output'], pieces: FilePlan['pieces']): FilePlan[] {
  const dir = path.replace(/\.[^./]+$/u, '');
  const parts = splitAtChapters(pieces, output.chapters ?? []);
  return parts.map((part, i) => {
    const title = part.title ?? output.title;
    return {
      path: join(dir, chapterFileName(i + 1, parts.length, title, output.format)),
      pieces: part.chunks,
      tags: {
        ...tagsOf(output),
        ...(title ? { title } : {}),
        ...(output.title ? { album: output.title } : {}),
        track: `${i + 1}/${parts.length}`,
      },
      chapters: [],
      ...(title ? { title } : {}),
    };
  });
}

/** The chapters of a split document: each file's, timed as if the files were played in a row. */
function chaptersOfFiles(files: FilePlan[], stitched: StitchedFile[], sampleRate: number): Chapter[] {
  let startFrame = 0;
  return stitched.map((file, i) => {
    const chapter = { title: files[i]!.title ?? '', startFrame, endFrame: startFrame + file.frames };
    startFrame = chapter.endFrame;
    return chapterList([chapter], sampleRate)[0]!;
  });
}

/** `<name>.m3u8` beside the folder of files, listing them in order. */
async function writePlaylist(
  root: string,
  path: string,
  files: FilePlan[],
  stitched: StitchedFile[],
  sampleRate: number,
): Promise<Artifact> {
  const playlist = path.replace(/\.[^./]+$/u, '.m3u8');
  const entries = stitched.map((file, i) => ({
    path: relative(dirname(playlist), file.file.path),
    title: files[i]!.title ?? '',
    durationSec: file.frames / sampleRate,
  }));
  return artifact(root, 'playlist', PLAYLIST_MEDIA_TYPE, await writeAtomically(playlist, m3uPlaylist(entries)));
}

/**
 * `<name>.vtt`, `<name>.srt` and `<name>.timings.json` beside the audio, from the chunks' speech:
 * each chunk's text from the plan when the document has one (else from beside its audio), and its
 * words from beside its audio when the engine timed them.
 */
async function writeCaptions(
  blobStore: BlobStore,
  texts: string[] | undefined,
  root: string,
  audioPath: string,
  chunks: readonly ChunkRef[],
  placed: PlacedChunk[],
  sampleRate: number,
  frames: number,
  beat: () => void,
): Promise<Artifact[]> {
  // One file at a time: a book has tens of thousands, more than a process may hold open at once
  // (from S3, a request each: the heartbeat says the stitch is alive meanwhile).
  const speech: ChunkSpeech[] = [];
  for (const chunk of chunks) {
    beat();
    const stored = await loadChunkSpeech(blobStore, chunk.uri);
    speech.push({ ...stored, text: texts?.[chunk.index] ?? stored?.text ?? '' });
  }
  const timings = timeSentences(placed, speech, sampleRate, frames);
  const base = audioPath.replace(/\.[^./]+$/u, '');
  const files: Array<[Artifact['kind'], string, string, string]> = [
    ['captions', `${base}.vtt`, 'text/vtt', webVtt(timings)],
    ['captions', `${base}.srt`, 'application/x-subrip', srt(timings)],
    ['timings', `${base}.timings.json`, 'application/json', `${JSON.stringify(timings, null, 1)}\n`],
  ];
  return Promise.all(
    files.map(async ([kind, path, mediaType, text]) => artifact(root, kind, mediaType, await writeAtomically(path, text))),
  );
}

/** The chunk's audio, checked against the hash its ref carries; a changed chunk can never stitch. */
async function verified(blobStore: BlobStore, chunk: ChunkRef) {
  try {
    return await loadChunkAudio(blobStore, chunk);
  } catch (error) {
    if (error instanceof ContentChangedError) throw ApplicationFailure.nonRetryable(error.message, 'ChunkCorrupted');
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
  return {
    kind,
    name: relative(root, file.path),
    path: file.path,
    uri: pathToFileURL(file.path).href,
    mediaType,
    bytes: file.bytes,
    sha256: file.sha256,
  };
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
