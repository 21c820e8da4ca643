// Splits a long text into chunks a TTS engine can speak in one call.
// Pure and deterministic (no I/O, fixed locale), so the workflow can run it and replay it.
// Called without `speakable`, it chunks exactly as recorded workflows did: keep that path unchanged.

import { DEFAULT_MAX_CHUNK_CHARS, LINK_READINGS, type LinkReading } from '../contract/text-limits.ts';
import { glueAbbreviations, mergeAbbreviationBreaks } from './abbreviations.ts';
import { speakableBlocks, splitBlocks } from './document-blocks.ts';
import { MARK, splitAtMarks } from './marks.ts';
import { CLAUSE_DASH, FINAL_PUNCTUATION, SENTENCE_END, withoutClosingMarks } from './punctuation.ts';
import { speakableText } from './speakable.ts';

/** What follows a chunk; the stitcher turns it into a pause of matching length. */
export type BreakAfter = 'word' | 'clause' | 'sentence' | 'paragraph' | 'heading' | 'end';

export interface TextChunk {
  index: number;
  text: string;
  breakAfter: BreakAfter;
  /** The marks (src/text/marks.ts) that came before this chunk's words, in order; absent when none. */
  marks?: string;
  /** On the last chunk: marks after its words, at the text's end. */
  marksAfter?: string;
}

export interface ChunkOptions {
  /** Longest chunk, in UTF-16 code units (what `String.length` counts). */
  maxChunkChars?: number;
  /**
   * Read the text as a person would: Markdown and HTML markup removed, headings, list items and
   * table rows read on their own, URLs and e-mail addresses as words, no sentence end after "Dr."
   * or an initial. Off (absent or false) keeps the chunking recorded workflows replay.
   */
  speakable?: boolean;
  /** With `speakable`: a URL is read as its host ("example.com", the default) or as the word "link". */
  links?: LinkReading;
  /** With `speakable`: adds marks to each part (a paragraph, item, row or heading) once it is plain text. */
  markPart?: (part: string) => string;
  /** With `speakable`: the longest first chunk, cut at a sentence, clause or word that fits (its audio is ready sooner). */
  firstChunkChars?: number;
}

/** A code point takes up to 2 UTF-16 units; graphemes longer than the limit are cut between code points. */
export const MIN_MAX_CHUNK_CHARS = 2;

// A fixed locale: the runtime's default would make chunking differ between machines.
const LOCALE = 'en';
const sentenceSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter(LOCALE, { granularity: 'grapheme' });

// Clause punctuation: a piece ends after one of these and the spaces that follow it.
const CLAUSE_MARKS = String.raw`,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c`;
const CLAUSE = new RegExp(String.raw`[^${CLAUSE_MARKS}]+[${CLAUSE_MARKS}]*\s*|[${CLAUSE_MARKS}]+\s*`, 'gu');

/** Splits `text` into chunks of at most `maxChunkChars`, keeping paragraph and heading breaks. */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const max = options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS;
  if (!Number.isInteger(max) || max < MIN_MAX_CHUNK_CHARS) {
    throw new RangeError(`maxChunkChars must be an integer >= ${MIN_MAX_CHUNK_CHARS}, got ${max}`);
  }
  if (options.speakable) {
    const chunks = chunkSpeakable(text, max, options.links ?? 'host', options.markPart);
    return options.firstChunkChars ? withShortStart(chunks, Math.max(MIN_MAX_CHUNK_CHARS, options.firstChunkChars), max) : chunks;
  }
  const chunks: TextChunk[] = [];
  for (const block of splitBlocks(text)) {
    const pieces = packPieces(
      splitToFit(block.text, max, 0, splitters).map((piece) => ({ text: piece, sentenceEnd: false })),
      max,
    );
    pieces.forEach(({ text: piece }, i) => {
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

/** The kind of break at the end of a chunk inside a paragraph: where was it split? */
function innerBreak(chunk: string): BreakAfter {
  const end = withoutClosingMarks(chunk);
  if (SENTENCE_END.test(end)) return 'sentence';
  return FINAL_PUNCTUATION.test(end) || CLAUSE_DASH.test(end) ? 'clause' : 'word';
}

// --- Splitting: sentences, then clauses, then words, then graphemes ---

type Splitter = (text: string) => string[];

const clauses: Splitter = (text) => text.match(CLAUSE) ?? [text];
const words: Splitter = (text) => segments(wordSegmenter, text);
const graphemes: Splitter = (text) => segments(graphemeSegmenter, text);
const codePoints: Splitter = (text) => Array.from(text); // a grapheme longer than the limit

const splitters: readonly Splitter[] = [(text) => segments(sentenceSegmenter, text), clauses, words, graphemes, codePoints];

/** A word with the spaces around it: "Dr." stays one piece ("Dr", "." are two words to the segmenter). */
const spaceSeparated: Splitter = (text) => text.match(/\s*\S+\s*/gu) ?? [text];

/**
 * Inside one sentence of speakable text: clauses, then words with an abbreviation or initial kept
 * with the word after it ("Dr. Smith"), then single words when such a group does not fit.
 */
const speakableSplitters: readonly Splitter[] = [
  clauses,
  (text) => glueAbbreviations(spaceSeparated(text)),
  spaceSeparated,
  words,
  graphemes,
  codePoints,
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
export function* segmentInWindows(
  segmenter: Intl.Segmenter,
  text: string,
  stopBeyond = Infinity,
): Generator<{ segment: string; index: number }> {
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
function splitToFit(text: string, max: number, level: number, levels: readonly Splitter[]): string[] {
  if (text.trim().length <= max || level >= levels.length) return [text];
  const parts = levels[level]!(text);
  if (parts.length <= 1) return splitToFit(text, max, level + 1, levels);
  return parts.flatMap((part) => splitToFit(part, max, level + 1, levels));
}

/** A piece of text, and whether a sentence ends with it. */
interface Piece {
  text: string;
  sentenceEnd: boolean;
  /** Starts a chunk: the first piece of a sentence too long for one, so the sentence's own cuts are the only ones inside it. */
  startsChunk?: boolean;
  /** Marks before it: it starts a chunk, which carries them. */
  marks?: string;
}

/** Greedily joins consecutive pieces while the trimmed result stays within `max`; a chunk ends a sentence when its last piece does. */
function packPieces(pieces: Piece[], max: number): Piece[] {
  const packed: Piece[] = [];
  let current: Piece = { text: '', sentenceEnd: false };
  for (const piece of pieces) {
    if (current.text !== '' && (piece.startsChunk || piece.marks || (current.text + piece.text).trim().length > max)) {
      pushTrimmed(packed, current);
      current = { text: '', sentenceEnd: false };
    }
    const marks = current.text === '' ? piece.marks : current.marks;
    current = { text: current.text + piece.text, sentenceEnd: piece.sentenceEnd, ...(marks ? { marks } : {}) };
  }
  pushTrimmed(packed, current);
  return packed;
}

function pushTrimmed(into: Piece[], piece: Piece): void {
  const trimmed = piece.text.trim();
  if (trimmed !== '') into.push({ text: trimmed, sentenceEnd: piece.sentenceEnd, ...(piece.marks ? { marks: piece.marks } : {}) });
}

// --- Speakable text ---

function chunkSpeakable(text: string, max: number, links: LinkReading, markPart?: (part: string) => string): TextChunk[] {
  if (!LINK_READINGS.includes(links)) throw new RangeError(`links must be one of ${LINK_READINGS.join(', ')}, got ${String(links)}`);
  const chunks: TextChunk[] = [];
  // Marks not yet followed by words (a tag on a line of its own): the next chunk carries them.
  const waiting = { marks: '' };
  for (const block of speakableBlocks(text, (markup) => speakableText(markup, links))) {
    const pieces = packPieces(
      block.parts.flatMap((part) => sentencePieces(markPart ? markPart(part) : part, max, waiting)),
      max,
    );
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      chunks.push({
        index: chunks.length,
        text: piece.text,
        breakAfter: last ? block.kind : piece.sentenceEnd ? 'sentence' : breakInsideSentence(piece.text),
        ...(piece.marks ? { marks: piece.marks } : {}),
      });
    });
  }
  if (chunks.length > 0) {
    const last = chunks[chunks.length - 1]!;
    last.breakAfter = 'end';
    if (waiting.marks) last.marksAfter = waiting.marks;
  }
  return chunks;
}

/**
 * The pieces of one part (a paragraph, list item or table row): its sentences, each cut at its
 * marks and split to fit. Marks with no words after them in the part wait in `waiting`.
 */
function sentencePieces(part: string, max: number, waiting: { marks: string }): Piece[] {
  const pieces: Piece[] = [];
  for (const sentence of mergeAbbreviationBreaks(segments(sentenceSegmenter, part))) {
    const spans = MARK.test(sentence) ? splitAtMarks(sentence) : [{ marks: '', text: sentence }];
    const spoken = spans.filter((span) => span.text.trim() !== '');
    for (const span of spans) {
      waiting.marks += span.marks;
      if (span.text.trim() === '' && spans.length > 1) continue;
      const marks = waiting.marks;
      waiting.marks = '';
      const split = splitToFit(span.text, max, 0, speakableSplitters);
      const endsSentence = span === spoken[spoken.length - 1];
      for (const [i, text] of split.entries())
        pieces.push({
          text,
          sentenceEnd: endsSentence && i === split.length - 1,
          startsChunk: i === 0 && split.length > 1,
          ...(i === 0 && marks ? { marks } : {}),
        });
    }
  }
  // The part's end is a sentence end: a space keeps its last word apart from the next part's first.
  const last = pieces[pieces.length - 1];
  if (last) last.text += ' ';
  return pieces;
}

/** The break at a chunk that ends inside a sentence: a "." there ends an abbreviation ("e.g."), not the sentence. */
function breakInsideSentence(chunk: string): BreakAfter {
  const end = withoutClosingMarks(chunk);
  if (SENTENCE_END.test(end)) return 'word';
  return FINAL_PUNCTUATION.test(end) || CLAUSE_DASH.test(end) ? 'clause' : 'word';
}

/**
 * A short start for a listener who waits: the first chunk at most `limit` characters, the next at
 * most twice that, and so on up to `max`. An engine about twice as fast as speech then has each
 * chunk ready before the ones before it have been heard, where a full-size second chunk would leave
 * a gap after the first few words.
 */
function withShortStart(chunks: TextChunk[], limit: number, max: number): TextChunk[] {
  let cut = chunks;
  for (let at = 0, size = limit; size < max && at < cut.length; at++, size *= 2) cut = cutChunk(cut, at, size);
  return cut === chunks ? chunks : cut.map((chunk, index) => ({ ...chunk, index }));
}

/**
 * Chunk `at` cut to at most `limit` characters at the coarsest boundary that fits (a sentence, a
 * clause, a word); the rest of it becomes the next chunk, with the chunk's break and the marks after it.
 */
function cutChunk(chunks: TextChunk[], at: number, limit: number): TextChunk[] {
  const chunk = chunks[at]!;
  if (chunk.text.length <= limit) return chunks;
  const head = packPieces(
    splitToFit(chunk.text, limit, 0, splitters).map((text) => ({ text, sentenceEnd: false })),
    limit,
  )[0]!.text;
  const tail = chunk.text.slice(chunk.text.indexOf(head) + head.length).trim();
  if (tail === '') return chunks;
  const { marksAfter, ...kept } = chunk;
  return [
    ...chunks.slice(0, at),
    { ...kept, text: head, breakAfter: innerBreak(head) },
    { index: at + 1, text: tail, breakAfter: chunk.breakAfter, ...(marksAfter ? { marksAfter } : {}) },
    ...chunks.slice(at + 1),
  ];
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
