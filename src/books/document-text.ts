// Blocks → canonical document text, the one shape the chunker reads whatever the source format:
// blocks separated by a blank line, a heading is one line "# title", list items and table rows are
// lines starting with "- ", everything else is a paragraph of plain text on one line.

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  /** One list or one table: an item or a row per line. */
  | { kind: 'items'; items: string[] };

const INVISIBLE = /[\u00ad\u200b\ufeff]/;
const INVISIBLE_ALL = /[\u00ad\u200b\ufeff]/g;

/** Spaces, tabs, line breaks and no-break spaces all become one space; ends trimmed. */
export function collapseWhitespace(text: string): string {
  // Soft hyphens and zero-width spaces are invisible in print but a TTS engine may read them.
  const visible = INVISIBLE.test(text) ? text.replace(INVISIBLE_ALL, '') : text;
  // Only runs and non-space whitespace: replacing every single space costs 5x as much on a book.
  return visible.replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

/** Titles compare equal whatever their case, spacing and punctuation ("Chapter 1." = "CHAPTER 1"). */
export function sameTitleKey(title: string): string {
  return title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Collects blocks, dropping empty ones and keeping consecutive items of one list together. */
export class BlockList {
  readonly blocks: Block[] = [];
  private listEnded = false;

  // Each returns whether it added any text (blank input adds nothing).

  heading(text: string): boolean {
    const clean = collapseWhitespace(text);
    if (clean) this.blocks.push({ kind: 'heading', text: clean });
    return clean.length > 0;
  }

  paragraph(text: string): boolean {
    const clean = collapseWhitespace(text);
    if (clean) this.blocks.push({ kind: 'paragraph', text: clean });
    return clean.length > 0;
  }

  /** Adds one item to the list being built, or starts one (after `endList` or another block). */
  item(text: string): boolean {
    const clean = collapseWhitespace(text);
    if (!clean) return false;
    const last = this.blocks.at(-1);
    if (last?.kind === 'items' && !this.listEnded) last.items.push(clean);
    else this.blocks.push({ kind: 'items', items: [clean] });
    this.listEnded = false;
    return true;
  }

  /** The next item starts a new block (two lists in a row stay two blocks). */
  endList(): void {
    this.listEnded = true;
  }
}

export function countHeadings(blocks: readonly Block[]): number {
  return blocks.filter((block) => block.kind === 'heading').length;
}

/** The canonical text: blocks joined by "\n\n", ending in a single "\n"; "" when there are none. */
export function renderDocumentText(blocks: readonly Block[]): string {
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.kind === 'heading') parts.push(`# ${block.text}`);
    else if (block.kind === 'paragraph') parts.push(block.text);
    else parts.push(block.items.map((item) => `- ${item}`).join('\n'));
  }
  return parts.length > 0 ? `${parts.join('\n\n')}\n` : '';
}
