// Markdown → blocks (document-text.ts), from marked's lexer tokens (CommonMark + GFM tables and
// bare URLs); the renderer is never used, so no HTML is built only to be taken apart again.

import { decodeHTMLStrict } from 'entities';
import { Lexer, type Token, type Tokens } from 'marked';
import { parse as parseYaml } from 'yaml';
import { BlockList } from './document-text.ts';
import { DocumentFileError } from './errors.ts';
import { htmlToBlocks } from './html.ts';

/** marked has no footnotes: "[^1]" arrives as text, its definition as a paragraph. Neither is read. */
const FOOTNOTE_DEFINITION = /^\[\^[^\]\s]+\]:/u;
const FOOTNOTE_REFERENCE = /\[\^[^\]\s]+\]/gu;

export interface MarkdownResult {
  /** From YAML front matter. */
  title?: string;
  author?: string;
}

/** Appends the blocks of `markdown` (LF line ends) to `out`. `fileName` is for the error message. */
export function markdownToBlocks(markdown: string, out: BlockList, fileName: string): MarkdownResult {
  const { body, meta } = splitFrontMatter(markdown);
  try {
    addBlocks(Lexer.lex(body, { gfm: true }), out, JSON.stringify(fileName));
  } catch (error) {
    if (error instanceof DocumentFileError) throw error;
    // marked's own "infinite loop" guard, or a stack overflow on thousands of nested quotes.
    const reason = error instanceof Error ? error.message : String(error);
    throw new DocumentFileError(
      `${JSON.stringify(fileName)} could not be read as Markdown (${reason}); save it as plain text (.txt) instead`,
    );
  }
  return meta;
}

// Markdown other than headings: one pattern, written in two halves to keep the lines short.
const MARKDOWN_SIGNS = new RegExp(
  [
    /\*\*[^*\n]+\*\*|__[^_\n]+__|\[[^\]\n]+\]\([^)\s]+\)|^```/u.source,
    /^[ \t]*[-*+][ \t]+\S|^[ \t]*\d+\.[ \t]+\S|^\|.*\|[ \t]*$|^(?:---|\*\*\*)[ \t]*$/u.source,
  ].join('|'),
  'mu',
);

/**
 * A cheap guess for files without a telling extension: ATX headings and some other Markdown.
 * Looks at the start only: enough to tell, and a 5 MB text costs nothing.
 */
export function looksLikeMarkdown(text: string): boolean {
  const head = text.slice(0, 64 * 1024);
  if (!/^#{1,6}[ \t]+\S/mu.test(head)) return false;
  return MARKDOWN_SIGNS.test(head);
}

// --- Front matter ---

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/u;

/** YAML front matter is skipped; only a mapping counts (a leading "---" rule is not front matter). */
function splitFrontMatter(markdown: string): { body: string; meta: MarkdownResult } {
  const match = FRONT_MATTER.exec(markdown);
  if (!match) return { body: markdown, meta: {} };
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch {
    return { body: markdown, meta: {} };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { body: markdown, meta: {} };
  const fields = data as Record<string, unknown>;
  const meta: MarkdownResult = {};
  const title = names(fields.title);
  const author = names(fields.author ?? fields.authors);
  if (title) meta.title = title;
  if (author) meta.author = author;
  return { body: markdown.slice(match[0].length), meta };
}

/** "Ann", ["Ann", "Bo"] or [{ name: "Ann" }] → "Ann" / "Ann, Bo". */
function names(value: unknown): string | undefined {
  const list = Array.isArray(value) ? value : [value];
  const found = list
    .map((entry) => (entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).name : entry))
    .filter((entry) => typeof entry === 'string' || typeof entry === 'number')
    .map((entry) => String(entry).trim())
    .filter((entry) => entry.length > 0);
  return found.length > 0 ? found.join(', ') : undefined;
}

// --- Blocks ---

/** `source` names the file in error messages (from HTML inside the Markdown). */
function addBlocks(tokens: readonly Token[], out: BlockList, source: string): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'heading':
        out.heading(inlineText(token.tokens ?? []));
        break;
      case 'paragraph':
      case 'text':
        if (!FOOTNOTE_DEFINITION.test(token.raw))
          out.paragraph(token.tokens ? inlineText(token.tokens) : decodeHTMLStrict(token.text as string));
        break;
      case 'list':
        addItems(token as Tokens.List, out, source);
        out.endList();
        break;
      case 'table':
        addRows(token as Tokens.Table, out);
        out.endList();
        break;
      case 'blockquote':
        addBlocks(token.tokens ?? [], out, source);
        break;
      case 'html':
        htmlToBlocks(token.text as string, out, { source });
        break;
      // code (fenced or indented), hr, space, def (link definitions): nothing to read
    }
  }
}

/** One item per line: a nested list's items follow the text of the item that holds them. */
function addItems(list: Tokens.List, out: BlockList, source: string): void {
  for (const item of list.items) {
    let text = '';
    for (const child of item.tokens) {
      if (child.type === 'list') {
        out.item(text);
        text = '';
        addItems(child as Tokens.List, out, source);
      } else {
        text += ` ${blockText(child, source)}`;
      }
    }
    out.item(text);
  }
}

function addRows(table: Tokens.Table, out: BlockList): void {
  for (const row of [table.header, ...table.rows]) {
    out.item(
      row
        .map((cell) => inlineText(cell.tokens).trim())
        .filter((cell) => cell.length > 0)
        .join(', '),
    );
  }
}

/** The text of a block inside a list item, on one line. */
function blockText(token: Token, source: string): string {
  switch (token.type) {
    case 'paragraph':
    case 'heading':
    case 'text':
      return token.tokens ? inlineText(token.tokens) : decodeHTMLStrict(token.text as string);
    case 'blockquote':
      return (token.tokens ?? []).map((child) => blockText(child, source)).join(' ');
    case 'html': {
      const inner = new BlockList();
      htmlToBlocks(token.text as string, inner, { source });
      return inner.blocks.map((block) => (block.kind === 'items' ? block.items.join(' ') : block.text)).join(' ');
    }
    default:
      return '';
  }
}

// --- Inline ---

function inlineText(tokens: readonly Token[]): string {
  let text = '';
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        text += token.tokens ? inlineText(token.tokens) : decodeHTMLStrict((token.text as string).replace(FOOTNOTE_REFERENCE, ''));
        break;
      case 'escape':
      case 'codespan':
        text += token.text;
        break;
      case 'link':
        // A bare URL or <autolink> is its own text, literally (marked resolves no entities in it).
        text += token.autolink ? token.text : inlineText(token.tokens ?? []);
        break;
      case 'strong':
      case 'em':
      case 'del':
        text += inlineText(token.tokens ?? []);
        break;
      case 'br':
        text += ' ';
        break;
      case 'html':
        // Inline tags are dropped, their content kept; a <br> still separates words.
        if (/^<br\b/iu.test(token.text as string)) text += ' ';
        break;
      case 'image': // alt text dropped
      case 'checkbox':
        break;
      default: {
        const children = (token as Tokens.Generic).tokens;
        if (children) text += inlineText(children);
      }
    }
  }
  return text;
}
