// readDocument (src/books): each format to canonical document text, and each bad file to a
// DocumentFileError that says what is wrong. Fixtures: test/fixtures/books/ (see its README.md).

import { readFile } from 'node:fs/promises';
import { unzipSync, type Zippable, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DocumentFileError, readDocument } from '../../src/books/index.ts';

const fixture = (name: string): Promise<Uint8Array> => readFile(new URL(`../fixtures/books/${name}`, import.meta.url));
const read = async (name: string, as = name) => readDocument(await fixture(name), as);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function failure(bytes: Uint8Array | Promise<Uint8Array>, name: string): Promise<DocumentFileError> {
  const error = await readDocument(await bytes, name).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DocumentFileError);
  return error as DocumentFileError;
}

type EntryChange = string | undefined | ((current: string) => string);

/** A pandoc EPUB (the EPUB 3 unless named) with entries added, replaced, edited or (undefined) removed. */
async function changedEpub(changes: Record<string, EntryChange>, base = 'lighthouse-epub3.epub'): Promise<Uint8Array> {
  const entries: Zippable = unzipSync(await fixture(base));
  for (const [name, change] of Object.entries(changes)) {
    if (change === undefined) delete entries[name];
    else if (typeof change === 'string') entries[name] = utf8(change);
    else entries[name] = utf8(change(new TextDecoder().decode(entries[name] as Uint8Array)));
  }
  return zipSync(entries);
}

const headings = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('# '));

describe('Markdown', () => {
  it('becomes canonical text: headings, lists, table rows; no markup, code or front matter', async () => {
    const doc = await read('story.md');
    expect(doc.text).toBe(
      `${[
        '# Tide & Stone',
        'The harbour was quiet that night, and the lamps burned low. A second line of the same paragraph.',
        '# The Letter',
        "She read the letter twice: the keeper's note said to wait. The archive lives at https://example.org/archive for anyone who asks.",
        '- a lantern\n- a rope\n- a knot in the rope\n- a small boat',
        '- First, check the tide.\n- Then cast off.',
        '- Ship, Crew\n- Gull, 4\n- Wren, 6',
        'The sea keeps what it takes. It gives back less.',
        'Use ropes wisely & keep them dry. Inline html too.',
        '# Morning',
        'The end.',
      ].join('\n\n')}\n`,
    );
    expect(doc).toMatchObject({ format: 'markdown', title: 'Tide & Stone', author: 'Ada Marsh', encoding: 'utf-8', chapters: 3 });
  });

  it('is recognised by its content when the name says nothing', async () => {
    const doc = await read('story.md', 'story');
    expect(doc.format).toBe('markdown');
    expect(doc.text).toMatch(/^# Tide & Stone\n\n/u);
  });

  it('reads a leading "---" that does not open YAML front matter as a rule', async () => {
    const doc = await readDocument(utf8('---\nJust a paragraph.\n\n---\n\nMore.\n'), 'notes.md');
    expect(doc.text).toBe('Just a paragraph.\n\nMore.\n');
    expect(doc.title).toBeUndefined();
  });
});

describe('HTML', () => {
  it('becomes canonical text: entities decoded; scripts, styles, nav, pre, comments and images skipped', async () => {
    const doc = await read('page.html');
    expect(doc.text).toBe(
      `${[
        '# Café Notes',
        'Good coffee takes time — and patience. Water at 94 °C, never boiling.',
        '# You will need',
        '- Fresh beans\n- A burr grinder',
        '- Cup, Grams\n- Small, 12\n- Large, 20',
        '“Coffee is a language in itself.”',
        'Pour slowly <in circles>.',
        '© 2024 The Café',
      ].join('\n\n')}\n`,
    );
    expect(doc).toMatchObject({ format: 'html', title: 'Café Notes & Recipes', encoding: 'utf-8', chapters: 2 });
  });

  it('is recognised by its content whatever the extension', async () => {
    const doc = await readDocument(utf8('<!doctype html><p>Hello <b>there</b>.</p>'), 'saved.txt');
    expect(doc).toMatchObject({ format: 'html', text: 'Hello there.\n' });
  });
});

/** The lighthouse EPUBs' chapters, as read. */
const lighthouseChapters = `${[
  '# The Storm',
  'The wind rose before dawn, and the keeper climbed the stairs.',
  '# The Lamp',
  'He trimmed the wick & lit the lamp. The light swept the bay.',
  '# The Ship',
  'A ship came out of the rain, its sails torn.',
  '- a torn jib\n- a broken mast',
  '# The Morning',
  'By morning the sea was calm, and the keeper slept.',
].join('\n\n')}\n`;

/** As read by default: the title page announced, not read. */
const lighthouse = `The Lighthouse Keeper. By Mara Quill.\n\n${lighthouseChapters}`;

describe('EPUB', () => {
  it.each(['lighthouse-epub3.epub', 'lighthouse-epub2.epub'])(
    '%s (pandoc): chapters in spine order, TOC titles once each, footnotes left out',
    async (name) => {
      const doc = await read(name);
      expect(doc.text).toBe(lighthouse);
      expect(doc).toMatchObject({ format: 'epub', title: 'The Lighthouse Keeper', author: 'Mara Quill', chapters: 4 });
      expect(doc.encoding).toBeUndefined();
    },
  );

  it('puts NCX titles where the chapters have none, once where they repeat them, and skips non-linear items', async () => {
    const doc = await read('toc-titles.epub');
    expect(doc.text).toBe(
      `${[
        'Short Tales & Sketches. By Ann Writer.',
        '# Chapter One',
        'The first chapter has no heading of its own; the table of contents names it.',
        'It has two paragraphs and a page break.',
        '# Chapter Two',
        'The second chapter repeats its title in capitals.',
        '# A Quiet Scene',
        'A scene begins here, named only in the table of contents.',
        '# Chapter Three',
        'III',
        'The last chapter: its number comes before its heading.',
      ].join('\n\n')}\n`,
    );
    // The illustrator is a dc:creator too, but not the author; the cover (an image) adds no "# Cover".
    expect(doc).toMatchObject({ title: 'Short Tales & Sketches', author: 'Ann Writer', chapters: 4 });
    expect(new Set(headings(doc.text)).size).toBe(headings(doc.text).length);
  });

  it('reads a book whose encryption.xml only obfuscates fonts', async () => {
    const bytes = await changedEpub({
      'META-INF/encryption.xml': `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
  <enc:CipherData><enc:CipherReference URI="EPUB/fonts/serif.otf"/></enc:CipherData></enc:EncryptedData></encryption>`,
    });
    expect((await readDocument(bytes, 'fonts.epub')).text).toBe(lighthouse);
  });

  it('refuses a damaged (truncated) zip', async () => {
    const error = await failure(fixture('truncated.epub'), 'truncated.epub');
    expect(error.message).toMatch(/"truncated\.epub" is not a readable EPUB: the zip archive is damaged \(.+\)/u);
  });

  it.each([
    ['encryption.xml', fixture('drm.epub'), /\(Adobe ADEPT: META-INF\/encryption\.xml lists 3 encrypted documents\)/u],
    [
      'rights.xml',
      changedEpub({ 'META-INF/rights.xml': '<rights xmlns="http://ns.adobe.com/adept"/>' }),
      /\(Adobe ADEPT: META-INF\/rights\.xml\)/u,
    ],
  ])('refuses DRM (%s)', async (_, bytes, scheme) => {
    const error = await failure(bytes, 'bought.epub');
    expect(error.message).toMatch(/"bought\.epub" is protected by DRM/u);
    expect(error.message).toMatch(scheme);
    expect(error.message).toMatch(/remove the protection with the tool you bought it with, or use a DRM-free copy/u);
  });

  it('refuses an EPUB without its container or its OPF', async () => {
    const noContainer = await failure(changedEpub({ 'META-INF/container.xml': undefined }), 'a.epub');
    expect(noContainer.message).toMatch(/not a readable EPUB: META-INF\/container\.xml is missing/u);
    const noOpf = await failure(changedEpub({ 'EPUB/content.opf': undefined }), 'a.epub');
    expect(noOpf.message).toMatch(/not a readable EPUB: its package document EPUB\/content\.opf is missing/u);
  });

  it('refuses an EPUB with no readable text', async () => {
    const empty = '<html xmlns="http://www.w3.org/1999/xhtml"><body><div><img src="p.png" alt="page"/></div></body></html>';
    const bytes = await changedEpub({
      'EPUB/text/title_page.xhtml': empty,
      'EPUB/text/ch001.xhtml': empty,
      'EPUB/text/ch002.xhtml': empty,
      'EPUB/text/ch003.xhtml': empty,
    });
    expect((await failure(bytes, 'comic.epub')).message).toMatch(/"comic\.epub" has no readable text/u);
  });

  it('refuses a zip that is not an EPUB, and a .epub that is not a zip', async () => {
    const zip = zipSync({ 'word/document.xml': utf8('<w:document/>') });
    expect((await failure(zip, 'letter.docx')).message).toMatch(/is a zip archive, not an EPUB/u);
    expect((await failure(utf8('plain words'), 'book.epub')).message).toMatch(/not a readable EPUB: it is not a zip archive/u);
  });
});

describe('EPUB front matter', () => {
  const harbourChapters = `${[
    '# Chapter One',
    'The harbour light burned all night, and the boats came home.',
    '# Chapter Two',
    'At dawn the keeper put out the light and went to sleep.',
  ].join('\n\n')}\n`;
  const harbourAnnouncement = 'The Harbour Light. By Mara Quill and Tom Reed.';
  /** What pandoc's title page of harbour.md says besides the title (subtitle, authors, publisher, date, rights). */
  const harbourTitlePage = [
    'A Short Novel',
    'Mara Quill',
    'Tom Reed',
    'Gull Press',
    '1 May 2024',
    '© 2024 Mara Quill. All rights reserved.',
  ];

  const page = (body: string, bodyType?: string): string =>
    '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">' +
    `<head><title>page</title></head><body${bodyType ? ` epub:type="${bodyType}"` : ''}>${body}</body></html>`;
  /** Adds text/<id>.xhtml pages to a pandoc OPF's manifest and spine, before the first chapter, and references to its guide. */
  const withPages =
    (ids: string[], guide = '') =>
    (opf: string): string =>
      opf
        .replace(
          '</manifest>',
          `${ids.map((id) => `<item id="${id}" href="text/${id}.xhtml" media-type="application/xhtml+xml"/>`).join('')}</manifest>`,
        )
        .replace(
          '<itemref idref="ch001_xhtml" />',
          `${ids.map((id) => `<itemref idref="${id}"/>`).join('')}<itemref idref="ch001_xhtml" />`,
        )
        .replace('<guide>', `<guide>${guide}`);

  it.each(['harbour-epub3.epub', 'harbour-epub2.epub'])(
    '%s (pandoc): the title page is announced once and not read; the chapters start at chapter 1',
    async (name) => {
      const doc = await read(name);
      expect(doc.text).toBe(`${harbourAnnouncement}\n\n${harbourChapters}`);
      expect(doc.text.split(harbourAnnouncement)).toHaveLength(2);
      expect(headings(doc.text)).toEqual(['# Chapter One', '# Chapter Two']);
      expect(doc).toMatchObject({ title: 'The Harbour Light', author: 'Mara Quill, Tom Reed', chapters: 2 });
      const lines = doc.text.split('\n');
      for (const line of [...harbourTitlePage, '# The Harbour Light', '# Title Page']) expect(lines).not.toContain(line);
    },
  );

  it.each([
    ['harbour-epub3.epub', harbourChapters],
    ['harbour-epub2.epub', harbourChapters],
    ['lighthouse-epub3.epub', lighthouseChapters],
    ['lighthouse-epub2.epub', lighthouseChapters],
  ])('%s with frontMatter "skip": no announcement, the first chapter first', async (name, chapters) => {
    const doc = await readDocument(await fixture(name), name, { frontMatter: 'skip' });
    expect(doc.text).toBe(chapters);
    expect(doc.title).toBeDefined(); // the metadata still names the book, for the tags
  });

  it("EPUB 2: the guide's title and copyright pages are not read; its foreword is", async () => {
    const bytes = await changedEpub(
      {
        'EPUB/content.opf': withPages(
          ['copyright', 'foreword'],
          '<reference type="title-page" href="text/title_page.xhtml"/><reference type="copyright-page" href="text/copyright.xhtml"/>' +
            '<reference type="foreword" href="text/foreword.xhtml"/>',
        ),
        // Without the author's name on it, only the guide tells this title page from a chapter.
        'EPUB/text/title_page.xhtml': page('<h1>The Lighthouse Keeper</h1><p>A story in four scenes</p><p>Illustrated by Ivo Brush</p>'),
        'EPUB/text/copyright.xhtml': page('<p>Copyright © 2024 Mara Quill. All rights reserved.</p><p>First published by Gull Press.</p>'),
        'EPUB/text/foreword.xhtml': page('<h1>Foreword</h1><p>A keeper told me this story.</p>'),
      },
      'lighthouse-epub2.epub',
    );
    const doc = await readDocument(bytes, 'guide.epub');
    expect(doc.text).toBe(`The Lighthouse Keeper. By Mara Quill.\n\n# Foreword\n\nA keeper told me this story.\n\n${lighthouseChapters}`);
  });

  it('keeps a document the guide marks only in part (a fragment), or also as where the text starts', async () => {
    const guide =
      '<reference type="title-page" href="text/ch001.xhtml#the-storm"/><reference type="copyright-page" href="text/ch002.xhtml"/>' +
      '<reference type="text" href="text/ch002.xhtml#the-ship"/>';
    const bytes = await changedEpub({ 'EPUB/content.opf': withPages([], guide) }, 'lighthouse-epub2.epub');
    expect((await readDocument(bytes, 'marked.epub')).text).toBe(lighthouse);
  });

  it("EPUB 3: the landmarks' title page is not read, whatever it says", async () => {
    const bytes = await changedEpub({ 'EPUB/text/title_page.xhtml': page('<h1>The Lighthouse Keeper</h1><p>A story in four scenes</p>') });
    expect((await readDocument(bytes, 'landmarks.epub')).text).toBe(lighthouse);
  });

  it('EPUB 3 without landmarks: epub:type on a body or a section leaves out title, half-title and copyright pages; a dedication is read', async () => {
    const bytes = await changedEpub({
      'EPUB/nav.xhtml': (nav) => nav.replace(/<nav epub:type="landmarks"[\s\S]*?<\/nav>/u, ''),
      'EPUB/content.opf': withPages(['halftitle', 'copyright', 'dedication']),
      'EPUB/text/halftitle.xhtml': page('<h1>The Lighthouse Keeper</h1>', 'frontmatter halftitlepage'),
      'EPUB/text/copyright.xhtml': page('<section epub:type="copyright-page"><p>Copyright © 2024 Mara Quill.</p></section>', 'frontmatter'),
      // "frontmatter" alone is no reason to skip: pandoc puts it on prefaces and dedications too.
      'EPUB/text/dedication.xhtml': page('<section epub:type="dedication"><p>For the keepers of lights.</p></section>', 'frontmatter'),
    });
    const doc = await readDocument(bytes, 'types.epub');
    expect(doc.text).toBe(`The Lighthouse Keeper. By Mara Quill.\n\nFor the keepers of lights.\n\n${lighthouseChapters}`);
  });

  it('reads a first page that names the book and its author but goes on into the story', async () => {
    const story = `${'The keeper wrote all of this down himself, years later, in the log he kept by the lamp. '.repeat(3).trim()}`;
    const bytes = await changedEpub(
      { 'EPUB/text/title_page.xhtml': page(`<h1>The Lighthouse Keeper</h1><p>Mara Quill</p><p>${story}</p>`) },
      'lighthouse-epub2.epub',
    );
    const doc = await readDocument(bytes, 'opening.epub');
    expect(doc.text).toBe(
      `The Lighthouse Keeper. By Mara Quill.\n\n# The Lighthouse Keeper\n\nMara Quill\n\n${story}\n\n${lighthouseChapters}`,
    );
  });
});

describe('text and its encodings', () => {
  it('passes plain text through, only CRLF → LF (no headings or lists read into it)', async () => {
    const doc = await read('crlf.txt');
    expect(doc.text).toBe('Title line\n\n# Not a heading here\n- nor a list item\nSecond line of the paragraph.\n');
    expect(doc).toMatchObject({ format: 'text', encoding: 'utf-8', chapters: 0 });
  });

  it('decodes Latin-1 and Windows-1252 (curly quotes, dashes, ellipsis)', async () => {
    const latin1 = await read('latin1.txt');
    expect(latin1.text).toMatch(/^Café crème brûlée, s'il vous plaît\.\nLa pâtisserie française est très appréciée à Noël/u);
    expect(latin1.encoding).toBe('windows-1252'); // ISO-8859-1 is read as its superset, as browsers do
    const cp1252 = await read('windows-1252.txt');
    expect(cp1252.text).toMatch(/^“Café crème brûlée…” she said – it’s the best in town\.\nUn dîner très réussi — à refaire/u);
    expect(cp1252.encoding).toBe('windows-1252');
  });

  it.each(['utf16le-bom.txt', 'utf16le.txt'])('decodes UTF-16LE (%s)', async (name) => {
    const doc = await read(name);
    expect(doc).toMatchObject({ text: 'Ünïcödé text – with “quotes”.\nSecond line, ça va?\n', encoding: 'utf-16le' });
  });

  it('decodes UTF-16BE and UTF-8 with a byte order mark', async () => {
    const text = 'Grüße – “Köln”.\n';
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(await readDocument(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'be.txt')).toMatchObject({ text, encoding: 'utf-16be' });
    expect(await readDocument(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'bom.txt')).toMatchObject({
      text,
      encoding: 'utf-8',
    });
  });

  it('refuses an encoding it cannot tell, naming its guess and the fix', async () => {
    const error = await failure(fixture('unsure-encoding.txt'), 'unsure-encoding.txt');
    expect(error.message).toMatch(
      /Could not tell which character encoding "unsure-encoding\.txt" uses \(best guess: .+\); save it as UTF-8/u,
    );
  });

  it('refuses a UTF-8 BOM over bytes that are not UTF-8', async () => {
    const error = await failure(Buffer.from([0xef, 0xbb, 0xbf, 0x63, 0x61, 0x66, 0xe9, 0x0a]), 'bad.txt');
    expect(error.message).toMatch(/"bad\.txt" starts with a byte order mark for utf-8 but is not valid utf-8; save it as UTF-8/u);
  });
});

describe('not text', () => {
  it.each([
    ['report.pdf', /"report\.pdf" looks like a PDF; convert it to text or EPUB first/u],
    ['image.png', /"image\.png" looks like a PNG image, not text/u],
    ['random.bin', /"random\.bin" is binary data, not text/u],
  ])('refuses %s', async (name, message) => {
    expect((await failure(fixture(name), name)).message).toMatch(message);
  });

  it('refuses a PDF whatever its name', async () => {
    expect((await failure(fixture('report.pdf'), 'chapter1.txt')).message).toMatch(/looks like a PDF/u);
  });

  it('refuses control characters that decode as text', async () => {
    const bytes = Uint8Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 0x01 : 0x61));
    expect((await failure(bytes, 'data.txt')).message).toMatch(/binary data, not text/u);
  });

  it.each([
    ['an empty file', new Uint8Array(0), /"empty\.txt" is empty/u],
    ['a blank file', utf8(' \n\t\r\n  \n'), /"empty\.txt" has no text/u],
    [
      'a page with no text',
      utf8('<!DOCTYPE html><html><body><img src="x.png"><script>x()</script></body></html>'),
      /"empty\.txt" has no readable text/u,
    ],
  ])('refuses %s', async (_, bytes, message) => {
    expect((await failure(bytes, 'empty.txt')).message).toMatch(message);
  });
});
