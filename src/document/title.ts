// What a document is called where people see it: lists, the title tag, chapter names.

import type { ChapterStart } from '../contract/reports.ts';
import { chunkText } from '../text/chunker.ts';

const MAX_TITLE_CHARS = 80;
/** The first heading is looked for in the text's beginning: a title sits there, and a book is long. */
const HEADING_SCAN_CHARS = 20_000;

/** What is known of a document before it starts: the user's title, its file's own, the file's name. */
export interface TitleSources {
  /** `--title`, `output.title`, the form's title. */
  given?: string;
  /** Front matter `title:`, an EPUB's dc:title, an HTML <title>. */
  metadata?: string;
  /** The file it came from ("book.md"); absent for pasted text. */
  fileName?: string;
}

/**
 * The one rule for a document's title, wherever it is shown (lists, the page, tags, download names):
 * the given title, else the file's metadata, else the first heading as it is read aloud (no markup),
 * else the file's name, else the first line of the text.
 */
export function titleOfDocument(text: string, sources: TitleSources = {}): string {
  const title =
    oneLineTitle(sources.given) ??
    oneLineTitle(sources.metadata) ??
    firstHeading(text) ??
    oneLineTitle(sources.fileName ? fileStem(sources.fileName) : undefined) ??
    titleFromText(text);
  return title.length > MAX_TITLE_CHARS * 4 ? `${title.slice(0, MAX_TITLE_CHARS * 4 - 1)}…` : title;
}

/** The first heading the chunker finds (Markdown `#`, a short line without final punctuation), without markup. */
export function firstHeading(text: string): string | undefined {
  const chunks = chunkText(text.slice(0, HEADING_SCAN_CHARS), { speakable: true, maxChunkChars: HEADING_SCAN_CHARS });
  return oneLineTitle(chunks.find((chunk) => chunk.breakAfter === 'heading')?.text);
}

/** Tags are one line of at most 500 characters: an EPUB's title or creator may hold a line break. */
export function oneLineTag(value: string): string {
  return oneLineTitle(value)?.slice(0, 500) ?? '';
}

/** Titles are one line: an EPUB's title may hold a line break; control characters go too. */
function oneLineTitle(value: string | undefined): string | undefined {
  const line = value
    ?.replace(/[\u0000-\u001f\u007f-\u009f\uE000-\uF8FF]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  return line ? line : undefined;
}

/** The first non-empty line of a text, shortened. */
function titleFromText(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  return line.length > MAX_TITLE_CHARS ? `${line.slice(0, MAX_TITLE_CHARS - 1)}…` : line;
}

/** The title tag, and what lists show: as given, else the first heading, else the file's name. */
export function documentTitle(title: string | undefined, headings: readonly ChapterStart[], outputName: string): string {
  return title ?? headings[0]?.title ?? fileStem(outputName);
}

/** A file's name without its folders and extension: "books/talk.mp3" → "talk". */
export function fileStem(name: string): string {
  return name.replace(/^.*\//u, '').replace(/\.\w+$/u, '');
}

/** Chapters at the headings; what comes before the first heading is a chapter of its own, under the document's (or file's) name. */
export function chapterStarts(title: string | undefined, headings: readonly ChapterStart[], outputName: string): ChapterStart[] {
  return headings.length > 0 && headings[0]!.chunk > 0 ? [{ chunk: 0, title: title ?? fileStem(outputName) }, ...headings] : [...headings];
}
