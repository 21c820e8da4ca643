// HTML and XHTML → blocks (document-text.ts), for HTML pages and for each EPUB chapter.
// A streaming parse (htmlparser2's callbacks, no DOM): a 5 MB chapter costs its text, not a tree.

import { Parser } from 'htmlparser2';
import { type BlockList, collapseWhitespace, sameTitleKey } from './document-text.ts';
import { UNSPOKEN_PAGE_TYPES } from './epub-front-matter.ts';
import { DocumentFileError } from './errors.ts';

export interface HtmlOptions {
  /** How error messages name the document, e.g. '"page.html"'. */
  source?: string;
  /** Headings to put before everything else (EPUB: TOC entries that point at the whole document). */
  headingsAtStart?: readonly string[];
  /** Headings to put before the element with this id (EPUB: TOC entries with a fragment). */
  headingsAtId?: ReadonlyMap<string, string>;
}

export interface HtmlResult {
  /** The text of <title>, if any. */
  title?: string;
  /** Whether the document had any text of its own (inserted headings do not count). */
  hasText: boolean;
}

// --- Which elements do what ---

const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Not read aloud: code, page furniture, embedded media and anything that is not prose. */
const SKIPPED = new Set([
  'script',
  'style',
  'pre',
  'nav',
  'template',
  'noscript',
  'svg',
  'math',
  'iframe',
  'object',
  'audio',
  'video',
  'canvas',
  'select',
  'textarea',
  'button',
]);
/**
 * epub:type / role values whose content is not part of the reading (notes are out of the flow); so are
 * the pages of UNSPOKEN_PAGE_TYPES (title and copyright pages, tables of contents).
 */
const SKIPPED_TYPES = new Set([
  'footnote',
  'footnotes',
  'endnote',
  'endnotes',
  'rearnote',
  'rearnotes',
  'noteref',
  'pagebreak',
  'doc-footnote',
  'doc-endnote',
  'doc-endnotes',
  'doc-noteref',
  'doc-backlink',
  'doc-pagebreak',
]);
/** The same for EPUB 2 and plain HTML, which only have classes (pandoc's and other tools' names). */
const SKIPPED_CLASSES = new Set(['footnote', 'footnotes', 'footnote-ref', 'footnote-back', 'footnoteref', 'noteref']);
/** Elements that start and end a block; everything else (span, a, em, …) is inline. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'main',
  'p',
  'section',
  'summary',
  'tbody',
  'tfoot',
  'thead',
]);
const LISTS = new Set(['ul', 'ol', 'menu', 'dir', 'table']);

/** htmlparser2 keeps its open elements with Array.unshift: each level deeper costs more (100,000 take seconds). */
const MAX_DEPTH = 20_000;

/** What an open element started, so its close tag knows what to finish. */
type Role = 'skip' | 'heading' | 'item' | 'row' | 'cell' | 'list' | 'block' | 'title' | 'inline';

// --- Conversion ---

/**
 * Appends the blocks of `html` to `out`. Malformed markup is read as well as it can be; only markup
 * nested absurdly deep throws (a DocumentFileError).
 */
export function htmlToBlocks(html: string, out: BlockList, options: HtmlOptions = {}): HtmlResult {
  for (const title of options.headingsAtStart ?? []) out.heading(title);
  const afterStartHeadings = out.blocks.length;
  const pendingIds = new Map(options.headingsAtId ?? []);
  /** The last inserted TOC title: a heading with the same text right after it is not repeated. */
  let insertedTitle: string | undefined;

  const roles: Role[] = [];
  let skipping = 0;
  let headingOpen = false;
  let itemDepth = 0;
  let rowOpen = false;
  let cells: string[] = [];
  let text = '';
  let title: string | undefined;
  let titleText: string | undefined;
  let hasText = false;

  /** Ends the run of text in whatever holds it at this level (an item, or else a paragraph). */
  const flush = (): void => {
    if (itemDepth > 0 ? out.item(text) : out.paragraph(text)) hasText = true;
    text = '';
  };
  const emitHeading = (heading: string): void => {
    const key = sameTitleKey(heading);
    if (key) hasText = true;
    if (insertedTitle !== undefined && key === insertedTitle) {
      insertedTitle = undefined;
      return;
    }
    if (key) insertedTitle = undefined;
    out.heading(heading);
  };
  const insertHeading = (heading: string): void => {
    if (!rowOpen && !headingOpen) flush();
    out.heading(heading);
    insertedTitle = sameTitleKey(heading);
  };
  if (options.headingsAtStart?.length) insertedTitle = sameTitleKey(options.headingsAtStart.at(-1)!);

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (roles.length >= MAX_DEPTH) {
          throw new DocumentFileError(
            `${options.source ?? 'The document'} nests its HTML more than ${MAX_DEPTH} elements deep; it cannot be read`,
          );
        }
        if (skipping > 0) {
          roles.push('skip');
          skipping++;
          return;
        }
        const id = attributes.id;
        if (id !== undefined && pendingIds.has(id)) {
          insertHeading(pendingIds.get(id)!);
          pendingIds.delete(id);
        }
        roles.push(openRole(name, attributes));
      },
      ontext(chunk) {
        if (skipping > 0) return;
        if (titleText !== undefined) titleText += chunk;
        else text += chunk;
      },
      onclosetag(name) {
        const role = roles.pop();
        if (role === 'skip') skipping--;
        else if (role !== undefined) closeRole(role, name);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );

  function openRole(name: string, attributes: Record<string, string>): Role {
    if (SKIPPED.has(name) || isSkippedByType(attributes)) {
      skipping++;
      return 'skip';
    }
    if (name === 'title' && title === undefined && titleText === undefined) {
      titleText = '';
      return 'title';
    }
    if (name === 'br') {
      text += ' ';
      return 'inline';
    }
    if (headingOpen || rowOpen) {
      // Inside a heading or a table row, structure below it is just text (but cells stay cells).
      if (rowOpen && (name === 'td' || name === 'th')) {
        cells.push(text);
        text = '';
        return 'cell';
      }
      if (isStructural(name)) text += ' ';
      return 'inline';
    }
    if (name === 'li') {
      flush();
      itemDepth++;
      return 'item';
    }
    if (name === 'tr') {
      flush();
      rowOpen = true;
      cells = [];
      return 'row';
    }
    if (LISTS.has(name)) {
      flush(); // a list inside an item: the text so far is that item, the nested items follow
      return 'list';
    }
    if (itemDepth > 0 && (HEADINGS.has(name) || BLOCKS.has(name))) {
      text += ' '; // paragraphs (or a heading) inside a list item are part of the item
      return 'inline';
    }
    if (HEADINGS.has(name)) {
      flush();
      headingOpen = true;
      return 'heading';
    }
    if (BLOCKS.has(name)) {
      flush();
      return 'block';
    }
    return 'inline';
  }

  function closeRole(role: Role, name: string): void {
    switch (role) {
      case 'title':
        title = collapseWhitespace(titleText ?? '') || undefined;
        titleText = undefined;
        return;
      case 'heading':
        emitHeading(text);
        text = '';
        headingOpen = false;
        return;
      case 'item':
        if (out.item(text)) hasText = true;
        text = '';
        itemDepth--;
        return;
      case 'cell':
        cells.push(text);
        text = '';
        return;
      case 'row':
        cells.push(text);
        if (
          out.item(
            cells
              .map(collapseWhitespace)
              .filter((cell) => cell.length > 0)
              .join(', '),
          )
        )
          hasText = true;
        text = '';
        cells = [];
        rowOpen = false;
        return;
      case 'list':
        flush();
        if (itemDepth === 0) out.endList();
        return;
      case 'block':
        flush();
        return;
      default:
        if (isStructural(name)) text += ' ';
    }
  }

  parser.end(html); // closes every element still open, so all text is out but the last run
  flush();

  // TOC entries whose id never appeared still name the chapter: put them at its start.
  const missed = [...pendingIds.values()];
  if (missed.length > 0) {
    out.blocks.splice(afterStartHeadings, 0, ...missed.map((heading) => ({ kind: 'heading' as const, text: collapseWhitespace(heading) })));
  }
  return title === undefined ? { hasText } : { title, hasText };
}

/** An element whose edges separate words even where it is read as plain text. */
function isStructural(name: string): boolean {
  return HEADINGS.has(name) || BLOCKS.has(name) || LISTS.has(name) || name === 'li' || name === 'tr' || name === 'td' || name === 'th';
}

function isSkippedByType(attributes: Record<string, string>): boolean {
  if (attributes.hidden !== undefined) return true;
  const types = `${attributes['epub:type'] ?? ''} ${attributes.role ?? ''}`.toLowerCase().split(/\s+/u);
  const classes = (attributes.class ?? '').toLowerCase().split(/\s+/u);
  return (
    types.some((type) => SKIPPED_TYPES.has(type) || UNSPOKEN_PAGE_TYPES.has(type)) || classes.some((name) => SKIPPED_CLASSES.has(name))
  );
}
