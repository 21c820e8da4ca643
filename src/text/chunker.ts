// Splits a long text into chunks a TTS engine can speak in one call.
// Pure and deterministic (no I/O, fixed locale), so the workflow can run it and replay it.

/** What follows a chunk; the stitcher turns it into a pause of matching length. */
export type BreakAfter = 'word' | 'clause' | 'sentence' | 'paragraph' | 'heading' | 'end';

export interface TextChunk {
  index: number;
  text: string;
  breakAfter: BreakAfter;
}

export interface ChunkOptions {
  /** Longest chunk, in UTF-16 code units (what `String.length` counts). */
  maxChunkChars?: number;
}

export const DEFAULT_MAX_CHUNK_CHARS = 300;
/** A code point takes up to 2 UTF-16 units; graphemes longer than the limit are cut between code points. */
export const MIN_MAX_CHUNK_CHARS = 2;
/** A block of at most this many characters with no final punctuation reads as a heading. */
const HEADING_MAX_CHARS = 100;
const HEADING_MAX_LINES = 2;

// A fixed locale: the runtime's default would make chunking differ between machines.
const LOCALE = 'en';
const sentenceSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'grapheme' });

const CLOSING_MARKS = /[\s"'\u2019\u201d\u00bb)\]}\u300d\u300f]+$/u;
/** Any punctuation that ends a line of prose (so the line is not a heading): includes , ; : */
const FINAL_PUNCTUATION = /\p{Terminal_Punctuation}$/u;
/** Punctuation that ends a sentence, in the scripts Intl.Segmenter knows. */
const SENTENCE_END = /[.!?\u2026\u3002\uff01\uff0e\uff1f\u061f\u06d4\u0964\u0965\u203c\u2047-\u2049]$/u;
// Clause punctuation: a piece ends after one of these and the spaces that follow it.
const CLAUSE = /[^,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c]+[,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c]*\s*|[,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c]+\s*/gu;

/** Splits `text` into chunks of at most `maxChunkChars`, keeping paragraph and heading breaks. */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const max = options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS;
  if (!Number.isInteger(max) || max < MIN_MAX_CHUNK_CHARS) {
    throw new RangeError(`maxChunkChars must be an integer >= ${MIN_MAX_CHUNK_CHARS}, got ${max}`);
  }
  const chunks: TextChunk[] = [];
  for (const block of splitBlocks(text)) {
    const pieces = packPieces(splitToFit(block.text, max, 0), max);
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      chunks.push({
        index: chunks.length,
        text: piece,
        breakAfter: last ? block.kind : innerBreak(piece),
      });
    });
  }
  if (chunks.length > 0) chunks[chunks.length - 1]!.breakAfter = 'end';
  return chunks;
}

// --- Blocks: paragraphs and headings ---

interface Block {
  text: string;
  kind: 'paragraph' | 'heading';
}

/** Blank lines end a block; single line breaks inside a block are spaces (hard-wrapped files). */
function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split(/\n[^\S\n]*\n\s*/)) {
    const lines = raw.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
    if (lines.length === 0) continue;
    const joined = lines.join(' ').replace(/\s+/gu, ' ');
    blocks.push({ text: joined, kind: isHeading(lines, joined) ? 'heading' : 'paragraph' });
  }
  return blocks;
}

/** A short block without final punctuation (a title, "Chapter 3") is read on its own. */
function isHeading(lines: string[], joined: string): boolean {
  return lines.length <= HEADING_MAX_LINES && joined.length <= HEADING_MAX_CHARS && !FINAL_PUNCTUATION.test(withoutClosingMarks(joined));
}

/** The kind of break at the end of a chunk inside a paragraph: where was it split? */
function innerBreak(chunk: string): BreakAfter {
  const end = withoutClosingMarks(chunk);
  if (SENTENCE_END.test(end)) return 'sentence';
  return FINAL_PUNCTUATION.test(end) || /[\u2013\u2014]$/u.test(end) ? 'clause' : 'word';
}

function withoutClosingMarks(text: string): string {
  return text.replace(CLOSING_MARKS, '');
}

// --- Splitting: sentences, then clauses, then words, then graphemes ---

const splitters: ReadonlyArray<(text: string) => string[]> = [
  (text) => segments(sentenceSegmenter, text),
  (text) => text.match(CLAUSE) ?? [text],
  (text) => segments(wordSegmenter, text),
  (text) => segments(graphemeSegmenter, text),
  (text) => Array.from(text), // code points: a grapheme longer than the limit
];

function segments(segmenter: Intl.Segmenter, text: string): string[] {
  return Array.from(segmentInWindows(segmenter, text), (s) => s.segment);
}

/** Text per call to Intl.Segmenter: V8's segment iterator slows down quadratically with length. */
const SEGMENT_WINDOW = 4_000;
/** Segments ending this close to a window's end are found again with the next window, which can look further ahead. */
const SEGMENT_LOOKAHEAD = 400;

/**
 * The segments of `text`, found a window at a time and exactly as one call over the whole text would
 * find them: a break near the window's end may depend on text beyond it ("e.g. hammers" is no
 * sentence end), so segments ending within SEGMENT_LOOKAHEAD of it are left to the next window,
 * which starts at a break already settled. A segment longer than the window doubles the window, or,
 * past `stopBeyond`, is yielded as it is (its length is then only a lower bound).
 */
export function* segmentInWindows(segmenter: Intl.Segmenter, text: string, stopBeyond = Infinity): Generator<{ segment: string; index: number }> {
  let start = 0;
  let window = SEGMENT_WINDOW;
  while (start < text.length) {
    const end = Math.min(text.length, start + window);
    const parts = Array.from(segmenter.segment(text.slice(start, end)), ({ segment, index }) => ({ segment, index: start + index }));
    if (end === text.length) return yield* parts;
    const settled = parts.filter((part) => part.index + part.segment.length <= end - SEGMENT_LOOKAHEAD);
    if (settled.length === 0) {
      if (window > stopBeyond) return yield parts[0]!;
      window *= 2;
      continue;
    }
    yield* settled;
    const last = settled[settled.length - 1]!;
    start = last.index + last.segment.length;
    window = SEGMENT_WINDOW;
  }
}

/** Breaks `text` into pieces that each fit in `max`, using the coarsest splitter that works. */
function splitToFit(text: string, max: number, level: number): string[] {
  if (text.trim().length <= max || level >= splitters.length) return [text];
  const parts = splitters[level]!(text);
  if (parts.length <= 1) return splitToFit(text, max, level + 1);
  return parts.flatMap((part) => splitToFit(part, max, level + 1));
}

/** Greedily joins consecutive pieces while the trimmed result stays within `max`. */
function packPieces(pieces: string[], max: number): string[] {
  const packed: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current !== '' && (current + piece).trim().length > max) {
      pushTrimmed(packed, current);
      current = '';
    }
    current += piece;
  }
  pushTrimmed(packed, current);
  return packed;
}

function pushTrimmed(into: string[], text: string): void {
  const trimmed = text.trim();
  if (trimmed !== '') into.push(trimmed);
}

/** The first word longer than `max` characters (a pasted blob, not language): its offset, and the length of its run without spaces. */
export function findOverlongWord(text: string, max: number): { offset: number; length: number } | undefined {
  // Words never span whitespace: only runs of more than `max` non-space characters need a look.
  for (const run of text.matchAll(new RegExp(`\\S{${max + 1},}`, 'gu'))) {
    for (const { segment, index } of segmentInWindows(wordSegmenter, run[0], max)) {
      if (segment.length > max) return { offset: run.index + index, length: run[0].length - index };
    }
  }
  return undefined;
}
