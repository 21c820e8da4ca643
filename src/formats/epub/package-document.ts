// The package document (content.opf) and the navigation document: the book's metadata, every file
// in it, the reading order, and the media overlay facts readers need (durations, the active class).

import { ACTIVE_CLASS, chapterNames, NAV, type ReadAlongBook, STYLESHEET } from './book.ts';
import { smilClock, xhtmlStart, xml } from './xml.ts';

export interface PackagedChapter {
  index: number;
  /** Has a media overlay (some sentence has a clip). */
  overlay: boolean;
  durationMs: number;
}

/** The cover's file name inside the book, by its type. */
export const coverFile = (mediaType: 'image/jpeg' | 'image/png') => `images/cover.${mediaType === 'image/png' ? 'png' : 'jpg'}`;

export function packageDocument(book: ReadAlongBook, chapters: PackagedChapter[]): string {
  // dcterms:modified is whole seconds: epubcheck refuses milliseconds.
  const modified = `${book.modified.toISOString().slice(0, 19)}Z`;
  const overlays = chapters.filter((chapter) => chapter.overlay);
  const totalMs = overlays.reduce((sum, chapter) => sum + chapter.durationMs, 0);
  const metadata = [
    `<dc:identifier id="uid">${xml(book.identifier)}</dc:identifier>`,
    `<dc:title>${xml(book.title)}</dc:title>`,
    `<dc:language>${xml(book.language)}</dc:language>`,
    ...(book.author
      ? [
          `<dc:creator id="author">${xml(book.author)}</dc:creator>`,
          '<meta refines="#author" property="role" scheme="marc:relators">aut</meta>',
        ]
      : []),
    ...(book.narrator
      ? [
          `<dc:contributor id="narrator">${xml(book.narrator)}</dc:contributor>`,
          '<meta refines="#narrator" property="role" scheme="marc:relators">nrt</meta>',
          `<meta property="media:narrator">${xml(book.narrator)}</meta>`,
        ]
      : []),
    ...(book.description ? [`<dc:description>${xml(book.description)}</dc:description>`] : []),
    `<meta property="dcterms:modified">${modified}</meta>`,
    ...(overlays.length > 0
      ? [
          `<meta property="media:duration">${smilClock(totalMs)}</meta>`,
          ...overlays.map(
            (chapter) =>
              `<meta property="media:duration" refines="#${chapterNames(chapter.index).overlayId}">${smilClock(chapter.durationMs)}</meta>`,
          ),
          `<meta property="media:active-class">${ACTIVE_CLASS}</meta>`,
        ]
      : []),
  ];
  const manifest = [
    `<item id="nav" href="${NAV}" media-type="application/xhtml+xml" properties="nav"/>`,
    `<item id="css" href="${STYLESHEET}" media-type="text/css"/>`,
    ...(book.cover
      ? [`<item id="cover" href="${coverFile(book.cover.mediaType)}" media-type="${book.cover.mediaType}" properties="cover-image"/>`]
      : []),
    ...chapters.flatMap(({ index, overlay }) => {
      const names = chapterNames(index);
      const mediaOverlay = overlay ? ` media-overlay="${names.overlayId}"` : '';
      return [
        `<item id="${names.id}" href="${names.text}" media-type="application/xhtml+xml"${mediaOverlay}/>`,
        ...(overlay
          ? [
              `<item id="${names.overlayId}" href="${names.overlay}" media-type="application/smil+xml"/>`,
              `<item id="${names.audioId}" href="${names.audio}" media-type="audio/mpeg"/>`,
            ]
          : []),
      ];
    }),
  ];
  // The contents first, outside the reading order: foliate-js (to 1.0.1 and upstream in 2026) never
  // puts the active class on the highlighted sentence of the spine's first document (view.js finds
  // it with `x.index = resolved.index`, an assignment, false for index 0), so no chapter is first.
  const spine = ['<itemref idref="nav" linear="no"/>', ...chapters.map(({ index }) => `<itemref idref="${chapterNames(index).id}"/>`)];
  return `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="${xml(book.language)}">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
${metadata.join('\n')}
</metadata>
<manifest>
${manifest.join('\n')}
</manifest>
<spine>
${spine.join('\n')}
</spine>
</package>
`;
}

/** The table of contents: one entry per chapter. */
export function navDocument(book: ReadAlongBook): string {
  const entries = book.chapters.map((chapter, i) => `<li><a href="${chapterNames(i).text}">${xml(chapter.title || `${i + 1}`)}</a></li>`);
  return `${xhtmlStart(book.language)}
<head>
<meta charset="UTF-8"/>
<title>${xml(book.title)}</title>
</head>
<body>
<nav epub:type="toc" id="toc">
<h1>${xml(book.title)}</h1>
<ol>
${entries.join('\n')}
</ol>
</nav>
</body>
</html>
`;
}
