// What a client knows of the book beyond its text, put into the output options: what the file says
// of itself (an EPUB's blurb, language, series and cover, the cover stored in the chunk store so
// that only its reference travels), and who reads it (the voice, as the narrator).

import type { BookMetadata } from '../books/index.ts';
import { LANGUAGE_TAG } from '../contract/input-schema.ts';
import type { AudioDocumentInput, OutputOptions } from '../document/input.ts';
import { oneLineTag } from '../document/title.ts';
import { voiceLanguage } from '../engines/voices/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { storeContent } from '../storage/stored-content.ts';

/** Image types a cover is stored in; anything else (an SVG) is left for a drawn one. */
const COVER_EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' };
/** Larger than any cover a book needs: a bigger image stays out of the store. */
const MAX_COVER_BYTES = 20 * 1024 * 1024;
const LANGUAGE = new RegExp(LANGUAGE_TAG, 'u');

/** The book's own details as output options (its author, tags, a library's metadata); the cover is stored in `blobStore`. */
export async function bookOutput(book: BookMetadata & { author?: string }, blobStore: BlobStore): Promise<Partial<OutputOptions>> {
  const extension = book.cover ? COVER_EXTENSIONS[book.cover.mediaType] : undefined;
  const cover =
    book.cover && extension && book.cover.bytes.length <= MAX_COVER_BYTES
      ? { ...(await storeContent(blobStore, 'covers', extension, book.cover.bytes)), mediaType: book.cover.mediaType }
      : undefined;
  const author = book.author ? oneLineTag(book.author) : '';
  return {
    ...(author ? { author } : {}),
    ...(book.description ? { description: book.description } : {}),
    ...(book.language && LANGUAGE.test(book.language) ? { language: book.language } : {}),
    ...(book.series ? { series: book.series.slice(0, 500), ...(book.seriesPart ? { seriesPart: book.seriesPart } : {}) } : {}),
    ...(cover ? { cover } : {}),
  };
}

/**
 * The narrator is the voice the document is pinned to ("af_heart (kokoro)"), and the language the
 * voice's when the book did not say; a narrator the user named stays. Call after the engine is pinned.
 */
export function nameNarrator(input: AudioDocumentInput, env: NodeJS.ProcessEnv = process.env): void {
  const engine = input.pin?.engine ?? input.engine ?? 'espeak';
  const voice = input.pin?.voice || input.voice;
  const output = input.output ?? {};
  const language = voice ? voiceLanguage(engine, voice, env) : undefined;
  input.output = {
    ...output,
    ...(output.narrator === undefined ? { narrator: voice ? `${voice} (${engine})` : engine } : {}),
    ...(output.language === undefined && language ? { language } : {}),
  };
}
