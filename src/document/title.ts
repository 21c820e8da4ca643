// What a document is called where people see it: lists, the title tag, chapter names.

import type { ChapterStart } from '../contract/reports.ts';

const MAX_TITLE_CHARS = 80;

/** The first non-empty line of a text, shortened. */
export function titleFromText(text: string): string {
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
