// Rewrites one run of document text (a paragraph, list item, table cell or heading) into what a
// person would read aloud: inline Markdown and HTML removed, URLs and e-mail addresses as words.
// Pure and locale-free. Every pattern scans ahead only to the next delimiter, so the cost stays
// linear in the text's length.

import type { LinkReading } from '../contract/text-limits.ts';

export function speakableText(markup: string, links: LinkReading = 'host'): string {
  let text = markup.replace(HTML_COMMENT, ' ');
  // Code first: its text is literal, and a link or tag inside it is read as the rest of the code.
  text = text.replace(CODE_SPAN_DOUBLE, (_, code: string) => code.trim()).replace(CODE_SPAN, '$1');
  text = text.replace(IMAGE, '').replace(IMAGE_REFERENCE, '').replace(LINK, '$1').replace(LINK_REFERENCE, '$1');
  text = text.replace(AUTOLINK, '$1');
  text = text.replace(HTML_TAG, (_, name: string) => (BLOCK_TAGS.has(name.toLowerCase()) ? ' ' : ''));
  text = text.replace(ENTITY, decodeEntity);
  // URLs before e-mail (a URL may hold an "@") and before emphasis (a URL may hold "_").
  text = text.replace(URL, (url) => readUrl(url, links));
  text = text.replace(EMAIL, '$1 at $2');
  text = removeEmphasis(text);
  text = text.replace(ESCAPE, '$1');
  // Only runs and non-space whitespace: replacing every single space is most of the cost on long text.
  return text.replace(/\s{2,}|[^\S ]/gu, ' ').trim();
}

// --- Markup ---

const HTML_COMMENT = /<!--[\s\S]*?-->/gu;
const CODE_SPAN_DOUBLE = /``((?:[^`]|`(?!`))+)``/gu;
const CODE_SPAN = /`([^`]+)`/gu;
/** `[text](url "title")`, the URL possibly with one level of parentheses (Wikipedia's). */
const LINK_TARGET = String.raw`\(\s*<?[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*>?(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)`;
const IMAGE = new RegExp(String.raw`!\[[^\[\]]*\]${LINK_TARGET}`, 'gu');
const LINK = new RegExp(String.raw`\[([^\[\]]*)\]${LINK_TARGET}`, 'gu');
const IMAGE_REFERENCE = /!\[[^[\]]*\]\[[^[\]]*\]/gu;
const LINK_REFERENCE = /\[([^[\]]+)\]\[[^[\]]*\]/gu;
const AUTOLINK = /<((?:https?|ftp):\/\/[^\s<>]+|(?:mailto:)?[^\s<>@]+@[^\s<>@]+)>/giu;
/** An HTML tag: a name right after "<" keeps "a < b" and "<3" as text. */
const HTML_TAG = /<\/?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?\/?>/gu;
/** Tags that separate words, so "one<br>two" is two words. */
const BLOCK_TAGS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,8}));/gu;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  laquo: '\u00ab',
  raquo: '\u00bb',
};
/** A backslash before ASCII punctuation makes it literal: "\*" is an asterisk, not emphasis. */
const ESCAPE = /\\([!-/:-@[-`{-~])/gu;

function decodeEntity(entity: string, decimal?: string, hex?: string, name?: string): string {
  if (name !== undefined) return NAMED_ENTITIES[name] ?? entity;
  const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex!, 16);
  const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
  return valid ? String.fromCodePoint(code) : entity;
}

/**
 * Emphasis pairs, innermost first. A delimiter opens only with no letter or digit before it and no
 * space after it, and closes the other way round, so snake_case, 2*3 and a lone "*" stay as
 * they are. The text between may not hold the delimiter's character: that keeps each scan short
 * and is why single delimiters go before and after double ones ("**a *b* c**", "*a **b** c*").
 */
const EMPHASIS = ['***', '___', '*', '_', '**', '__', '*', '_', '~~'].map((delimiter) => {
  const d = delimiter.replace(/[*]/g, '\\*');
  const c = delimiter[0] === '*' ? '\\*' : delimiter[0]!;
  return new RegExp(String.raw`(?<![\p{L}\p{N}\\${c}])${d}(?![\s${c}])([^${c}]*)(?<![\s\\${c}])${d}(?![\p{L}\p{N}${c}])`, 'gu');
});

function removeEmphasis(text: string): string {
  return EMPHASIS.reduce((result, pattern) => result.replace(pattern, '$1'), text);
}

// --- Links and addresses ---

/** "https://…", "ftp://…" or a bare "www.…", not inside a word, an address or a path. */
const URL = /(?<![\p{L}\p{N}@./:_-])(?:(?:https?|ftp):\/\/|www\.)[^\s<>"]+/giu;
/** Characters that end a sentence or close a quote or emphasis right after a URL: not part of it. */
const URL_TAIL = /[.,;:!?'"*_~`\u2019\u201d\u2026\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f]/u;
const EMAIL = /(?<![\p{L}\p{N}._%+-])(?:mailto:)?([\p{L}\p{N}._%+-]+)@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,})(?![\p{L}\p{N}-])/giu;

function readUrl(match: string, links: LinkReading): string {
  let end = match.length;
  while (end > 0) {
    const ch = match[end - 1]!;
    const unbalanced =
      (ch === ')' && count(match, '(', end) < count(match, ')', end)) || (ch === ']' && count(match, '[', end) < count(match, ']', end));
    if (!URL_TAIL.test(ch) && !unbalanced) break;
    end--;
  }
  const tail = match.slice(end);
  if (links === 'word') return `link${tail}`;
  const authority = match
    .slice(0, end)
    .replace(/^[a-z]+:\/\//iu, '')
    .split(/[/?#]/u, 1)[0]!;
  const host = authority
    .slice(authority.lastIndexOf('@') + 1)
    .replace(/:\d*$/u, '')
    .replace(/^www\./iu, '')
    .replace(/\.$/u, '')
    .toLowerCase();
  return (host === '' ? 'link' : host) + tail;
}

function count(text: string, ch: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text[i] === ch) n++;
  return n;
}
