// EPUB 2 and 3 → blocks: the spine's documents in reading order, each converted like an HTML
// page (html.ts), with the table of contents' titles as headings, front matter left out or announced
// (epub-front-matter.ts). DRM-protected books are refused.

import { BlockList } from './document-text.ts';
import { type FrontMatter, frontMatterPaths, isUnmarkedTitlePage, titleAnnouncement } from './epub-front-matter.ts';
import { readPackage } from './epub-package.ts';
import { readTocTitles } from './epub-toc.ts';
import { attribute, elements, parseXml, xmlBytesToText } from './epub-xml.ts';
import { DocumentFileError } from './errors.ts';
import { htmlToBlocks } from './html.ts';
import { ZipArchive } from './zip-archive.ts';

export interface EpubOptions {
  /**
   * Title and copyright pages, covers and tables of contents are never read. 'announce' (the default)
   * opens the book with "<Title>. By <Author>." from its metadata, before the first chapter's heading;
   * 'skip' opens it with the first chapter.
   */
  frontMatter?: FrontMatter;
}

export interface EpubContent extends BookMetadata {
  blocks: BlockList;
  title?: string;
  author?: string;
}

/** What the book says of itself beyond title and author, for the audio's tags and a library. */
export interface BookMetadata {
  /** Its cover image as it is in the book. */
  cover?: { bytes: Uint8Array; mediaType: string };
  description?: string;
  language?: string;
  series?: string;
  seriesPart?: string;
}

const EPUB_MIME_TYPE = 'application/epub+zip';
const CONTENT_MEDIA_TYPES = new Set(['application/xhtml+xml', 'text/html']);
/** Font obfuscation (IDPF and Adobe) scrambles embedded fonts only; it is not DRM. */
const FONT_OBFUSCATION = new Set(['http://www.idpf.org/2008/embedding', 'http://ns.adobe.com/pdf/enc#RC']);

/** The zip local-file signature every EPUB starts with. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads an EPUB (a zip whose "mimetype" says so, or a .epub with a container.xml).
 * Throws DocumentFileError for a damaged, protected, non-EPUB or empty archive.
 */
export function readEpub(bytes: Uint8Array, fileName: string, { frontMatter = 'announce' }: EpubOptions = {}): EpubContent {
  const name = JSON.stringify(fileName);
  const unreadable = (problem: string): DocumentFileError => new DocumentFileError(`${name} is not a readable EPUB: ${problem}`);
  if (!isZip(bytes)) throw unreadable('it is not a zip archive');
  const archive = new ZipArchive(bytes, (problem) => unreadable(`the zip archive is damaged (${problem})`));

  const mimetype = archive.read('mimetype');
  const declared = mimetype !== undefined && new TextDecoder().decode(mimetype).trim() === EPUB_MIME_TYPE;
  if (!declared && !/\.epub$/iu.test(fileName)) {
    throw new DocumentFileError(`${name} is a zip archive, not an EPUB; convert it to text or EPUB first`);
  }
  refuseDrm(archive, name);

  const book = readPackage(archive, unreadable);
  const titles = readTocTitles(archive, book);
  const unspoken = frontMatterPaths(archive, book);
  const readingOrder = book.spine.filter(
    (item) => item.linear && item.path !== book.navPath && !unspoken.has(item.path) && CONTENT_MEDIA_TYPES.has(item.mediaType),
  );
  const documents = archive.readAll(readingOrder.map((item) => item.path));
  const blocks = new BlockList();
  for (const item of readingOrder) {
    const content = documents.get(item.path);
    documents.delete(item.path); // one chapter's bytes at a time once read (a spine may repeat one: read once)
    if (!content) continue; // a dangling spine entry: read the rest of the book
    const forDocument = titles.get(item.path);
    const start = blocks.blocks.length;
    const { hasText } = htmlToBlocks(xmlBytesToText(content), blocks, {
      source: `${name} (${item.path})`,
      headingsAtStart: forDocument?.atStart ?? [],
      headingsAtId: forDocument?.atId ?? new Map(),
    });
    // A TOC title over nothing ("Cover" over an image) would be a chapter of silence; a title page
    // before the text would read the author's name as a chapter.
    if (!hasText || (start === 0 && isUnmarkedTitlePage(blocks.blocks, book))) blocks.blocks.length = start;
  }
  if (blocks.blocks.length === 0) {
    throw new DocumentFileError(`${name} has no readable text (its pages may be images, or its spine lists no documents)`);
  }
  // Before the first heading and not a heading itself: the book's opening, not a chapter of its own.
  const announcement = frontMatter === 'announce' ? titleAnnouncement(book) : undefined;
  if (announcement) blocks.blocks.unshift({ kind: 'paragraph', text: announcement });
  const result: EpubContent = { blocks };
  if (book.title) result.title = book.title;
  if (book.authors.length > 0) result.author = book.authors.join(', ');
  const { cover, ...details } = book.details;
  const coverBytes = cover && archive.read(cover.path);
  return { ...result, ...details, ...(cover && coverBytes ? { cover: { bytes: coverBytes, mediaType: cover.mediaType } } : {}) };
}

/** Adobe ADEPT leaves rights.xml; it, Readium LCP, Apple FairPlay and others list encrypted documents. */
function refuseDrm(archive: ZipArchive, name: string): void {
  const fix = 'remove the protection with the tool you bought it with, or use a DRM-free copy';
  const protectedBy = (what: string): DocumentFileError => new DocumentFileError(`${name} is protected by DRM (${what}); ${fix}`);
  if (archive.find('META-INF/rights.xml')) throw protectedBy('Adobe ADEPT: META-INF/rights.xml');

  const encryption = archive.read('META-INF/encryption.xml');
  if (!encryption) return;
  const encrypted = elements(parseXml(encryption), 'encrypteddata').filter((data) => {
    const method = elements(data, 'encryptionmethod')[0];
    const algorithm = method && attribute(method, 'algorithm');
    const reference = elements(data, 'cipherreference')[0];
    const uri = reference && attribute(reference, 'uri');
    // Fonts (and images) may be encrypted in a free book; its text documents may not.
    return (algorithm === undefined || !FONT_OBFUSCATION.has(algorithm)) && uri !== undefined && /\.(?:x?html?|xml|ncx|opf)$/iu.test(uri);
  });
  if (encrypted.length === 0) return;
  const count = `${encrypted.length} encrypted document${encrypted.length === 1 ? '' : 's'}`;
  throw protectedBy(`${drmScheme(archive, xmlBytesToText(encryption))}: META-INF/encryption.xml lists ${count}`);
}

/** Which DRM it is, by the files and namespaces each scheme leaves, for the message only. */
function drmScheme(archive: ZipArchive, encryptionXml: string): string {
  if (archive.find('META-INF/license.lcpl') || encryptionXml.includes('readium.org/2014/01/lcp')) return 'Readium LCP';
  if (archive.find('META-INF/sinf.xml')) return 'Apple FairPlay';
  if (encryptionXml.includes('ns.adobe.com/adept')) return 'Adobe ADEPT';
  return 'encrypted content';
}
