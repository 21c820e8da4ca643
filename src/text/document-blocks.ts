// Reads a document as blocks (paragraphs and headings) for the chunker. `splitBlocks` is the
// reading recorded workflows replay and must not change; `speakableBlocks` also reads Markdown
// structure (headings, lists, tables, quotes, rules), forgiving of plain text and raw Markdown alike.

import { TRAILING_MARKS, withoutMarks } from './marks.ts';
import { CLAUSE_DASH, FINAL_PUNCTUATION, SENTENCE_END, withoutClosingMarks } from './punctuation.ts';

export type BlockKind = 'paragraph' | 'heading';

export interface Block {
  text: string;
  kind: BlockKind;
}

/** A block as it is read aloud: each part (a paragraph's text, a list item, a table row) ends where a sentence does. */
export interface SpeakableBlock {
  parts: string[];
  kind: BlockKind;
}

/** A block of at most this many characters with no final punctuation reads as a heading. */
const HEADING_MAX_CHARS = 100;
const HEADING_MAX_LINES = 2;

/** Blank lines end a block; single line breaks inside a block are spaces (hard-wrapped files). */
export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split(/\n[^\S\n]*\n\s*/)) {
    const lines = raw
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    if (lines.length === 0) continue;
    const joined = lines.join(' ').replace(/\s+/gu, ' ');
    blocks.push({ text: joined, kind: isHeading(lines.length, joined) ? 'heading' : 'paragraph' });
  }
  return blocks;
}

/** A short block without final punctuation (a title, "Chapter 3") is read on its own. */
function isHeading(lineCount: number, joined: string): boolean {
  return lineCount <= HEADING_MAX_LINES && joined.length <= HEADING_MAX_CHARS && !FINAL_PUNCTUATION.test(withoutClosingMarks(joined));
}

// --- Speakable blocks ---

/** Opening quotation marks: a short line that starts with one is someone speaking, not a title. */
const OPENING_QUOTE = /^["\u2018\u201c\u00ab\u300c\u300e]/u; // not ', which also starts 'Tis

/**
 * Dialogue that stops short ("You mean——", "Only this morning I officiated——") is short and has no
 * final punctuation, but it is not a heading: it opens with a quotation mark or breaks off on a dash.
 */
function isBrokenOffSpeech(text: string): boolean {
  return OPENING_QUOTE.test(withoutMarks(text)) || CLAUSE_DASH.test(withoutClosingMarks(text));
}

/** Block quote markers, nested or not: "> ", ">> ", "> > ". */
const QUOTE_MARKERS = /^\s*(?:>[^\S\n]?)+/u;
/** "## Title", optionally closed by hashes ("## Title ##"). */
const ATX_HEADING = /^\s*#+(?:\s+(.*?))?(?:\s+#+)?\s*$/u;
/** A rule ("---", "* * *", "___") or a setext underline ("====="): a break between blocks, never read. */
const THEMATIC_BREAK = /^\s*(?:([-*_])(?:\s*\1){2,}|=+)\s*$/u;
/** A code fence line: the code inside is read as text, the fence is not. */
const CODE_FENCE = /^\s*(?:```|~~~)/u;
/** "[id]: https://…" defines a reference link's target: nothing to read. Footnotes ("[^1]: …") and "[Note]: text" are text. */
const LINK_DEFINITION =
  /^\s*\[(?!\^)[^\]]+\]:\s*(?:<[^>]*>|(?:[A-Za-z][A-Za-z0-9+.-]*:|\.{0,2}\/|#)\S*|\S+\.\S+)\s*(?:"[^"]*"|'[^']*'|\([^)]*\))?\s*$/u;
/** "- item", "* item", "+ item", "1. item", "1) item". */
const LIST_ITEM = /^\s*(?:[-*+]|(\d{1,9})[.)])\s+(.*)$/u;
/** At most this many digits start a list at a block's start: "3. Third" is an item, "1984. It was cold." is not. */
const LIST_START_MAX_DIGITS = 3;

type PartKind = 'text' | 'item' | 'row';

interface RawPart {
  kind: PartKind;
  lines: string[];
}

/**
 * The blocks of `text` with Markdown structure read: headings ("# …"), list items and table rows
 * (each a part of its own), quotes, rules and fences. `speak` turns one run of inline markup into
 * the words to say; a block or part with nothing left to say is dropped.
 */
export function speakableBlocks(text: string, speak: (markup: string) => string): SpeakableBlock[] {
  const blocks: SpeakableBlock[] = [];
  let lines: string[] = [];
  const endBlock = () => {
    const block = lines.length > 0 ? readBlock(lines, speak) : undefined;
    if (block) blocks.push(block);
    lines = [];
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(QUOTE_MARKERS, '');
    if (LINK_DEFINITION.test(line)) continue;
    if (line.trim() === '' || THEMATIC_BREAK.test(line) || CODE_FENCE.test(line)) {
      endBlock();
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading) {
      // A heading line ends the block it is in, as in Markdown: it needs no blank line around it.
      endBlock();
      const title = speak(heading[1] ?? '');
      if (title !== '') blocks.push({ parts: [title], kind: 'heading' });
      continue;
    }
    lines.push(line);
  }
  endBlock();
  return blocks;
}

function readBlock(lines: string[], speak: (markup: string) => string): SpeakableBlock | undefined {
  const hasTableRule = lines.some(isTableRule);
  const raw: RawPart[] = [];
  for (const line of lines) {
    const last = raw[raw.length - 1];
    if (isTableRule(line)) continue;
    if (line.trimStart().startsWith('|') || (hasTableRule && line.includes('|'))) {
      raw.push({ kind: 'row', lines: [line] });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && startsItem(item[1], last)) {
      raw.push({ kind: 'item', lines: [item[2]!] });
    } else if (last && (last.kind === 'text' || (last.kind === 'item' && continuesItem(line)))) {
      last.lines.push(line);
    } else {
      raw.push({ kind: 'text', lines: [line] });
    }
  }
  const parts = raw
    .map((part) => ({ kind: part.kind, lineCount: part.lines.length, text: partText(part, speak) }))
    .filter((part) => part.text !== '');
  if (parts.length === 0) return undefined;
  const only = parts.length === 1 ? parts[0]! : undefined;
  const kind =
    only?.kind === 'text' && isHeading(only.lineCount, withoutMarks(only.text)) && !isBrokenOffSpeech(only.text) ? 'heading' : 'paragraph';
  return {
    // Items and rows always end a sentence; so does a text part before another part ("Fruit" before "- apples").
    parts: parts.map((part, i) =>
      withoutMarks(part.text).trim() === ''
        ? part.text
        : part.kind !== 'text' || (i < parts.length - 1 && !FINAL_PUNCTUATION.test(withoutClosingMarks(part.text)))
          ? asSentence(part.text)
          : part.text,
    ),
    kind,
  };
}

/**
 * Whether a line with a list marker starts an item. A number starts a list in running text only as
 * "1." (as in CommonMark), so a hard-wrapped line starting "1984. The" stays prose.
 */
function startsItem(number: string | undefined, last: RawPart | undefined): boolean {
  if (number === undefined || last?.kind === 'item') return true;
  if (Number(number) === 1) return true;
  return last === undefined && number.length <= LIST_START_MAX_DIGITS;
}

/** A wrapped item goes on in an indented line or one starting in lower case; "Then we left." after a list is prose. */
function continuesItem(line: string): boolean {
  return /^\s/u.test(line) || /^\p{Ll}/u.test(line);
}

function partText(part: RawPart, speak: (markup: string) => string): string {
  if (part.kind === 'row')
    return tableCells(part.lines[0]!)
      .map(speak)
      .filter((cell) => cell !== '')
      .join(', ');
  // A backslash at a line's end is Markdown's hard line break.
  return speak(part.lines.map((line) => line.replace(/\\$/u, '')).join(' '));
}

/** "|---|:--:|" or "--- | ---": a table's header separator. */
function isTableRule(line: string): boolean {
  return /^[\s|:-]+$/u.test(line) && line.includes('|') && line.includes('-');
}

function tableCells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/u, '')
    .replace(/(?<!\\)\|$/u, '')
    .split(/(?<!\\)\|/u);
}

/** Ends `text` where the engine hears a sentence end: "apples" → "apples.", "pears;" → "pears.", "(see x)" → "(see x).". */
function asSentence(text: string): string {
  const core = withoutClosingMarks(text);
  if (SENTENCE_END.test(core)) return text;
  if (/[,;:]$/u.test(core)) return `${core.replace(/[,;:]+$/u, '')}.${text.slice(core.length)}`;
  // Before marks at the end: they belong to what follows.
  const marks = TRAILING_MARKS.exec(text)?.[0] ?? '';
  return `${text.slice(0, text.length - marks.length)}.${marks}`;
}
