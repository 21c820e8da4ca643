// An EPUB's table of contents (EPUB 3 nav, else EPUB 2 NCX) as titles per spine document: the
// headings a listener hears, even in books whose chapters have none of their own.

import { type EpubPackage, resolveHref } from './epub-package.ts';
import { attribute, elements, parseXml, textOf, type XmlElement } from './epub-xml.ts';
import type { ZipArchive } from './zip-archive.ts';

/** Where each TOC title goes in one spine document. */
export interface DocumentTitles {
  /** Entries that point at the document itself, in TOC order. */
  atStart: string[];
  /** Entries that point at an element inside it, by id. */
  atId: Map<string, string>;
}

interface TocEntry {
  title: string;
  path: string;
  fragment?: string;
}

/** The TOC titles by zip path; empty if the book has no readable TOC (it is optional in practice). */
export function readTocTitles(archive: ZipArchive, book: EpubPackage): Map<string, DocumentTitles> {
  const entries = (book.navPath && navEntries(archive, book.navPath)) || (book.ncxPath && ncxEntries(archive, book.ncxPath)) || [];
  const titles = new Map<string, DocumentTitles>();
  for (const { title, path, fragment } of entries) {
    const forDocument = titles.get(path) ?? { atStart: [], atId: new Map<string, string>() };
    titles.set(path, forDocument);
    if (fragment === undefined) {
      if (forDocument.atStart.at(-1) !== title) forDocument.atStart.push(title);
    } else if (!forDocument.atId.has(fragment)) {
      forDocument.atId.set(fragment, title);
    }
  }
  return titles;
}

/** EPUB 3: the links of <nav epub:type="toc"> (nested ones too), in order. */
function navEntries(archive: ZipArchive, navPath: string): TocEntry[] | undefined {
  const bytes = archive.read(navPath);
  if (!bytes) return undefined;
  const navs = elements(parseXml(bytes, { html: true }), 'nav');
  const isToc = (nav: XmlElement): boolean => /\btoc\b/u.test(`${attribute(nav, 'type') ?? ''} ${attribute(nav, 'role') ?? ''}`);
  const toc = navs.find(isToc) ?? navs[0];
  if (!toc) return undefined;
  const links = elements(toc, 'a').map((link) => ({ title: textOf(link), href: attribute(link, 'href') }));
  return toEntries(navPath, links);
}

/** EPUB 2: every navPoint (nested ones too), in document order, which is reading order. */
function ncxEntries(archive: ZipArchive, ncxPath: string): TocEntry[] | undefined {
  const bytes = archive.read(ncxPath);
  if (!bytes) return undefined;
  const points = elements(parseXml(bytes), 'navpoint').map((point) => {
    // Only this point's own label and content, not those of the points nested in it.
    const own = point.children.filter((child): child is XmlElement => 'name' in child);
    const label = own.find((child) => child.name.toLowerCase().endsWith('navlabel'));
    const content = own.find((child) => child.name.toLowerCase().endsWith('content'));
    return { title: label ? textOf(label) : '', href: content && attribute(content, 'src') };
  });
  return toEntries(ncxPath, points);
}

function toEntries(tocPath: string, links: Array<{ title: string; href: string | undefined }>): TocEntry[] | undefined {
  const entries: TocEntry[] = [];
  for (const { title, href } of links) {
    const target = href === undefined ? undefined : resolveHref(tocPath, href);
    if (title && target) entries.push({ title, ...target });
  }
  return entries.length > 0 ? entries : undefined;
}
