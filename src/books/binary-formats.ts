// Recognises common non-text files by their first bytes, to say what a file is instead of "binary".

interface Signature {
  /** Bytes at `offset` (default 0), as latin1 text. */
  magic: string;
  offset?: number;
  /** Completes "<file> …". */
  looksLike: string;
  /** Text-like formats we still refuse (a PDF or RTF file can be plain ASCII). */
  refuse?: true;
}

const CONVERT = 'convert it to text or EPUB first';

const SIGNATURES: readonly Signature[] = [
  { magic: '%PDF', looksLike: `looks like a PDF; ${CONVERT}`, refuse: true },
  { magic: '{\\rtf', looksLike: `looks like an RTF document; ${CONVERT}`, refuse: true },
  { magic: 'BOOKMOBI', offset: 60, looksLike: `looks like a Kindle book (MOBI/AZW); ${CONVERT}` },
  { magic: '\xd0\xcf\x11\xe0', looksLike: `looks like an old Word or Office document; ${CONVERT}` },
  { magic: 'PK\x03\x04', looksLike: `is a zip archive (a Word or OpenDocument file?), not text or EPUB; ${CONVERT}` },
  { magic: '\x89PNG', looksLike: 'looks like a PNG image, not text' },
  { magic: '\xff\xd8\xff', looksLike: 'looks like a JPEG image, not text' },
  { magic: 'GIF8', looksLike: 'looks like a GIF image, not text' },
  { magic: '\x1f\x8b', looksLike: 'looks like a gzip archive, not text; unpack it first' },
  { magic: 'ID3', looksLike: 'looks like an MP3 file, not text' },
  { magic: 'RIFF', looksLike: 'looks like a RIFF file (WAV, AVI or WebP), not text' },
  { magic: 'ftyp', offset: 4, looksLike: 'looks like an MP4 or M4A/M4B file, not text' },
];

export interface BinaryFormat {
  /** Completes "<file> …", e.g. "looks like a PDF; convert it to text or EPUB first". */
  looksLike: string;
  /** The file cannot be text: its signature has control bytes, or it is a format we refuse. */
  certain: boolean;
}

/** Which known non-text format the bytes start like, if any. */
export function describeBinary(bytes: Uint8Array): BinaryFormat | undefined {
  for (const { magic, offset = 0, looksLike, refuse } of SIGNATURES) {
    if (bytes.length < offset + magic.length) continue;
    let matches = true;
    for (let i = 0; i < magic.length && matches; i++) matches = bytes[offset + i] === magic.charCodeAt(i);
    // A text file may well start with "GIF8" or "ID3"; only non-printable bytes or a refused format are sure.
    if (matches) return { looksLike, certain: refuse === true || offset > 0 || /[^\x20-\x7e]/u.test(magic) };
  }
  return undefined;
}
