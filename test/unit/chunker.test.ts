import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CHUNK_CHARS } from '../../src/contract/text-limits.ts';
import { chunkText, segmentInWindows, type TextChunk } from '../../src/text/chunker.ts';
import { speakableBlocks } from '../../src/text/document-blocks.ts';
import { speakableText } from '../../src/text/speakable.ts';

const WHITESPACE = /\s/gu;
const withoutWhitespace = (text: string) => text.replace(WHITESPACE, '');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const texts = (chunks: TextChunk[]) => chunks.map((chunk) => chunk.text);

// --- Generators ---

const asciiWord = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  minLength: 1,
  maxLength: 12,
});
const longWord = fc.integer({ min: 20, max: 500 }).map((n) => 'x'.repeat(n));
const cjk = fc.constantFrom('日本語の文章です', '你好', '世界', 'テスト', '中文没有空格的很长很长的句子', '한국어 문장');
const rtl = fc.constantFrom('مرحبا', 'بالعالم', 'كيف حالك', 'שלום', 'עולם', 'ספר');
const emoji = fc.constantFrom('😀', '👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇯🇵', '🧑🏾‍💻', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'e\u0301');
const anyGraphemes = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 });
const punctuation = fc.constantFrom('.', ',', ';', ':', '!', '?', '...', '。', '、', '،', '؟', ' — ', '"', '”', ')');
const separator = fc.constantFrom(
  ' ',
  ' ',
  ' ',
  '',
  '  ',
  '\t',
  '\n',
  '\n\n',
  '\r\n',
  '\r\n\r\n',
  '\n \n',
  '\n\n\n\n',
  ' \n\t\n ',
  '\u00a0',
  '\u3000',
);

const token = fc.oneof(
  { arbitrary: asciiWord, weight: 8 },
  { arbitrary: longWord, weight: 1 },
  { arbitrary: cjk, weight: 2 },
  { arbitrary: rtl, weight: 2 },
  { arbitrary: emoji, weight: 2 },
  { arbitrary: anyGraphemes, weight: 1 },
  { arbitrary: punctuation, weight: 3 },
);
const joinPairs = (pairs: Array<[string, string]>) => pairs.map(([a, b]) => a + b).join('');

/** Mixed scripts, punctuation, emoji and all kinds of whitespace. */
const mixedText = fc.array(fc.tuple(token, separator), { maxLength: 120 }).map(joinPairs);
/** Words and whitespace only: nothing for the sentence or clause splitters to hold on to. */
const unpunctuatedText = fc.array(fc.tuple(fc.oneof(asciiWord, longWord, cjk, rtl, emoji), separator), { maxLength: 120 }).map(joinPairs);
/** Mostly whitespace: runs of spaces, newlines, blank lines and CRLF. */
const whitespaceHeavyText = fc.array(fc.oneof(separator, asciiWord), { maxLength: 60 }).map((parts) => parts.join(''));
const anyText = fc.oneof(mixedText, unpunctuatedText, whitespaceHeavyText);
const maxChunkChars = fc.integer({ min: 2, max: 400 });

describe('segmentInWindows', () => {
  // Long texts are segmented a window at a time (V8's segmenter is quadratic in length): the
  // result must be what one call over the whole text gives.
  // Abbreviations followed by lower case ("e.g. hammers") are where a break depends on what follows.
  const abbreviation = fc.constantFrom('e.g.', 'i.e.', 'Mr.', 'etc.', 'U.S.', 'vs.', '"hammers"', '(see p. 4)', 'ok.', 'a.m.');
  const longToken = fc.oneof({ arbitrary: token, weight: 5 }, { arbitrary: abbreviation, weight: 2 });
  const longText = fc.array(fc.tuple(longToken, separator), { minLength: 600, maxLength: 2_400 }).map(joinPairs);
  for (const granularity of ['sentence', 'word'] as const) {
    it(`gives the same ${granularity} segments as segmenting the whole text at once`, () => {
      const segmenter = new Intl.Segmenter('en', { granularity });
      fc.assert(
        fc.property(longText, (text) => {
          const whole = Array.from(segmenter.segment(text), ({ segment, index }) => ({ segment, index }));
          expect(Array.from(segmentInWindows(segmenter, text))).toEqual(whole);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('does not break after an abbreviation cut off by a window', () => {
    const text = `${'Hello world. '.repeat(150)}${'x'.repeat(36)} Tools, e.g. "hammers" and saws, are useful. The end.`;
    const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
    for (const shift of [0, 1_000, 1_700, 2_700, 3_500]) {
      const shifted = 'Start. '.repeat(shift / 7) + text;
      expect(Array.from(segmentInWindows(segmenter, shifted))).toEqual(
        Array.from(segmenter.segment(shifted), ({ segment, index }) => ({ segment, index })),
      );
    }
  });
});

describe('chunkText properties', () => {
  it('keeps every non-whitespace character, in order', () => {
    fc.assert(
      fc.property(anyText, maxChunkChars, (text, max) => {
        const joined = texts(chunkText(text, { maxChunkChars: max })).join('');
        expect(withoutWhitespace(joined)).toBe(withoutWhitespace(text));
      }),
      { numRuns: 400 },
    );
  });

  it('makes chunks that fit, are not blank, are well-formed UTF-16, are numbered 0..n-1 and end with "end"', () => {
    fc.assert(
      fc.property(anyText, maxChunkChars, (text, max) => {
        const chunks = chunkText(text, { maxChunkChars: max });
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(max);
          expect(chunk.text.trim()).not.toBe('');
          expect(chunk.text).not.toMatch(LONE_SURROGATE); // never cuts a surrogate pair
        }
        expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
        if (chunks.length > 0) expect(chunks.at(-1)!.breakAfter).toBe('end');
        for (const chunk of chunks.slice(0, -1)) expect(chunk.breakAfter).not.toBe('end');
        // No chunks exactly when there is nothing to say.
        expect(chunks.length === 0).toBe(withoutWhitespace(text) === '');
      }),
      { numRuns: 400 },
    );
  });

  it('never cuts inside a word when every word fits', () => {
    const words = fc.array(asciiWord, { minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(words, fc.array(separator, { minLength: 80, maxLength: 80 }), fc.integer({ min: 12, max: 400 }), (ws, seps, max) => {
        // A separator that is not empty, so every word stays a word of its own.
        const text = ws.map((w, i) => w + (seps[i] === '' ? ' ' : seps[i])).join('');
        const chunks = chunkText(text, { maxChunkChars: max });
        expect(chunks.flatMap((chunk) => chunk.text.split(/\s+/u))).toEqual(ws);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(anyText, maxChunkChars, (text, max) => {
        expect(chunkText(text, { maxChunkChars: max })).toEqual(chunkText(text, { maxChunkChars: max }));
      }),
      { numRuns: 100 },
    );
  });
});

describe('chunkText properties with speakable: true', () => {
  const speakable = (text: string, max: number) => chunkText(text, { maxChunkChars: max, speakable: true });
  /** What is left to say once markup is read: every part of every block, in order. */
  const speakableDocument = (text: string) =>
    speakableBlocks(text, (markup) => speakableText(markup))
      .flatMap((block) => block.parts)
      .join(' ');
  /** Generated text with Markdown in it: headings, list markers, emphasis, links, URLs, tables, quotes. */
  const markdownToken = fc.constantFrom(
    '# ',
    '## ',
    '- ',
    '* ',
    '1. ',
    '2) ',
    '> ',
    '| a | b |',
    '|---|---|',
    '---',
    '*x*',
    '**bold**',
    '_it_',
    'snake_case',
    '2*3',
    '`code`',
    '[text](https://example.com/a)',
    '![alt](a.png)',
    'https://www.example.com/path?q=1',
    'www.example.org',
    'ann@example.com',
    '<b>',
    'Mr.',
    'Dr.',
    'D.',
    'e.g.',
    'etc.',
  );
  const markdownText = fc
    .array(fc.tuple(fc.oneof({ arbitrary: token, weight: 4 }, { arbitrary: markdownToken, weight: 2 }), separator), { maxLength: 120 })
    .map(joinPairs);
  const anySpeakable = fc.oneof(anyText, markdownText);

  it('keeps every non-whitespace character of the text to say, in order', () => {
    fc.assert(
      fc.property(anySpeakable, maxChunkChars, (text, max) => {
        expect(withoutWhitespace(texts(speakable(text, max)).join(''))).toBe(withoutWhitespace(speakableDocument(text)));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every word of a text without markup', () => {
    fc.assert(
      fc.property(unpunctuatedText, maxChunkChars, (text, max) => {
        expect(withoutWhitespace(texts(speakable(text, max)).join(''))).toBe(withoutWhitespace(text));
      }),
      { numRuns: 200 },
    );
  });

  it('makes chunks that fit, are not blank, are well-formed UTF-16, are numbered 0..n-1 and end with "end"', () => {
    fc.assert(
      fc.property(anySpeakable, maxChunkChars, (text, max) => {
        const chunks = speakable(text, max);
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(max);
          expect(chunk.text.trim()).not.toBe('');
          expect(chunk.text).not.toMatch(LONE_SURROGATE);
        }
        expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
        if (chunks.length > 0) expect(chunks.at(-1)!.breakAfter).toBe('end');
        for (const chunk of chunks.slice(0, -1)) expect(chunk.breakAfter).not.toBe('end');
        expect(chunks.length === 0).toBe(withoutWhitespace(speakableDocument(text)) === '');
      }),
      { numRuns: 400 },
    );
  });

  it('never cuts inside a word when every word fits', () => {
    const words = fc.array(asciiWord, { minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(words, fc.array(separator, { minLength: 80, maxLength: 80 }), fc.integer({ min: 12, max: 400 }), (ws, seps, max) => {
        const text = ws.map((w, i) => w + (seps[i] === '' ? ' ' : seps[i])).join('');
        expect(speakable(text, max).flatMap((chunk) => chunk.text.split(/\s+/u))).toEqual(ws);
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(anySpeakable, maxChunkChars, (text, max) => {
        expect(speakable(text, max)).toEqual(speakable(text, max));
      }),
      { numRuns: 100 },
    );
  });
});

describe('chunkText examples', () => {
  it('joins hard-wrapped lines of a paragraph into one flow (a single newline is a space)', () => {
    const text = 'The quick brown fox\njumps over the lazy\r\ndog. It ran away\nquickly.';
    expect(chunkText(text)).toEqual([
      { index: 0, text: 'The quick brown fox jumps over the lazy dog. It ran away quickly.', breakAfter: 'end' },
    ]);
  });

  it('ends a paragraph at a blank line (also with CRLF or spaces on the blank line)', () => {
    for (const blank of ['\n\n', '\r\n\r\n', '\n   \n', '\n\n\n\n']) {
      const chunks = chunkText(`First paragraph here.${blank}Second paragraph here.`);
      expect(chunks).toEqual([
        { index: 0, text: 'First paragraph here.', breakAfter: 'paragraph' },
        { index: 1, text: 'Second paragraph here.', breakAfter: 'end' },
      ]);
    }
  });

  it('reads a short unpunctuated block as a heading of its own', () => {
    const chunks = chunkText('Chapter One\n\nIt was a dark and stormy night. The rain fell.\n\nChapter Two\n\nMorning came.');
    expect(chunks).toEqual([
      { index: 0, text: 'Chapter One', breakAfter: 'heading' },
      { index: 1, text: 'It was a dark and stormy night. The rain fell.', breakAfter: 'paragraph' },
      { index: 2, text: 'Chapter Two', breakAfter: 'heading' },
      { index: 3, text: 'Morning came.', breakAfter: 'end' },
    ]);
  });

  it('does not merge a heading into the next sentence even when both would fit in one chunk', () => {
    const chunks = chunkText('A Title\n\nShort.', { maxChunkChars: 400 });
    expect(texts(chunks)).toEqual(['A Title', 'Short.']);
    expect(chunks[0]!.breakAfter).toBe('heading');
  });

  it('does not take a punctuated short line for a heading', () => {
    expect(chunkText('Hello there.\n\nMore text.')[0]!.breakAfter).toBe('paragraph');
  });

  it('splits a long sentence at a comma or semicolon before splitting between words', () => {
    const sentence = 'This is a rather long sentence, with a comma in the middle; and a semicolon too before the end.';
    expect(texts(chunkText(sentence, { maxChunkChars: 50 }))).toEqual([
      'This is a rather long sentence,',
      'with a comma in the middle;',
      'and a semicolon too before the end.',
    ]);
  });

  it('marks where a chunk was split: between words, at a clause, or at a sentence end', () => {
    const sentence = 'This is a rather long sentence, with a comma in the middle; and a semicolon too before the end.';
    expect(chunkText(sentence, { maxChunkChars: 50 }).map((c) => c.breakAfter)).toEqual(['clause', 'clause', 'end']);
    const words = chunkText('alpha beta gamma delta epsilon zeta. Next one.', { maxChunkChars: 20 });
    expect(words.map((c) => c.breakAfter)).toEqual(['word', 'sentence', 'end']);
  });

  it('does not take a short line ending in a colon for a heading', () => {
    expect(chunkText('Contents:\n\nFirst part.')[0]!.breakAfter).toBe('paragraph');
  });

  it('splits between sentences before clauses', () => {
    const text = 'One, two, three, four. Five, six, seven, eight.';
    expect(texts(chunkText(text, { maxChunkChars: 30 }))).toEqual(['One, two, three, four.', 'Five, six, seven, eight.']);
  });

  it('falls back to word boundaries in a long unpunctuated run', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    const chunks = chunkText(text, { maxChunkChars: 20 });
    expect(texts(chunks)).toEqual(['alpha beta gamma', 'delta epsilon zeta', 'eta theta iota kappa', 'lambda mu']);
    expect(chunks.map((chunk) => chunk.breakAfter)).toEqual(['word', 'word', 'word', 'end']);
  });

  it('cuts inside a word only when that word alone is longer than the limit', () => {
    const chunks = texts(chunkText('supercalifragilisticexpialidocious is long', { maxChunkChars: 10 }));
    expect(chunks).toEqual(['supercalif', 'ragilistic', 'expialidoc', 'ious is', 'long']);
  });

  it('keeps an emoji ZWJ sequence whole when it fits', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 UTF-16 code units, one grapheme
    const chunks = texts(chunkText(`${family}${family}${family}`, { maxChunkChars: 11 }));
    expect(chunks).toEqual([family, family, family]);
  });

  it('never splits a surrogate pair, even at the smallest limit', () => {
    const chunks = texts(chunkText('😀𝔘👍🏽', { maxChunkChars: 2 }));
    expect(chunks).toEqual(['😀', '𝔘', '👍', '🏽']);
    for (const chunk of chunks) expect(chunk).not.toMatch(LONE_SURROGATE);
  });

  it('returns no chunks for whitespace-only text', () => {
    expect(chunkText(' \n\r\n\t \n\n ')).toEqual([]);
  });

  it('chunks samples/reading.txt within the default limit and keeps its headings', async () => {
    const text = await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8');
    const chunks = chunkText(text);
    expect(DEFAULT_MAX_CHUNK_CHARS).toBe(300);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(300);
    expect(chunks.filter((chunk) => chunk.breakAfter === 'heading').map((chunk) => chunk.text)).toEqual([
      'The Long Life of the Spoken Page',
      'Voices Around the Fire',
      'The Reader on the Stage',
      'Sound Caught in Tinfoil',
      'Theaters of the Air',
      'Books That Speak',
    ]);
    expect(chunks[0]).toEqual({ index: 0, text: 'The Long Life of the Spoken Page', breakAfter: 'heading' });
    expect(chunks.at(-1)!.text.endsWith('"Listen," the teller says, and we do.')).toBe(true);
    expect(withoutWhitespace(texts(chunks).join(''))).toBe(withoutWhitespace(text));
  });

  it('throws RangeError for a limit below 2 or not a whole number', () => {
    for (const max of [1, 0, -5, 2.5, Number.NaN]) {
      expect(() => chunkText('Hello.', { maxChunkChars: max })).toThrow(RangeError);
    }
    expect(chunkText('Hi', { maxChunkChars: 2 })).toEqual([{ index: 0, text: 'Hi', breakAfter: 'end' }]);
  });
});

describe('a short first chunk', () => {
  it('cuts the first chunk at the coarsest boundary that fits, and leaves the rest as it was', () => {
    const text = 'Hello. How are you today, my dear friend? Fine.\n\nThe kettle whistled while the rain kept falling on the roof.';
    const plain = chunkText(text, { speakable: true });
    const short = chunkText(text, { speakable: true, firstChunkChars: 40 });
    expect(short.map((c) => [c.index, c.text, c.breakAfter])).toEqual([
      [0, 'Hello.', 'sentence'],
      [1, 'How are you today, my dear friend? Fine.', 'paragraph'],
      [2, 'The kettle whistled while the rain kept falling on the roof.', 'end'],
    ]);
    expect(short.slice(2).map((c) => c.text)).toEqual(plain.slice(1).map((c) => c.text));
    // A first sentence longer than the limit is cut between words; a short first chunk stays whole.
    expect(
      texts(chunkText('The kettle whistled while the rain kept falling on the old tin roof.', { speakable: true, firstChunkChars: 40 })),
    ).toEqual(['The kettle whistled while the rain kept', 'falling on the old tin roof.']);
    expect(chunkText('Short one.', { speakable: true, firstChunkChars: 40 })).toEqual(chunkText('Short one.', { speakable: true }));
  });

  it('lets the next chunks grow, each at most twice the one before, up to the longest, every word once in order', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence ${i} tells of the harbour at dusk, where the boats came in.`).join(' ');
    const chunks = chunkText(text, { speakable: true, firstChunkChars: 30, maxChunkChars: 300 });
    const limits = [30, 60, 120, 240];
    chunks.forEach((chunk, i) => {
      expect(chunk.index).toBe(i);
      expect(chunk.text.length, chunk.text).toBeLessThanOrEqual(limits[i] ?? 300);
    });
    expect(chunks[3]!.text.length).toBeGreaterThan(120); // it did grow
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
    expect(chunks.at(-1)!.breakAfter).toBe('end');
  });
});
