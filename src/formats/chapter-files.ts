// One file per chapter (output.split "chapter"): which chunks go into which file, the files'
// names (`<name>/<nn> <title>.<ext>`, as ACX and audiobook players sort them), and an M3U playlist
// that lists them in order.

import type { ChapterStart } from '../contract/reports.ts';

/** Longest title kept in a file name: names stay well under file systems' 255 bytes. */
const MAX_TITLE_CHARS = 80;

/** The chunks of each chapter, in order; the text before the first heading goes with the first chapter. */
export function splitAtChapters<T>(chunks: T[], chapters: ChapterStart[]): Array<{ title?: string; chunks: T[] }> {
  if (chapters.length === 0) return [{ chunks }];
  return chapters.map((chapter, i) => ({
    title: chapter.title,
    chunks: chunks.slice(i === 0 ? 0 : chapter.chunk, chapters[i + 1]?.chunk ?? chunks.length),
  }));
}

/** `01 Chapter One.mp3`: numbered so that names sort in order; characters file systems refuse are replaced. */
export function chapterFileName(number: number, count: number, title: string | undefined, extension: string): string {
  const digits = Math.max(2, String(count).length);
  const cleaned = [
    ...(title ?? '')
      .replace(/[\\/:*?"<>|\p{Cc}\p{Cf}]/gu, ' ')
      .replace(/\s+/gu, ' ')
      .trim(),
  ]
    .slice(0, MAX_TITLE_CHARS)
    .join('')
    .replace(/[. ]+$/u, ''); // Windows drops trailing dots and spaces
  return `${String(number).padStart(digits, '0')}${cleaned ? ` ${cleaned}` : ''}.${extension}`;
}

/** An extended M3U playlist (UTF-8): each file's duration and title, then its path relative to the playlist. */
export function m3uPlaylist(entries: Array<{ path: string; title: string; durationSec: number }>): string {
  const lines = ['#EXTM3U'];
  for (const entry of entries) lines.push(`#EXTINF:${Math.round(entry.durationSec)},${entry.title.replace(/[\r\n]+/gu, ' ')}`, entry.path);
  return `${lines.join('\n')}\n`;
}
