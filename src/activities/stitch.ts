// stitch: chunk refs in document order in; the audio file (WAV, MP3, M4B...), its captions and its
// timings in the worker's output directory out. Split by chapter: a folder of files, one per
// chapter, each with its captions, and a playlist of them. Into the library (`output.library`): the
// book's folder in AUDIO_LIBRARY_DIR, with its cover and metadata.json. This file is the activity
// (heartbeats, cancellation, failures Temporal understands); where the files go and the text files
// beside the audio are in src/stitch/output-files.ts, the library's folders in src/stitch/library-folder.ts.

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChunkRef } from '../contract/refs.ts';
import type { LoudnessFigures } from '../contract/reports.ts';
import type { Artifact, VoiceShare } from '../contract/result.ts';
import { folderName, LIBRARY_COVER, LIBRARY_METADATA, type LibraryBook, libraryMetadata } from '../formats/audiobook-library.ts';
import { writeCoverJpeg, writeDrawnCover } from '../formats/cover-image.ts';
import {
  ACX,
  audioFormatOf,
  type ChunkSpeech,
  chapterList,
  defaultBitrateKbps,
  FORMAT_FACTS,
  type FrameChapter,
  groupChapters,
  openAudioFile,
  placeChapters,
} from '../formats/index.ts';
import { recordStitch } from '../metrics/index.ts';
import { NO_JOIN_EFFECTS, type PlacedChunk } from '../stitch/joiner.ts';
import { claimLibraryFolder, type LibraryFolder, LibraryFolderError, settleLibraryFolder } from '../stitch/library-folder.ts';
import {
  artifact,
  type CaptionFile,
  captionFiles,
  chaptersOfFiles,
  planFiles,
  writeCaptions,
  writePlaylist,
  writeSidecar,
} from '../stitch/output-files.ts';
import { writeReadAlongBook } from '../stitch/read-along-book.ts';
import { stitchDocument, stitchesInOnePass } from '../stitch/stitcher.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { chunkLevels } from '../storage/chunk-levels.ts';
import { loadChunkSpeech } from '../storage/chunk-speech.ts';
import { mapAtMost } from '../storage/map-at-most.ts';
import { LocalOutputStore, type OutputStore } from '../storage/output-writer.ts';
import { ContentChangedError, loadContent } from '../storage/stored-content.ts';
import { SpareBuffers } from '../system/spare-buffers.ts';
import { loadChunkLists } from './chunk-lists.ts';
import { loadPlan } from './prepare-text.ts';
import { releasePrefix, takePrefix } from './stitch-ahead.ts';
import { checked, SPARE_READ_BUFFERS, stitchFormat, stitchPieces, verified } from './stitch-pieces.ts';
import type { StitchInput, StitchResult } from './types.ts';

export interface StitchDeps {
  blobStore: BlobStore;
  /** Where documents go: the output directory, or S3 (then the directory stages the files). */
  outputs: OutputStore;
  /** AUDIO_LIBRARY_DIR: the audiobook library documents with `output.library` go into. */
  libraryDir?: string;
}

export function createStitch({ blobStore, outputs, libraryDir }: StitchDeps) {
  const library = libraryDir ? new LocalOutputStore(libraryDir) : undefined;
  return async function stitch(input: StitchInput): Promise<StitchResult> {
    const { chunks: inline, chunkLists, pausesAfterMs } = input;
    const chunks = chunkLists ? await loadChunkLists(blobStore, chunkLists) : inline;
    if (chunks.length === 0) throw ApplicationFailure.nonRetryable('nothing to stitch: no chunks', 'InvalidInputError');
    if (pausesAfterMs.length !== chunks.length) {
      throw ApplicationFailure.nonRetryable('pausesAfterMs must have one entry per chunk', 'InvalidInputError');
    }
    if (input.output.library && !library) {
      throw ApplicationFailure.nonRetryable(
        'this document goes into the audiobook library, and this worker has none: set AUDIO_LIBRARY_DIR (npm start: --library DIR)',
        'NoLibrary',
      );
    }
    const store = input.output.library ? library! : outputs;
    const started = performance.now();
    const root = await store.prepare();
    try {
      const { main, artifacts, result } = await stitchInto(root, chunks, input, blobStore);
      const context = Context.current();
      const [published, ...rest] = await store.publish(root, [main, ...artifacts.filter((a) => a !== main)], {
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
        // An input without chapters (a caller other than the workflow) gets the bare result.
        ...(input.output.chapters === undefined ? {} : { artifacts: [published!, ...rest] }),
      };
    } finally {
      await store.release(root);
    }
  };
}

/** The document's files written under `root`: the main one (the audio, or a split's playlist), all of them, and what they hold. */
async function stitchInto(
  root: string,
  chunks: ChunkRef[],
  { plan, pausesAfterMs, output: asked, cast, ahead }: StitchInput,
  blobStore: BlobStore,
) {
  const documentId = activityInfo().workflowExecution?.workflowId ?? asked.name;
  const book = libraryBook(asked);
  const folder = asked.library ? await claimedFolder(root, book, documentId) : undefined;
  const path = folder ? join(folder.path, `${folderName(book.title, 'Untitled')}.${asked.format}`) : outputPath(root, asked.name);
  const cover = await bookCover(blobStore, asked, book, folder);
  try {
    return await stitchFiles(root, path, chunks, { plan, pausesAfterMs, output: asked, cast, ...(ahead ? { ahead } : {}) }, blobStore, {
      documentId,
      book,
      ...(folder ? { folder } : {}),
      ...(cover ? { cover: cover.path } : {}),
    });
  } finally {
    await cover?.release();
  }
}

/** What the document is to the library (and its tags): the title the workflow settled on, and what the client said of it. */
function libraryBook(output: StitchInput['output']): LibraryBook {
  const { author, narrator, description, language, series, seriesPart } = output;
  return {
    title: output.title ?? basename(output.name).replace(/\.[^.]+$/u, ''),
    ...(author ? { author } : {}),
    ...(narrator ? { narrator } : {}),
    ...(description ? { description } : {}),
    ...(language ? { language } : {}),
    ...(series ? { series, ...(seriesPart ? { seriesPart } : {}) } : {}),
  };
}

/**
 * The cover as a JPEG: the given one, else in a library one drawn from the title and author.
 * In a library it is the folder's cover.jpg; otherwise a temporary file, there to be embedded.
 */
async function bookCover(blobStore: BlobStore, output: StitchInput['output'], book: LibraryBook, folder?: LibraryFolder) {
  if (!output.cover && !folder) return undefined;
  const temporary = folder ? undefined : await mkdtemp(join(tmpdir(), 'cover-'));
  const path = join(folder?.path ?? temporary!, LIBRARY_COVER);
  const release = async () => {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  };
  try {
    const given = output.cover ? await writeCoverJpeg(await loadCover(blobStore, output.cover), path) : false;
    if (given) return { path, release };
    if (!folder) {
      await release(); // an image ffmpeg cannot read (an SVG): the audio goes without one
      return undefined;
    }
    await writeDrawnCover(book, path);
    return { path, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The book's folder in the library; a book that can have none fails the document at once, saying why. */
async function claimedFolder(root: string, book: LibraryBook, documentId: string): Promise<LibraryFolder> {
  try {
    return await claimLibraryFolder(root, book, documentId);
  } catch (error) {
    if (error instanceof LibraryFolderError) throw ApplicationFailure.nonRetryable(error.message, 'LibraryFolderError');
    throw error;
  }
}

async function loadCover(blobStore: BlobStore, cover: NonNullable<StitchInput['output']['cover']>): Promise<Buffer> {
  try {
    return await loadContent(blobStore, cover, 'the cover image');
  } catch (error) {
    if (error instanceof ContentChangedError) throw ApplicationFailure.nonRetryable(error.message, 'CoverChanged');
    throw error;
  }
}

interface BookPlace {
  documentId: string;
  book: LibraryBook;
  /** In the library: the book's folder. */
  folder?: LibraryFolder;
  /** A JPEG, embedded where the format holds one. */
  cover?: string;
}

/** The audio files (or the read-along book), their captions and, in a library, metadata.json. */
async function stitchFiles(
  root: string,
  path: string,
  chunks: ChunkRef[],
  { plan, pausesAfterMs, output: asked, cast, ahead }: Pick<StitchInput, 'plan' | 'pausesAfterMs' | 'output' | 'cast' | 'ahead'>,
  blobStore: BlobStore,
  { documentId, book, folder, cover }: BookPlace,
) {
  const context = Context.current();
  // A read-along EPUB is made of one MP3 per chapter (in a folder named after it) and their sentences.
  const readAlong = asked.format === 'epub';
  const output = readAlong ? { ...asked, format: audioFormatOf(asked.format), split: 'chapter' as const } : asked;
  // Before the long part: a plan that is gone fails the stitch at once, not after the encode.
  const stored = (output.captions || cast || readAlong) && plan ? await loadPlan(blobStore, plan) : undefined;
  const texts = output.captions || readAlong ? stored?.chunks.map((chunk) => chunk.text) : undefined;
  const voiceOf = cast && stored ? (chunk: { index: number }) => stored.chunks[chunk.index]?.voice ?? cast.narrator : undefined;
  const format = stitchFormat(output, chunks);
  const pieces = stitchPieces(chunks, pausesAfterMs, (chunk) => !!cast && stored?.chunks[chunk.index]?.pauseAfterMs !== undefined);
  const leadInMs = (output.acx ? ACX.leadInMs : 0) + (cast ? (stored?.leadPauseMs ?? 0) : 0);
  // In a library the chapter files sit in the book's folder, as Audiobookshelf reads its tracks.
  const files = planFiles(path, output, pieces, folder?.path);
  if (files.some((file) => blobStore.owns(file.path))) {
    throw ApplicationFailure.nonRetryable(`output name "${output.name}" points into the chunk store`, 'InvalidInputError');
  }
  await Promise.all([...new Set(files.map((file) => dirname(file.path)))].map((dir) => mkdir(dir, { recursive: true })));
  const placedChapters: FrameChapter[][] = [];
  const joinOptions = {
    trim: output.trim ?? NO_JOIN_EFFECTS.trim,
    crossfadeMs: output.crossfadeMs ?? NO_JOIN_EFFECTS.crossfadeMs,
    ...(leadInMs > 0 ? { leadInMs } : {}), // room tone, and a [pause:…] before the first words
    ...(output.acx ? { tailMs: ACX.tailMs } : {}),
  };
  // The chunks' levels records plan the stitch, so it reads each chunk once; missing ones are measured here.
  const levels = stitchesInOnePass(format, joinOptions, chunks, output.acx)
    ? await checked(() => chunkLevels(blobStore, chunks, () => context.heartbeat()))
    : undefined;
  // What each chunk said (for the captions) is read while the audio is stitched.
  const speechRead =
    output.captions || readAlong
      ? loadSpeech(
          blobStore,
          texts,
          files.flatMap((file) => file.pieces),
          () => context.heartbeat(),
          voiceOf,
        )
      : undefined;
  speechRead?.catch(() => {}); // awaited after the stitch; a stitch that fails first must not leave it unhandled
  // Each file's speech: its pieces' share of what was read, in order.
  const firstPieces = files.map((_, i) => files.slice(0, i).reduce((sum, file) => sum + file.pieces.length, 0));
  const speechOf = (speech: ChunkSpeech[], i: number) => speech.slice(firstPieces[i], firstPieces[i]! + files[i]!.pieces.length);
  // A file's captions need its placement only: made while its audio is written, written after it.
  const captions: Array<Promise<CaptionFile[]>> = [];
  // The first chunks written ahead on this worker: the stitch goes on from them when the gain is theirs.
  const prefix =
    ahead && files.length === 1 && output.format === 'wav' ? await takePrefix(ahead, { chunks, pausesAfterMs, output }, format) : undefined;
  let wentOn = false;
  // Each chunk is read into the memory of one already written: no new memory per chunk.
  const spare = new SpareBuffers(SPARE_READ_BUFFERS);
  const stitched = await stitchDocument({
    files: files.map((file) => file.pieces),
    load: (chunk: ChunkRef) => verified(blobStore, chunk, spare.take()),
    loadsFresh: true,
    recycle: (audio) => spare.give(audio.samples.buffer),
    format,
    join: joinOptions,
    ...(levels ? { levelsOf: (chunk: ChunkRef) => levels.get(chunk.index)! } : {}),
    ...(voiceOf ? { voiceOf } : {}),
    ...(output.loudness ? { loudness: output.loudness } : {}),
    ...(output.acx
      ? { acx: { codec: output.format, bitrateKbps: output.bitrateKbps ?? defaultBitrateKbps(output.format, format.channels) } }
      : {}),
    ...(prefix ? { resume: prefix } : {}),
    open: async ({ placed, frames }, i, resumed) => {
      const file = files[i]!;
      placedChapters[i] = placeChapters(file.chapters, placed, frames);
      if (output.captions && speechRead) {
        captions[i] = speechRead.then((speech) => captionFiles(file.path, placed, speechOf(speech, i), format.sampleRate, frames));
        captions[i]!.catch(() => {}); // awaited after the stitch
      }
      const writer = await openAudioFile({
        ...(resumed ? { resume: prefix!.file } : {}),
        format: output.format,
        path: file.path,
        pcm: format,
        maxFrames: frames,
        ...(output.bitrateKbps ? { bitrateKbps: output.bitrateKbps } : {}),
        tags: file.tags,
        ...(cover ? { coverPath: cover } : {}),
        chapters: FORMAT_FACTS[output.format].chapters
          ? groupChapters(placedChapters[i]!, FORMAT_FACTS[output.format].maxChapters ?? Infinity)
          : [],
      });
      wentOn ||= !!resumed; // the result says how many chunks were written ahead
      return writer;
    },
    onPiece: (index) => context.heartbeat(index),
    signal: context.cancellationSignal,
  }).finally(() => prefix && releasePrefix(prefix));
  const written: Artifact[] = [];
  const speeches: ChunkSpeech[][] = [];
  const allSpeech = await speechRead;
  for (const [i, file] of stitched.files.entries()) {
    written.push(artifact(root, 'audio', FORMAT_FACTS[output.format].mediaType, file.file));
    if (allSpeech) speeches.push(speechOf(allSpeech, i));
    if (captions[i]) written.push(...(await writeCaptions(root, await captions[i]!)));
  }
  const chapters =
    output.split === 'chapter'
      ? chaptersOfFiles(files, stitched.files, format.sampleRate)
      : chapterList(placedChapters[0]!, format.sampleRate);
  // Split: the playlist stands for the document (its path is the result's), then the files; a
  // read-along book stands for its MP3s.
  const main = readAlong
    ? await writeReadAlongBook(root, {
        path,
        documentId,
        title: book.title,
        ...(output.author ? { author: output.author } : {}),
        ...(cast || output.narrator ? { narrator: cast?.narrator ?? output.narrator! } : {}),
        ...(output.language ? { language: output.language } : {}),
        ...(cover ? { cover: { bytes: await readFile(cover), mediaType: 'image/jpeg' as const } } : {}),
        files,
        stitched: stitched.files,
        speech: speeches,
        breaks: stored?.chunks.map((chunk) => chunk.breakAfter) ?? [],
        sampleRate: format.sampleRate,
      })
    : output.split === 'chapter'
      ? await writePlaylist(root, path, files, stitched.files, format.sampleRate)
      : written[0]!;
  if (folder) {
    written.push(
      await fileArtifact(root, 'cover', 'image/jpeg', join(folder.path, LIBRARY_COVER)),
      await writeSidecar(root, 'metadata', 'application/json', join(folder.path, LIBRARY_METADATA), libraryMetadata(book, chapters)),
    );
    await settleLibraryFolder(folder, documentId, [...new Set([main, ...written].map((file) => file.path))]);
  }
  const result = {
    bytes: main.bytes,
    sha256: main.sha256,
    ...format,
    frames: stitched.frames,
    durationSec: stitched.durationSec,
    ...(output.chapters === undefined ? {} : { chapters }),
    ...(stitched.loudness ? { loudness: stitched.loudness } : {}),
    ...(wentOn ? { aheadChunks: prefix!.pieces } : {}),
    ...(voiceOf
      ? {
          voices: voiceShares(
            stitched.files.flatMap((file) => file.placed),
            voiceOf,
            format.sampleRate,
            stitched.voiceLoudness,
          ),
        }
      : {}),
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

/** Speech files read at once. */
const SPEECH_READS_AT_ONCE = 16;

/**
 * What each chunk said, for its captions: its text from the plan when the document has one (else
 * from beside its audio), and its words from beside its audio when the engine timed them.
 */
async function loadSpeech(
  blobStore: BlobStore,
  texts: string[] | undefined,
  chunks: readonly ChunkRef[],
  beat: () => void,
  voiceOf?: (chunk: ChunkRef) => string,
): Promise<ChunkSpeech[]> {
  // A few at a time: a book has tens of thousands (from S3, a request each: the heartbeat says the stitch is alive meanwhile).
  return mapAtMost(chunks, SPEECH_READS_AT_ONCE, async (chunk) => {
    beat();
    const stored = await loadChunkSpeech(blobStore, chunk.uri);
    return { ...stored, text: texts?.[chunk.index] ?? stored?.text ?? '', ...(voiceOf ? { voice: voiceOf(chunk) } : {}) };
  });
}

/** Each voice's speech in the output (pauses not counted), most heard first, with its loudness when it was measured. */
function voiceShares(
  placed: readonly PlacedChunk[],
  voiceOf: (chunk: { index: number }) => string,
  sampleRate: number,
  loudness?: Map<string, LoudnessFigures>,
): VoiceShare[] {
  const frames = new Map<string, { frames: number; chunks: number }>();
  for (const chunk of placed) {
    const voice = frames.get(voiceOf(chunk)) ?? { frames: 0, chunks: 0 };
    frames.set(voiceOf(chunk), { frames: voice.frames + chunk.frames, chunks: voice.chunks + 1 });
  }
  const total = Math.max(
    1,
    placed.reduce((sum, chunk) => sum + chunk.frames, 0),
  );
  return [...frames]
    .map(([voice, { frames: own, chunks }]) => {
      const lufs = loudness?.get(voice)?.integratedLufs;
      return {
        voice,
        speechSec: Math.round((own / sampleRate) * 100) / 100,
        share: Math.round((own / total) * 1000) / 1000,
        chunks,
        ...(typeof lufs === 'number' && Number.isFinite(lufs) ? { loudnessLufs: lufs } : {}),
      };
    })
    .sort((a, b) => b.speechSec - a.speechSec);
}

/** A file already written (the library's cover), as the result names it. */
async function fileArtifact(root: string, kind: Artifact['kind'], mediaType: string, path: string): Promise<Artifact> {
  const bytes = await readFile(path);
  return artifact(root, kind, mediaType, { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
}

/** The workflow validated the name already; this guards the file system against any other caller. */
function outputPath(root: string, name: string): string {
  const path = resolve(root, name);
  if (!path.startsWith(root + sep)) {
    throw ApplicationFailure.nonRetryable(`output name "${name}" leads outside the output directory`, 'InvalidInputError');
  }
  return path;
}
