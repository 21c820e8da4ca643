// Writes the binary fixtures of test/unit/books.test.ts into test/fixtures/books/ (see its README.md).
// The pandoc EPUBs are made only when pandoc is on PATH; everything else is built here, from
// those EPUBs and from fixed strings, so a rerun gives the same bytes (pandoc's aside: it stamps
// a date and a random id).
//   node --import tsx scripts/make-book-fixtures.ts

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, type Zippable, zipSync } from 'fflate';

const dir = fileURLToPath(new URL('../test/fixtures/books/', import.meta.url));
const write = (name: string, bytes: Uint8Array | string): void => {
  writeFileSync(join(dir, name), bytes);
  console.log(`wrote ${name}`);
};

// --- EPUBs from pandoc ---

// lighthouse: chapters, a footnote, a list; harbour: a title page with subtitle, two authors, publisher, date and rights.
for (const book of ['lighthouse', 'harbour']) {
  try {
    execFileSync('pandoc', [`${book}.md`, '-o', `${book}-epub3.epub`], { cwd: dir });
    execFileSync('pandoc', [`${book}.md`, '-t', 'epub2', '-o', `${book}-epub2.epub`], { cwd: dir });
    console.log(`wrote ${book}-epub3.epub, ${book}-epub2.epub (pandoc)`);
  } catch {
    if (!existsSync(join(dir, `${book}-epub3.epub`))) throw new Error('pandoc is needed once: apt-get install -y pandoc');
    console.log(`pandoc not found: keeping ${book}-epub3.epub and ${book}-epub2.epub`);
  }
}
const epub3 = readFileSync(join(dir, 'lighthouse-epub3.epub'));

/** An EPUB's zip: "mimetype" first and stored, as the OCF spec asks. */
function epubZip(files: Record<string, string | Uint8Array>): Uint8Array {
  const entries: Zippable = { mimetype: [new TextEncoder().encode('application/epub+zip'), { level: 0 }] };
  for (const [name, content] of Object.entries(files)) {
    if (name !== 'mimetype') entries[name] = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  }
  return zipSync(entries, { mtime: new Date('2024-01-01T00:00:00Z') });
}

// Cut inside the central directory: the zip cannot be opened.
write('truncated.epub', epub3.subarray(0, Math.floor(epub3.length * 0.6)));

// The pandoc EPUB with an Adobe ADEPT encryption.xml over its chapters (the bytes are not really encrypted).
const drmEntries = unzipSync(epub3);
drmEntries['META-INF/encryption.xml'] = new TextEncoder().encode(`<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
${['EPUB/text/ch001.xhtml', 'EPUB/text/ch002.xhtml', 'EPUB/text/ch003.xhtml']
  .map(
    (uri) => `  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
    <KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><resource xmlns="http://ns.adobe.com/adept">urn:uuid:0</resource></KeyInfo>
    <enc:CipherData><enc:CipherReference URI="${uri}"/></enc:CipherData>
  </enc:EncryptedData>`,
  )
  .join('\n')}
</encryption>
`);
write('drm.epub', epubZip(drmEntries));

// --- A hand-made EPUB 2: TOC titles that the chapters do not repeat, or repeat differently ---

const xhtml = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>ignored</title></head>
<body>${body}</body></html>
`;
write(
  'toc-titles.epub',
  epubZip({
    'META-INF/container.xml': `<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
`,
    'OEBPS/book.opf': `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
    <dc:title>Short Tales &amp; Sketches</dc:title>
    <dc:creator opf:role="ill">Ivo Brush</dc:creator>
    <dc:creator opf:role="aut">Ann Writer</dc:creator>
    <dc:identifier id="id">urn:uuid:00000000-0000-0000-0000-000000000001</dc:identifier>
    <dc:language>en</dc:language>
  </metadata>
  <manifest>
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="cover" href="Text/cover.xhtml" media-type="application/xhtml+xml"/>
    <item id="cover-image" href="Images/cover.png" media-type="image/png"/>
    <item id="one" href="Text/one.xhtml" media-type="application/xhtml+xml"/>
    <item id="notes" href="Text/notes.xhtml" media-type="application/xhtml+xml"/>
    <item id="two" href="Text/chapter%20two.xhtml" media-type="application/xhtml+xml"/>
    <item id="three" href="Text/three.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine toc="ncx">
    <itemref idref="cover"/>
    <itemref idref="one"/>
    <itemref idref="notes" linear="no"/>
    <itemref idref="two"/>
    <itemref idref="three"/>
  </spine>
</package>
`,
    'OEBPS/toc.ncx': `<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
  <head><meta name="dtb:uid" content="urn:uuid:00000000-0000-0000-0000-000000000001"/></head>
  <docTitle><text>Short Tales</text></docTitle>
  <navMap>
    <navPoint id="p1" playOrder="1"><navLabel><text>Cover</text></navLabel><content src="Text/cover.xhtml"/></navPoint>
    <navPoint id="p2" playOrder="2"><navLabel><text>Chapter One</text></navLabel><content src="Text/one.xhtml"/></navPoint>
    <navPoint id="p3" playOrder="3"><navLabel><text>Chapter Two</text></navLabel><content src="Text/chapter%20two.xhtml"/>
      <navPoint id="p4" playOrder="4"><navLabel><text>A Quiet Scene</text></navLabel><content src="Text/chapter%20two.xhtml#scene"/></navPoint>
    </navPoint>
    <navPoint id="p5" playOrder="5"><navLabel><text>Chapter Three</text></navLabel><content src="Text/three.xhtml"/></navPoint>
  </navMap>
</ncx>
`,
    'OEBPS/Text/cover.xhtml': xhtml('<div><img src="../Images/cover.png" alt="Cover"/></div>'),
    'OEBPS/Images/cover.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    'OEBPS/Text/one.xhtml': xhtml(`
<p>The first chapter has no heading of its own;
the table of contents names it.</p>
<p>It has two paragraphs<span epub:type="pagebreak" id="page2" title="2"/> and a page break.</p>`),
    'OEBPS/Text/notes.xhtml': xhtml('<p>Notes outside the reading order.</p>'),
    'OEBPS/Text/chapter two.xhtml': xhtml(`
<h2 class="chapter">CHAPTER TWO</h2>
<p>The second chapter repeats its title in capitals.</p>
<p id="scene">A scene begins here, named only in the table of contents.</p>`),
    'OEBPS/Text/three.xhtml': xhtml(`
<p class="chapter-number">III</p>
<h1>Chapter Three</h1>
<p>The last chapter: its number comes before its heading.</p>`),
  }),
);

// --- Text in other encodings, and data that is not text ---

const latin1 =
  'Café crème brûlée, s’il vous plaît.\n'.replace('’', "'") +
  'La pâtisserie française est très appréciée à Noël; où est le garçon?\n' +
  'Il a mangé une tarte aux pêches et un gâteau à la crème fraîche.\n';
write('latin1.txt', Buffer.from(latin1, 'latin1'));

/** Windows-1252 puts curly quotes, dashes and the ellipsis in 0x80–0x9F, where Latin-1 has controls. */
const cp1252 = new Map([
  ['‘', 0x91],
  ['’', 0x92],
  ['“', 0x93],
  ['”', 0x94],
  ['–', 0x96],
  ['—', 0x97],
  ['…', 0x85],
]);
const windows1252 =
  '“Café crème brûlée…” she said – it’s the best in town.\n' +
  'Un dîner très réussi — à refaire bientôt, n’est-ce pas?\n' +
  'Les élèves ont goûté la crème brûlée après le déjeuner.\n';
write(
  'windows-1252.txt',
  Uint8Array.from([...windows1252], (ch) => cp1252.get(ch) ?? ch.charCodeAt(0)),
);

const unicode = 'Ünïcödé text – with “quotes”.\nSecond line, ça va?\n';
write('utf16le-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(unicode, 'utf16le')]));
write('utf16le.txt', Buffer.from(unicode, 'utf16le'));
write('crlf.txt', 'Title line\r\n\r\n# Not a heading here\r\n- nor a list item\r\nSecond line of the paragraph.\r\n');

/** Deterministic "random" bytes (a small LCG), so the fixtures do not change between runs. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}
write('image.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pseudoRandomBytes(256, 1)]));
write('random.bin', pseudoRandomBytes(512, 2));
write('report.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), pseudoRandomBytes(256, 3)]));
// Few non-ASCII bytes and no language in them: chardet's best guess is weak.
write('unsure-encoding.txt', Buffer.from('Price: 12\xa4 \xc0\xc1\xe2\xe3 \xf0\xf1\xc5 \xe9\xea\xe0\n', 'latin1'));
