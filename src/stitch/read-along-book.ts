// A document's read-along EPUB (src/formats/epub/) from its stitched chapter MP3s: each file is a
// chapter, each of its sentences timed where the joiner put it, paragraphs where the text had them.

import { createHash } from 'node:crypto';
import type { Artifact } from '../contract/result.ts';
import { EPUB_MEDIA_TYPE, type ReadAlongChapter, writeReadAlongEpub } from '../formats/epub/index.ts';
import { type ChunkSpeech, timeSentences } from '../formats/index.ts';
import type { BreakAfter } from '../text/chunker.ts';
import { artifact, type FilePlan } from './output-files.ts';
import type { StitchedFile } from './stitcher.ts';

export interface ReadAlongSource {
  /** Where the book goes: `<name>.epub`. */
  path: string;
  /** Stable for the document (its workflow id): the book's identifier is made from it. */
  documentId: string;
  title: string;
  author?: string;
  narrator?: string;
  /** BCP 47; default "en". */
  language?: string;
  cover?: { bytes: Uint8Array; mediaType: 'image/jpeg' | 'image/png' };
  files: FilePlan[];
  stitched: StitchedFile[];
  /** What each file's chunks said, in order. */
  speech: ChunkSpeech[][];
  /** Each chunk's break in the plan, by chunk index. */
  breaks: BreakAfter[];
  sampleRate: number;
}

/** Breaks after which the text starts a new paragraph. */
const PARAGRAPH_ENDS: ReadonlySet<BreakAfter> = new Set<BreakAfter>(['paragraph', 'heading', 'end']);

export async function writeReadAlongBook(root: string, source: ReadAlongSource): Promise<Artifact> {
  const chapters: ReadAlongChapter[] = source.stitched.map((file, i) => {
    const timings = timeSentences(file.placed, source.speech[i]!, source.sampleRate, file.frames);
    return {
      title: source.files[i]!.title ?? source.title,
      audioPath: file.file.path,
      durationMs: timings.durationMs,
      sentences: timings.sentences.map((sentence, s) => {
        const last = timings.sentences[s + 1]?.chunk !== sentence.chunk;
        const paragraphEnd = last && PARAGRAPH_ENDS.has(source.breaks[sentence.chunk] ?? 'end');
        return { text: sentence.text, startMs: sentence.startMs, endMs: sentence.endMs, ...(paragraphEnd ? { paragraphEnd } : {}) };
      }),
    };
  });
  const written = await writeReadAlongEpub(source.path, {
    identifier: uuidUrnOf(source.documentId),
    title: source.title,
    ...(source.author ? { author: source.author } : {}),
    ...(source.narrator ? { narrator: source.narrator } : {}),
    language: source.language ?? 'en',
    ...(source.cover ? { cover: source.cover } : {}),
    modified: new Date(),
    chapters,
  });
  return artifact(root, 'book', EPUB_MEDIA_TYPE, written);
}

/** A version-4-shaped UUID made from the document's id: the same document, the same book. */
function uuidUrnOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
