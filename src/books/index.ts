// A user's file (txt, Markdown, HTML, EPUB) → canonical document text (document-text.ts), the
// text the chunker reads. Detects the format by content first, then by the file name's extension.

import { decodeText } from './decode-text.ts';
import { BlockList, countHeadings, renderDocumentText } from './document-text.ts';
import { type BookMetadata, type EpubOptions, isZip, readEpub } from './epub.ts';
import { DocumentFileError } from './errors.ts';
import { htmlToBlocks } from './html.ts';
import { looksLikeMarkdown, markdownToBlocks } from './markdown.ts';

export { FRONT_MATTER, type FrontMatter } from './epub-front-matter.ts';
export { DocumentFileError } from './errors.ts';

export type SourceFormat = 'text' | 'markdown' | 'html' | 'epub';

export type { BookMetadata } from './epub.ts';

export interface ImportedDocument extends BookMetadata {
  /** Canonical document text (document-text.ts); for plain text, the text itself with LF line ends. */
  text: string;
  format: SourceFormat;
  /** From EPUB metadata (dc:title / dc:creator), an HTML <title>, Markdown front matter, or absent. */
  title?: string;
  author?: string;
  /** The encoding the bytes were decoded from, e.g. 'utf-8', 'utf-16le', 'windows-1252'. Absent for EPUB. */
  encoding?: string;
  /** Number of headings in `text`; 0 for plain text, whose headings only the chunker finds. */
  chapters: number;
}

const HTML_START = /^(?:\s|<\?xml[^>]*>|<!--[\s\S]*?-->)*<(?:!doctype\s+html|html[\s>])/iu;

/** How a document is read; an option for one format does nothing to the others. */
export type ReadOptions = EpubOptions;

/** Reads `bytes` (named `fileName`, for its extension and for messages). Throws DocumentFileError only. */
export async function readDocument(bytes: Uint8Array, fileName: string, options: ReadOptions = {}): Promise<ImportedDocument> {
  const extension = /\.([^./\\]+)$/u.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const name = JSON.stringify(fileName);

  if (isZip(bytes) || extension === 'epub') {
    const { blocks, ...metadata } = readEpub(bytes, fileName, options);
    return { ...metadata, ...canonical(blocks, name), format: 'epub' };
  }

  const { text, encoding } = decodeText(bytes, fileName);
  if (text.trim() === '') throw new DocumentFileError(`${name} has no text (it is blank)`);
  const format = formatOf(text, extension);

  if (format === 'html') {
    const blocks = new BlockList();
    const { title } = htmlToBlocks(text, blocks, { source: name });
    return { ...(title ? { title } : {}), ...canonical(blocks, name), format, encoding };
  }
  if (format === 'markdown') {
    const blocks = new BlockList();
    const metadata = markdownToBlocks(text.replace(/\r\n?/gu, '\n'), blocks, fileName);
    return { ...metadata, ...canonical(blocks, name), format, encoding };
  }
  // Plain text is the chunker's own input: only line ends change (CR LF and old Mac CR → LF).
  return { text: text.replace(/\r\n?/gu, '\n'), format, encoding, chapters: 0 };
}

function formatOf(text: string, extension: string): Exclude<SourceFormat, 'epub'> {
  if (HTML_START.test(text.slice(0, 4096))) return 'html';
  if (['html', 'htm', 'xhtml'].includes(extension)) return 'html';
  if (['md', 'markdown', 'mdown', 'mkd', 'mkdn'].includes(extension)) return 'markdown';
  if (['txt', 'text'].includes(extension)) return 'text';
  return looksLikeMarkdown(text) ? 'markdown' : 'text';
}

function canonical(blocks: BlockList, name: string): { text: string; chapters: number } {
  const text = renderDocumentText(blocks.blocks);
  if (text === '') throw new DocumentFileError(`${name} has no readable text`);
  return { text, chapters: countHeadings(blocks.blocks) };
}
