// A book in an audiobook library the way Audiobookshelf scans one (its docs: "Book directory
// structure"; its code: server/utils/scandir.js getBookDataFromDir, abmetadataGenerator.js):
// `<Author>/<Series>/<Title>/` (or `<Author>/<Title>/`, or `<Title>/` with no author), the audio,
// `cover.jpg` and `metadata.json` inside. Folder names are made to parse back to the same
// title, author and series; metadata.json, which Audiobookshelf reads last, says it all exactly.

import type { BookDetails } from '../contract/book-details.ts';
import type { Chapter } from '../contract/reports.ts';
import { seriesName } from './ffmetadata.ts';

/** A library's book always has a title: its folder is named after it. */
export type LibraryBook = BookDetails & { title: string };

/** Audiobookshelf takes `cover.<ext>` first, matched case-sensitively (BookScanner: /\/cover\.[^./]*$/). */
export const LIBRARY_COVER = 'cover.jpg';
export const LIBRARY_METADATA = 'metadata.json';
/** Names stay well under file systems' 255 bytes, with room for " (12)" and an extension. */
const MAX_NAME_BYTES = 180;

/**
 * The book's folder, relative to the library: one to three names. A series folder only under an
 * author (Audiobookshelf reads the folder above the title as the author when there are only two),
 * and then the title folder starts "Vol N - " so that the scanner finds its place in the series.
 */
export function libraryFolders(book: LibraryBook): string[] {
  const title = folderName(book.title, 'Untitled');
  if (!book.author?.trim()) return [title];
  const author = folderName(book.author, 'Unknown Author');
  if (!book.series?.trim()) return [author, title];
  return [author, folderName(book.series, 'Series'), book.seriesPart ? folderName(`Vol ${book.seriesPart} - ${title}`, title) : title];
}

/**
 * A name every file system takes and Audiobookshelf reads back as it is: no path separators or
 * characters Windows refuses, no control characters, no leading dot (hidden) or trailing dot or
 * space, curly braces made round (a trailing "{…}" would be read as the narrator), at most
 * MAX_NAME_BYTES of UTF-8 (cut between characters).
 */
export function folderName(text: string, fallback: string): string {
  const cleaned = text
    .normalize('NFC')
    .replace(/[\\/:*?"<>|\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\{/gu, '(')
    .replace(/\}/gu, ')')
    .replace(/\s+/gu, ' ')
    .trim();
  let name = '';
  for (const character of cleaned) {
    if (Buffer.byteLength(name + character) > MAX_NAME_BYTES) break;
    name += character;
  }
  name = name.replace(/^[. ]+/u, '').replace(/[. ]+$/u, '');
  return name === '' ? fallback : name;
}

/**
 * metadata.json with the keys Audiobookshelf reads (abmetadataGenerator's `book` keys), only those
 * known: an absent key leaves what other sources said. Chapters in seconds, each with a title
 * (one without, or a NaN, makes it drop them all).
 */
export function libraryMetadata(book: LibraryBook, chapters: readonly Chapter[]): string {
  const metadata = {
    title: book.title,
    authors: book.author ? [book.author] : [],
    narrators: book.narrator ? [book.narrator] : [],
    series: book.series ? [seriesName(book.series, book.seriesPart)] : [],
    genres: ['Audiobook'],
    ...(book.description ? { description: book.description } : {}),
    ...(book.language ? { language: book.language } : {}),
    explicit: false,
    abridged: false,
    chapters: chapters.map((chapter, id) => ({
      id,
      start: chapter.startMs / 1000,
      end: (chapter.startMs + chapter.durationMs) / 1000,
      title: chapter.title || `Chapter ${id + 1}`,
    })),
  };
  return `${JSON.stringify(metadata, null, 2)}\n`;
}
