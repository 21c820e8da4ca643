// An EPUB's front matter: the pages about the book rather than of it (title page, copyright page,
// cover, table of contents) are not read as chapters; the book opens with "<Title>. By <Author>."
// instead, or with its first chapter.

import { type Block, sameTitleKey } from './document-text.ts';
import { type EpubPackage, type Landmark, resolveHref } from './epub-package.ts';
import { attribute, elements, parseXml, type XmlElement } from './epub-xml.ts';
import type { ZipArchive } from './zip-archive.ts';

/** How an EPUB's title page is read: 'announce', the book opens with its title and authors, once; 'skip', with its first chapter. */
export const FRONT_MATTER = ['announce', 'skip'] as const;
export type FrontMatter = (typeof FRONT_MATTER)[number];

/**
 * Page types that are not read: EPUB 2 guide types, EPUB 3 epub:type values and DPUB-ARIA roles.
 * Prose front matter (a preface, a foreword, a dedication) is read as written, and so is a page that
 * only says "frontmatter": pandoc marks prefaces that way too.
 */
export const UNSPOKEN_PAGE_TYPES = new Set([
  'cover',
  'doc-cover',
  'title-page',
  'titlepage',
  'halftitlepage',
  'seriespage',
  'copyright-page',
  'imprint',
  'imprimatur',
  'toc',
  'toc-brief',
  'doc-toc',
  'loa',
  'loi',
  'lot',
  'lov',
]);
/** Where the text itself starts: a document marked so is read, whatever else marks it. */
const TEXT_START_TYPES = new Set(['bodymatter', 'text']);

/** A title page names the book in a few short lines. */
const TITLE_PAGE_MAX_BLOCKS = 10;
const TITLE_PAGE_MAX_CHARS = 200;

/**
 * The spine documents the guide or the landmarks call front matter, by zip path. A reference into
 * a document (with a fragment) marks only part of it, so it leaves the document to be read.
 */
export function frontMatterPaths(archive: ZipArchive, book: EpubPackage): Set<string> {
  const landmarks = [...book.guide, ...(book.navPath ? navLandmarks(archive, book.navPath) : [])];
  const textStarts = new Set(landmarks.filter(({ type }) => TEXT_START_TYPES.has(type)).map(({ path }) => path));
  const paths = landmarks
    .filter(({ type, path, fragment }) => UNSPOKEN_PAGE_TYPES.has(type) && fragment === undefined && !textStarts.has(path))
    .map(({ path }) => path);
  return new Set(paths);
}

/** EPUB 3: the links of <nav epub:type="landmarks">, one per type. */
function navLandmarks(archive: ZipArchive, navPath: string): Landmark[] {
  const bytes = archive.read(navPath);
  if (!bytes) return [];
  const nav = elements(parseXml(bytes, { html: true }), 'nav').find((element) => typesOf(element).includes('landmarks'));
  if (!nav) return [];
  return elements(nav, 'a').flatMap((link) => {
    const href = attribute(link, 'href');
    const target = href === undefined ? undefined : resolveHref(navPath, href);
    return target ? typesOf(link).map((type) => ({ type, ...target })) : [];
  });
}

function typesOf(element: XmlElement): string[] {
  return (attribute(element, 'type') ?? '').toLowerCase().split(/\s+/u).filter(Boolean);
}

/**
 * A title page that nothing marks (pandoc's EPUB 2 has no landmarks): a few short lines, among them
 * the book's title and one of its authors ("Mara Quill" or "by Mara Quill").
 */
export function isUnmarkedTitlePage(blocks: readonly Block[], book: EpubPackage): boolean {
  if (!book.title || blocks.length === 0 || blocks.length > TITLE_PAGE_MAX_BLOCKS) return false;
  const lines = blocks.map((block) => (block.kind === 'items' ? block.items.join(' ') : block.text));
  if (lines.some((line) => line.length > TITLE_PAGE_MAX_CHARS)) return false;
  const keys = new Set(lines.map(sameTitleKey));
  const authorNamed = book.authors.some((author) => keys.has(sameTitleKey(author)) || keys.has(sameTitleKey(`by ${author}`)));
  return keys.has(sameTitleKey(book.title)) && authorNamed;
}

/** "<Title>. By <Author> and <Author>." from the package metadata; undefined without a title. */
export function titleAnnouncement(book: EpubPackage): string | undefined {
  if (!book.title) return undefined;
  const sentence = (text: string): string => (/[.!?…]["'’”)]*$/u.test(text) ? text : `${text}.`);
  const authors = new Intl.ListFormat('en', { type: 'conjunction' }).format(book.authors);
  return book.authors.length > 0 ? `${sentence(book.title)} By ${sentence(authors)}` : sentence(book.title);
}
