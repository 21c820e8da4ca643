// A read-along book: an EPUB 3 whose every sentence is highlighted as the audio reads it (Media
// Overlays), made from a document's chapters, their MP3s and their sentence timings. Checked with
// epubcheck in the tests. Entry point of src/formats/epub/.

import { chapterNames, NAV, type ReadAlongBook, STYLESHEET } from './book.ts';
import { chapterXhtml, stylesheet } from './chapter-text.ts';
import { overlaySmil } from './overlay.ts';
import { coverFile, navDocument, packageDocument } from './package-document.ts';
import { writeZip, type ZipEntry } from './zip-writer.ts';

export type { ReadAlongBook, ReadAlongChapter, ReadAlongSentence } from './book.ts';

export const EPUB_MEDIA_TYPE = 'application/epub+zip';

const CONTAINER = `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
`;

export async function writeReadAlongEpub(path: string, book: ReadAlongBook) {
  if (book.chapters.length === 0) throw new Error('a read-along book needs at least one chapter');
  const overlays = book.chapters.map((chapter, i) => overlaySmil(chapter, i));
  const chapters = book.chapters.map((chapter, i) => ({ index: i, overlay: overlays[i] !== undefined, durationMs: chapter.durationMs }));
  const entries: ZipEntry[] = [
    { name: 'mimetype', bytes: new TextEncoder().encode(EPUB_MEDIA_TYPE), store: true },
    { name: 'META-INF/container.xml', text: CONTAINER },
    { name: 'OEBPS/content.opf', text: packageDocument(book, chapters) },
    { name: `OEBPS/${NAV}`, text: navDocument(book) },
    { name: `OEBPS/${STYLESHEET}`, text: stylesheet() },
    ...(book.cover ? [{ name: `OEBPS/${coverFile(book.cover.mediaType)}`, bytes: book.cover.bytes, store: true }] : []),
    ...book.chapters.flatMap((chapter, i): ZipEntry[] => {
      const names = chapterNames(i);
      const overlay = overlays[i];
      return [
        { name: `OEBPS/${names.text}`, text: chapterXhtml(book, chapter, i) },
        ...(overlay
          ? [
              { name: `OEBPS/${names.overlay}`, text: overlay },
              { name: `OEBPS/${names.audio}`, file: chapter.audioPath },
            ]
          : []),
      ];
    }),
  ];
  return writeZip(path, entries);
}
