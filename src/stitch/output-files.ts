// Where a stitched document's files go (one audio file, or one per chapter and a playlist of them),
// and the text files written beside the audio: the playlist, the captions and the timings.

import { createHash, randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BookDetails } from '../contract/book-details.ts';
import type { OutputFormat } from '../contract/input-schema.ts';
import type { ChunkRef } from '../contract/refs.ts';
import type { Chapter, ChapterStart } from '../contract/reports.ts';
import type { Artifact } from '../contract/result.ts';
import {
  type ChunkSpeech,
  chapterFileName,
  chapterList,
  m3uPlaylist,
  PLAYLIST_MEDIA_TYPE,
  splitAtChapters,
  srt,
  type Tags,
  timeSentences,
  type WrittenFile,
  webVtt,
} from '../formats/index.ts';
import type { PlacedChunk } from './joiner.ts';
import type { StitchedFile } from './stitcher.ts';

/** What the layout reads of the document's output options (the stitch activity's `output`). */
export interface OutputLayout extends BookDetails {
  format: OutputFormat;
  chapters?: ChapterStart[];
  /** One file per chapter in a folder named after the document, and a playlist of them. */
  split?: 'chapter';
}

export type FilePiece = ChunkRef & { pauseAfterMs: number };

export interface FilePlan {
  path: string;
  pieces: FilePiece[];
  tags: Tags;
  /** Chapter marks inside the file. */
  chapters: ChapterStart[];
  title?: string;
}

/**
 * The audio files of a document whose main file is `path`: that one, or one per chapter, in
 * `chapterFolder` (default: a folder named after `path`).
 */
export function planFiles(path: string, output: OutputLayout, pieces: FilePiece[], chapterFolder?: string): FilePlan[] {
  return output.split === 'chapter'
    ? chapterFiles(path, output, pieces, chapterFolder)
    : [{ path, pieces, tags: tagsOf(output), chapters: output.chapters ?? [] }];
}

function tagsOf(output: OutputLayout): Tags {
  const { title, author, narrator, description, language, series, seriesPart } = output;
  const tags = { title, author, narrator, description, language, series, ...(series ? { seriesPart } : {}) };
  return Object.fromEntries(Object.entries(tags).filter(([, value]) => value)) as Tags;
}

/** One file per chapter, `<name>/<nn> <title>.<ext>`, tagged as a track of the book. */
function chapterFiles(path: string, output: OutputLayout, pieces: FilePiece[], chapterFolder?: string): FilePlan[] {
  const dir = chapterFolder ?? path.replace(/\.[^./]+$/u, '');
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
export function chaptersOfFiles(files: FilePlan[], stitched: StitchedFile[], sampleRate: number): Chapter[] {
  let startFrame = 0;
  return stitched.map((file, i) => {
    const chapter = { title: files[i]!.title ?? '', startFrame, endFrame: startFrame + file.frames };
    startFrame = chapter.endFrame;
    return chapterList([chapter], sampleRate)[0]!;
  });
}

/** `<name>.m3u8` beside the folder of files, listing them in order. */
export async function writePlaylist(
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

/** A text file to write beside the audio: its kind, path, media type and text. */
export type CaptionFile = [Artifact['kind'], string, string, string];

/**
 * `<name>.vtt`, `<name>.srt` and `<name>.timings.json` beside the audio, from what its chunks said
 * (in order): their texts, made while the audio is written (they need its placement only).
 */
export function captionFiles(
  audioPath: string,
  placed: PlacedChunk[],
  speech: ChunkSpeech[],
  sampleRate: number,
  frames: number,
): CaptionFile[] {
  const timings = timeSentences(placed, speech, sampleRate, frames);
  const base = audioPath.replace(/\.[^./]+$/u, '');
  return [
    ['captions', `${base}.vtt`, 'text/vtt', webVtt(timings)],
    ['captions', `${base}.srt`, 'application/x-subrip', srt(timings)],
    ['timings', `${base}.timings.json`, 'application/json', `${JSON.stringify(timings, null, 1)}\n`],
  ];
}

/** The captions written, once their audio is. */
export async function writeCaptions(root: string, files: CaptionFile[]): Promise<Artifact[]> {
  return Promise.all(
    files.map(async ([kind, path, mediaType, text]) => artifact(root, kind, mediaType, await writeAtomically(path, text))),
  );
}

/** A text file beside the audio (a library's metadata.json), written whole or not at all. */
export async function writeSidecar(root: string, kind: Artifact['kind'], mediaType: string, path: string, text: string): Promise<Artifact> {
  return artifact(root, kind, mediaType, await writeAtomically(path, text));
}

/** A written file as the result names it: relative to `root`, and as a file: URL. */
export function artifact(root: string, kind: Artifact['kind'], mediaType: string, file: WrittenFile): Artifact {
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

/** Written beside `path` and renamed: nothing half-written ever has the final name. */
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
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
