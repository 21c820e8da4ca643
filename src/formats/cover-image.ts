// A book's cover as one square-ish JPEG: the image it came with (an EPUB's cover, in whatever type
// ffmpeg reads), or one drawn from its title and author when it has none. JPEG because every
// container that holds a picture takes it, and Audiobookshelf looks for `cover.jpg` first.

import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FfmpegProcess } from '../audio/ffmpeg.ts';

/** A drawn cover's side, in pixels: square, as audiobook stores ask. */
export const DRAWN_COVER_SIZE = 1400;
/** A given cover larger than this on a side is scaled down: a cover is embedded in every file. */
const MAX_COVER_SIDE = 2000;
/** Dark enough for white text; one per book, picked by its title. */
const BACKGROUNDS = ['0x2b3a55', '0x3d2b55', '0x553a2b', '0x2b5540', '0x552b3a', '0x1f4e5f', '0x4a4a2b', '0x3b3b3b'];

/** `image` (JPEG, PNG, GIF, WebP...) written to `path` as a JPEG; false when ffmpeg cannot read it (an SVG cover). */
export async function writeCoverJpeg(image: Uint8Array, path: string): Promise<boolean> {
  const ffmpeg = new FfmpegProcess([
    '-loglevel',
    'error',
    '-i',
    'pipe:0',
    '-vf',
    `scale=w='min(${MAX_COVER_SIDE},iw)':h='min(${MAX_COVER_SIDE},ih)':force_original_aspect_ratio=decrease,format=yuvj420p`,
    ...jpegTo(partial(path)),
  ]);
  try {
    await ffmpeg.write(image);
    await ffmpeg.finish();
    await rename(partial(path), path);
    return true;
  } catch {
    await rm(partial(path), { force: true });
    return false;
  }
}

/** A cover drawn for a book that has none: its title large, its author below, white on a colour of its own. */
export async function writeDrawnCover(book: { title: string; author?: string }, path: string): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'cover-'));
  try {
    const size = DRAWN_COVER_SIZE;
    const title = fitTitle(book.title);
    const author = book.author ? wrapWords(book.author, charsPerLine(56)).slice(0, 2) : [];
    const lines = [
      ...title.lines.map((text, i) => ({ text, font: BOLD, size: title.size, y: 180 + i * Math.round(title.size * 1.25) })),
      ...author.map((text, i) => ({ text, font: REGULAR, size: 56, y: size - 260 + i * 72 })),
    ];
    // Each line from a file of its own: no escaping of the text, and no %{…} expansion.
    const filters = await Promise.all(
      lines.map(async (line, i) => {
        const file = join(folder, `line-${i}.txt`);
        await writeFile(file, line.text);
        return (
          `drawtext=fontfile=${filterPath(fontFile(line.font))}:textfile=${filterPath(file)}:expansion=none:` +
          `fontcolor=white:fontsize=${line.size}:x=(w-text_w)/2:y=${line.y}`
        );
      }),
    );
    const ffmpeg = new FfmpegProcess([
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `color=c=${backgroundOf(book.title)}:s=${size}x${size}`,
      '-vf',
      [...filters, 'format=yuvj420p'].join(','),
      ...jpegTo(partial(path)),
    ]);
    await ffmpeg.finish();
    await rename(partial(path), path);
  } finally {
    await rm(partial(path), { force: true });
    await rm(folder, { recursive: true, force: true });
  }
}

// --- Helpers ---

/** One frame, as a good-quality JPEG, to `path`. */
const jpegTo = (path: string): string[] => ['-frames:v', '1', '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', '-y', path];

/** Written beside, then renamed: a library's scanner never reads half a cover. */
const partial = (path: string): string => `${path}.partial`;

const BOLD = 'DejaVuSans-Bold.ttf';
const REGULAR = 'DejaVuSans.ttf';

/** DejaVu from its npm package: the same font on every machine, none needed from the system. */
function fontFile(name: string): string {
  return join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf', name);
}

/** The title's lines and font size: as large as fits six lines across the cover. */
function fitTitle(title: string): { lines: string[]; size: number } {
  for (let size = 120; size > 48; size -= 12) {
    const lines = wrapWords(title, charsPerLine(size));
    if (lines.length <= 6) return { lines, size };
  }
  const lines = wrapWords(title, charsPerLine(48));
  return { lines: lines.length > 6 ? [...lines.slice(0, 5), '…'] : lines, size: 48 };
}

/** DejaVu Sans's widest common letters are about 0.7 em: a line this long fits 1,240 px. */
function charsPerLine(fontSize: number): number {
  return Math.floor((DRAWN_COVER_SIZE - 160) / (fontSize * 0.7));
}

/** Words in lines of at most `width` characters; a longer word is cut. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/u).filter(Boolean)) {
    while ([...word].length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push([...word].slice(0, width).join(''));
      word = [...word].slice(width).join('');
    }
    if (!line) line = word;
    else if ([...`${line} ${word}`].length <= width) line = `${line} ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function backgroundOf(title: string): string {
  return BACKGROUNDS[createHash('sha256').update(title).digest()[0]! % BACKGROUNDS.length]!;
}

/** A path as a value inside an ffmpeg filter graph: escaped for the filter's options, then for the graph. */
function filterPath(path: string): string {
  const option = path.replace(/[\\':]/gu, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/gu, (c) => `\\${c}`);
}
