// Bytes → text for txt, Markdown and HTML files: byte order mark, then UTF-16 by its NUL bytes,
// then strict UTF-8, then chardet's guess. Anything that is not clearly text in a known encoding
// is refused with a message saying what to do, rather than read aloud as mojibake.

import chardet from 'chardet';
import { describeBinary } from './binary-formats.ts';
import { DocumentFileError } from './errors.ts';

export interface DecodedText {
  text: string;
  /** WHATWG name of the encoding, e.g. "utf-8", "utf-16le", "windows-1252". */
  encoding: string;
}

/** Below this, chardet's best guess is too often wrong to read a whole book with it. */
const MIN_CONFIDENCE = 25;
/** Bytes of UTF-16 to look at for its NUL pattern. */
const UTF16_SAMPLE_BYTES = 4096;
/** Bytes handed to chardet: it is slow on megabytes (2.5 s for 6 MB) and needs only the non-ASCII lines. */
const DETECTOR_SAMPLE_BYTES = 256 * 1024;
const SAVE_AS_UTF8 = 'save it as UTF-8 (any text editor can)';

/** Decodes `bytes`; throws DocumentFileError for empty, binary or undecidable input. */
export function decodeText(bytes: Uint8Array, fileName: string): DecodedText {
  const name = JSON.stringify(fileName);
  if (bytes.length === 0) throw new DocumentFileError(`${name} is empty`);

  const known = describeBinary(bytes);
  if (known?.certain) throw new DocumentFileError(`${name} ${known.looksLike}`);
  const binary = (): DocumentFileError => new DocumentFileError(`${name} ${known?.looksLike ?? 'is binary data, not text'}`);

  const bom = byteOrderMark(bytes);
  if (bom) return checked(strictDecode(bom.encoding, bytes.subarray(bom.length), name, 'starts with a byte order mark for'), binary);

  const utf16 = utf16ByNulBytes(bytes);
  if (utf16) return checked(strictDecode(utf16, bytes, name, 'looks like'), binary);
  if (tooManyControls(controlCharacters(bytes), bytes.length)) throw binary();

  const utf8 = tryDecode('utf-8', bytes);
  if (utf8 !== undefined) return checked({ text: utf8, encoding: 'utf-8' }, binary);

  return checked(detectAndDecode(bytes, name), binary);
}

// --- Encodings that announce themselves ---

function byteOrderMark(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** UTF-16 text in a Latin script has a NUL as the high byte of most characters, all on one side. */
function utf16ByNulBytes(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(Math.min(bytes.length, UTF16_SAMPLE_BYTES) / 2);
  if (pairs === 0) return undefined;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) evenNuls++;
    if (bytes[2 * i + 1] === 0) oddNuls++;
  }
  if (oddNuls >= pairs * 0.3 && evenNuls <= pairs * 0.02) return 'utf-16le';
  if (evenNuls >= pairs * 0.3 && oddNuls <= pairs * 0.02) return 'utf-16be';
  return undefined;
}

// --- Guessing ---

function detectAndDecode(bytes: Uint8Array, name: string): DecodedText {
  // Not valid UTF-8 and no NULs: an 8-bit or multi-byte legacy encoding. UTF-* guesses are moot.
  const matches = chardet.analyse(detectorSample(bytes)).filter((match) => !/^(?:UTF|ASCII)/iu.test(match.name));
  const [best, second] = matches;
  const unsure = (guess: string): DocumentFileError =>
    new DocumentFileError(`Could not tell which character encoding ${name} uses (best guess: ${guess}); ${SAVE_AS_UTF8} and try again`);
  if (!best) throw unsure('none');
  const guess = `${best.name}, ${best.confidence}% sure`;
  // A tie between encodings that decode differently is a coin toss.
  const tie = second !== undefined && second.confidence === best.confidence && decoderName(second.name) !== decoderName(best.name);
  if (best.confidence < MIN_CONFIDENCE || tie) throw unsure(guess);
  const encoding = decoderName(best.name);
  if (encoding === undefined) {
    throw new DocumentFileError(`${name} seems to be in ${best.name}, which cannot be decoded here; ${SAVE_AS_UTF8} and try again`);
  }
  const decoded = strictDecode(encoding, bytes, name, 'looks like');
  // Bytes a single-byte encoding leaves undefined come out as C1 controls: the guess was wrong.
  if (/[\u0080-\u009f]/u.test(decoded.text)) {
    throw new DocumentFileError(
      `${name} looks like ${encoding} but has bytes that are not valid ${encoding}; ${SAVE_AS_UTF8} and try again`,
    );
  }
  return decoded;
}

/** The lines with non-ASCII bytes (where encodings differ), up to DETECTOR_SAMPLE_BYTES. */
function detectorSample(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= DETECTOR_SAMPLE_BYTES) return bytes;
  const sample = new Uint8Array(DETECTOR_SAMPLE_BYTES);
  let length = 0;
  let lineStart = 0;
  let nonAscii = false;
  for (let i = 0; i <= bytes.length && length < sample.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (nonAscii) {
        const line = bytes.subarray(lineStart, Math.min(i + 1, lineStart + sample.length - length));
        sample.set(line, length);
        length += line.length;
      }
      lineStart = i + 1;
      nonAscii = false;
    } else if (bytes[i]! >= 0x80) {
      nonAscii = true;
    }
  }
  return sample.subarray(0, length);
}

/** The WHATWG name TextDecoder uses (ISO-8859-1 → windows-1252), or undefined if Node lacks it. */
function decoderName(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

// --- Decoding ---

function tryDecode(encoding: string, bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    return new TextDecoder(encoding).encoding === 'windows-1252' ? fixWindows1252(text) : text;
  } catch {
    return undefined;
  }
}

/** Windows-1252's 0x80–0x9F (WHATWG); the five bytes it leaves undefined stay C1 controls. */
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Node 20's TextDecoder reads windows-1252 (and latin1) as ISO-8859-1: 0x93 comes out as U+0093, not a quote. */
function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/gu, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

function strictDecode(encoding: string, bytes: Uint8Array, name: string, how: string): DecodedText {
  const text = tryDecode(encoding, bytes);
  if (text === undefined) {
    throw new DocumentFileError(`${name} ${how} ${encoding} but is not valid ${encoding}; ${SAVE_AS_UTF8} and try again`);
  }
  return { text, encoding: new TextDecoder(encoding).encoding };
}

/** Decoded text with many control characters is binary data that happened to decode. */
function checked(decoded: DecodedText, binary: () => DocumentFileError): DecodedText {
  const controls = decoded.text.match(/[\u0000-\u0008\u000e-\u0019\u001b-\u001f\u007f-\u009f]/gu)?.length ?? 0;
  if (tooManyControls(controls, decoded.text.length)) throw binary();
  return decoded;
}

/**
 * Binary data: control characters are more than 1 % of it, and more than a stray few. A text with
 * one stray NUL or bell is text: the input's own check names the character and where it is.
 */
function tooManyControls(controls: number, length: number): boolean {
  return controls >= 8 && controls * 100 > length;
}

/** C0 control bytes other than whitespace (and the DOS end-of-file mark, 0x1A). */
function controlCharacters(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1a) || byte === 0x7f) count++;
  }
  return count;
}
