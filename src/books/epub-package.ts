// An EPUB's package: META-INF/container.xml → the OPF → metadata, manifest and spine.

import { posix } from 'node:path';
import { type BookDetails, bookDetails } from './epub-details.ts';
import { attribute, elements, parseXml, textOf, type XmlNode } from './epub-xml.ts';
import type { DocumentFileError } from './errors.ts';
import type { ZipArchive } from './zip-archive.ts';

export interface ManifestItem {
  /** Path inside the zip. */
  path: string;
  mediaType: string;
  properties: string[];
}

export interface SpineItem extends ManifestItem {
  /** linear="no": outside the reading order (pop-ups, answer keys). */
  linear: boolean;
}

/** A page the book names by its role: an EPUB 2 <guide> reference, or an EPUB 3 landmark. */
export interface Landmark {
  /** "title-page", "copyright-page", "text" (guide); "titlepage", "bodymatter" (landmarks). */
  type: string;
  path: string;
  fragment?: string;
}

export interface EpubPackage {
  title?: string;
  /** dc:creator names that are authors, in order (see `authors`). */
  authors: string[];
  spine: SpineItem[];
  /** The EPUB 2 <guide>; EPUB 3 books may keep one for older readers. */
  guide: Landmark[];
  /** The EPUB 3 navigation document, if any. */
  navPath?: string;
  /** The EPUB 2 NCX table of contents, if any. */
  ncxPath?: string;
  /** What the book says of itself, for tags and a library (epub-details.ts). */
  details: BookDetails;
}

const CONTAINER = 'META-INF/container.xml';
const OPF_MEDIA_TYPE = 'application/oebps-package+xml';
const NCX_MEDIA_TYPE = 'application/x-dtbncx+xml';

/** Throws DocumentFileError (from `unreadable`) when the container or the OPF is missing. */
export function readPackage(archive: ZipArchive, unreadable: (problem: string) => DocumentFileError): EpubPackage {
  const container = archive.read(CONTAINER);
  if (!container) throw unreadable(`${CONTAINER} is missing`);
  const rootfiles = elements(parseXml(container), 'rootfile');
  const rootfile = rootfiles.find((element) => attribute(element, 'media-type') === OPF_MEDIA_TYPE) ?? rootfiles[0];
  const opfPath = rootfile && attribute(rootfile, 'full-path');
  if (!opfPath) throw unreadable(`${CONTAINER} names no package document (OPF)`);
  const opfBytes = archive.read(opfPath);
  if (!opfBytes) throw unreadable(`its package document ${opfPath} is missing`);
  const opf = parseXml(opfBytes);

  const manifest = new Map<string, ManifestItem>();
  const manifestElement = elements(opf, 'manifest')[0];
  for (const item of manifestElement ? elements(manifestElement, 'item') : []) {
    const id = attribute(item, 'id');
    const href = attribute(item, 'href');
    const target = href === undefined ? undefined : resolveHref(opfPath, href);
    if (id === undefined || !target) continue;
    manifest.set(id, {
      path: target.path,
      mediaType: (attribute(item, 'media-type') ?? '').toLowerCase(),
      properties: (attribute(item, 'properties') ?? '').split(/\s+/u).filter(Boolean),
    });
  }

  const spineElement = elements(opf, 'spine')[0];
  const spine: SpineItem[] = [];
  for (const itemref of spineElement ? elements(spineElement, 'itemref') : []) {
    const item = manifest.get(attribute(itemref, 'idref') ?? '');
    if (item) spine.push({ ...item, linear: attribute(itemref, 'linear') !== 'no' });
  }
  const items = [...manifest.values()];
  const ncx =
    manifest.get((spineElement && attribute(spineElement, 'toc')) ?? '') ?? items.find((item) => item.mediaType === NCX_MEDIA_TYPE);

  const metadata = elements(opf, 'metadata')[0];
  const result: EpubPackage = {
    spine,
    guide: guideOf(opf, opfPath),
    authors: metadata ? authors(metadata) : [],
    details: metadata ? bookDetails(metadata, manifestElement, (href) => resolveHref(opfPath, href)?.path) : {},
  };
  const title = metadata && elements(metadata, 'title').map(textOf).find(Boolean);
  const navPath = items.find((item) => item.properties.includes('nav'))?.path;
  if (title) result.title = title;
  if (navPath) result.navPath = navPath;
  if (ncx) result.ncxPath = ncx.path;
  return result;
}

function guideOf(opf: XmlNode, opfPath: string): Landmark[] {
  const guide: Landmark[] = [];
  for (const reference of elements(opf, 'guide').flatMap((element) => elements(element, 'reference'))) {
    const type = attribute(reference, 'type')?.toLowerCase();
    const href = attribute(reference, 'href');
    const target = href === undefined ? undefined : resolveHref(opfPath, href);
    if (type && target) guide.push({ type, ...target });
  }
  return guide;
}

/** dc:creator entries that are authors: no role, or role "aut" (EPUB 2 opf:role or an EPUB 3 refines). */
function authors(metadata: Parameters<typeof elements>[0]): string[] {
  const roles = new Map<string, string>();
  for (const meta of elements(metadata, 'meta')) {
    const refines = attribute(meta, 'refines');
    if (refines?.startsWith('#') && attribute(meta, 'property') === 'role') roles.set(refines.slice(1), textOf(meta));
  }
  const creators = elements(metadata, 'creator');
  const roleOf = (creator: (typeof creators)[number]): string | undefined =>
    attribute(creator, 'role') ?? roles.get(attribute(creator, 'id') ?? '');
  const named = creators
    .filter((creator) => (roleOf(creator) ?? 'aut') === 'aut')
    .map(textOf)
    .filter(Boolean);
  return named.length > 0 ? named : creators.slice(0, 1).map(textOf).filter(Boolean);
}

/** An href relative to `fromPath` → zip path and fragment; undefined for links out of the book. */
export function resolveHref(fromPath: string, href: string): { path: string; fragment?: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:/iu.test(href)) return undefined;
  const hash = href.indexOf('#');
  const pathPart = hash < 0 ? href : href.slice(0, hash);
  const fragment = hash < 0 ? undefined : safeDecode(href.slice(hash + 1));
  const path = pathPart === '' ? fromPath : posix.normalize(posix.join(posix.dirname(fromPath), safeDecode(pathPart))).replace(/^\/+/u, '');
  return fragment ? { path, fragment } : { path };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
