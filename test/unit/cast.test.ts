import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CastOptions, castChunks } from '../../src/cast/index.ts';
import { InvalidInputError, resolveDocumentInput } from '../../src/document/input.ts';
import { timeSentences, webVtt } from '../../src/formats/captions.ts';
import { chunkText } from '../../src/text/chunker.ts';

const cast = (text: string, options: CastOptions = {}, maxChunkChars = 300) => castChunks(text, { maxChunkChars }, options);
const spoken = (text: string, options: CastOptions = {}) => cast(text, options).chunks.map((chunk) => [chunk.text, chunk.voice ?? '-']);
const dialogue = { dialogueVoice: 'am_adam' };

describe('dialogue', () => {
  it('cuts a paragraph at its quotations, in order, the narration between them left to the narrator', () => {
    expect(spoken('"The ship will come tonight," he said quietly, "and the light must not fail."', dialogue)).toEqual([
      ['"The ship will come tonight,"', 'am_adam'],
      ['he said quietly,', '-'],
      ['"and the light must not fail."', 'am_adam'],
    ]);
    expect(spoken('“Come here.” She left. “Now!”', dialogue)).toEqual([
      ['“Come here.”', 'am_adam'],
      ['She left.', '-'],
      ['“Now!”', 'am_adam'],
    ]);
  });

  it('never opens a quotation at an apostrophe, and takes ‘…’ only where it is clearly speech', () => {
    const text = "The ship's bell rang; 'tis late, and ’twas cold. The boys’ boots dried. ‘Tis the season, said the sailors’ wives.";
    expect(spoken(text, dialogue).every(([, voice]) => voice === '-')).toBe(true);
    expect(spoken('‘I shall go,’ she said. ‘You will not.’ The Smiths’ house was dark.', dialogue)).toEqual([
      ['‘I shall go,’', 'am_adam'],
      ['she said.', '-'],
      ['‘You will not.’', 'am_adam'],
      ['The Smiths’ house was dark.', '-'],
    ]);
    expect(spoken('He was 6\'2" and 12" of it was hat.', dialogue)).toEqual([['He was 6\'2" and 12" of it was hat.', '-']]);
  });

  it('closes an open quotation at the paragraph end, and opens again with the next paragraph, as books print long speeches', () => {
    expect(spoken('“I went down to the sea,\n\n“and there I stayed.” He stopped.', dialogue)).toEqual([
      ['“I went down to the sea,', 'am_adam'],
      ['“and there I stayed.”', 'am_adam'],
      ['He stopped.', '-'],
    ]);
  });

  it('leaves quotations to the narrator without a dialogue voice: the chunks are exactly those of a text without a cast', async () => {
    const sample = await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8');
    for (const text of [sample, '"Hello," she said. ‘Hi,’ he said.']) {
      const plain = cast(text);
      expect(plain.cast).toBe(false);
      expect(plain.chunks).toEqual(chunkText(text, { maxChunkChars: 300, speakable: true }));
    }
  });
});

describe('voice and pause tags', () => {
  it('switches voice for a tagged passage, nested or across paragraphs, and never reads a tag', () => {
    const text =
      'Narration. [voice:bm_george]The captain spoke.\n\nHe went on. [voice:bf_emma]She cut in.[/voice] He finished.[/voice] The end.';
    expect(spoken(text)).toEqual([
      ['Narration.', '-'],
      ['The captain spoke.', 'bm_george'],
      ['He went on.', 'bm_george'],
      ['She cut in.', 'bf_emma'],
      ['He finished.', 'bm_george'],
      ['The end.', '-'],
    ]);
  });

  it('puts the tagged voice above the dialogue voice, and tags on lines of their own work as inline ones do', () => {
    expect(spoken('[voice:bm_george]\n"Aye," said the captain.\n[/voice]\n\n"Aye," said the mate.', dialogue)).toEqual([
      ['"Aye,"', 'bm_george'],
      ['said the captain.', 'bm_george'],
      ['"Aye,"', 'am_adam'],
      ['said the mate.', '-'],
    ]);
  });

  it('makes a pause an exact silence after the chunk before it (or before the first), in seconds or milliseconds', () => {
    const { chunks, leadPauseMs } = cast('[pause:250ms] One. [pause:1.5s] Two,[pause:500ms][pause:500ms] three. Four.[pause:2s]');
    expect(leadPauseMs).toBe(250);
    expect(chunks.map((chunk) => [chunk.text, chunk.pauseAfterMs])).toEqual([
      ['One.', 1_500],
      ['Two,', 1_000],
      ['three. Four.', 2_000],
    ]);
  });

  it('refuses tags that do not balance or read, naming the line', () => {
    const problems: Array<[string, RegExp]> = [
      ['one\ntwo [voice:bm_george] three', /^line 2: \[voice:bm_george\] is never closed with \[\/voice\]$/u],
      ['one\n\nthree [/voice]', /^line 3: \[\/voice\] closes no \[voice:…\]$/u],
      ['a [voice:] b [/voice]', /^line 1: \[voice:\] names no voice$/u],
      ['a [pause:3] b', /^line 1: \[pause:3\] is not a pause: write \[pause:1.5s\] or \[pause:500ms\]$/u],
      ['a [pause:90s] b', /longer than 60 s/u],
      ['a[voice:bm_george]b [/voice]', /inside a word/u],
      ['a [voice:af_bella(0)+af_sky] b [/voice]', /weight/u],
    ];
    for (const [text, message] of problems) expect(() => cast(text), text).toThrow(message);
    // The workflow's own check names the field and the line.
    expect(() => resolveDocumentInput({ text: 'a\n[voice:x] b' })).toThrow(InvalidInputError);
    expect(() => resolveDocumentInput({ text: 'a\n[voice:x] b' })).toThrow(
      'Invalid input: text has a tag problem: line 2: [voice:x] is never closed',
    );
  });

  it('spells a blend one way wherever it is written, so its chunks share a key', () => {
    const a = cast('[voice:af_sky+af_bella(2)]Hi.[/voice]').chunks[0]!.voice;
    const b = cast('[voice:AF_BELLA(4)+af_sky(2)]Hi.[/voice]').chunks[0]!.voice;
    expect(a).toBe('af_bella(0.6667)+af_sky(0.3333)');
    expect(b).toBe(a);
    expect(resolveDocumentInput({ text: 'Hi.', voice: 'af_sky+af_bella(2)', dialogueVoice: 'af_bella(2)+af_sky' })).toMatchObject({
      voice: a,
      dialogueVoice: a,
    });
  });

  it("drops a text's own private-use characters, which would read as marks", () => {
    expect(spoken('Icons \uE001 and \uF000 here.')).toEqual([['Icons and here.', '-']]);
  });
});

describe('voices by chapter', () => {
  const book = 'Opening words.\n\n# One\n\nFirst chapter.\n\n# The Storm\n\nSecond "quoted" chapter.';
  it('numbers chapters as the chapter marks do (an opening is chapter 1), matches titles loosely, and leaves quotations to the dialogue voice', () => {
    expect(spoken(book, { ...dialogue, chapterVoices: { '1': 'bf_isabella', '2': 'bf_emma', 'the storm.': 'bm_lewis' } })).toEqual([
      ['Opening words.', 'bf_isabella'],
      ['One', 'bf_emma'],
      ['First chapter.', 'bf_emma'],
      ['The Storm', 'bm_lewis'],
      ['Second', 'bm_lewis'],
      ['"quoted"', 'am_adam'],
      ['chapter.', 'bm_lewis'],
    ]);
    // Without an opening, the first heading is chapter 1; without headings, the whole text is.
    expect(spoken('# One\n\nText.', { chapterVoices: { '1': 'bf_emma' } })).toEqual([
      ['One', 'bf_emma'],
      ['Text.', 'bf_emma'],
    ]);
    expect(spoken('Just text.', { chapterVoices: { '1': 'bf_emma' } })).toEqual([['Just text.', 'bf_emma']]);
  });

  it('refuses a key that names no chapter', () => {
    expect(() => cast(book, { chapterVoices: { '4': 'bf_emma' } })).toThrow('no chapter is numbered 4 (the text has 3 chapters)');
    expect(() => cast(book, { chapterVoices: { Calm: 'bf_emma' } })).toThrow('no chapter is titled "Calm" (chapters: "One", "The Storm")');
  });
});

describe('chunks of a cast', () => {
  const word = fc.constantFrom('ship', 'light', "ship's", 'sea', 'night', 'keeper', 'Dr.', 'rain', 'é', 'bells');
  const piece = fc.oneof(
    fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => words.join(' ')),
    fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => `"${words.join(' ')},"`),
    fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => `[voice:bm_george] ${words.join(' ')}. [/voice]`),
    fc.constantFrom('.', ',', ' [pause:1s] ', '\n\n', ' — '),
  );

  it('never spans two voices and never cuts a word: every word is said once, in order, by one voice', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 30 }), fc.integer({ min: 20, max: 120 }), (pieces, max) => {
        const text = pieces.join(' ');
        const { chunks } = cast(text, dialogue, max);
        const words = (s: string) => s.replace(/\[[^\]]*\]/gu, ' ').match(/[\p{L}']+/gu) ?? [];
        expect(chunks.flatMap((chunk) => words(chunk.text))).toEqual(words(text));
        for (const chunk of chunks) {
          expect(chunk.text.length).toBeLessThanOrEqual(max);
          // A quotation mark inside a narrator's chunk would mean the voices ran together.
          if (chunk.voice === undefined) expect(chunk.text).not.toMatch(/"[^"]*\p{L}/u);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('captions of a cast', () => {
  it("name each cue's voice as WebVTT does (<v NAME>)", () => {
    const placed = [
      { index: 0, startFrame: 0, frames: 24_000, trimmedFrames: 0, sourceRate: 24_000 },
      { index: 1, startFrame: 30_000, frames: 24_000, trimmedFrames: 0, sourceRate: 24_000 },
    ];
    const timings = timeSentences(
      placed,
      [
        { text: '"Aye,"', voice: 'am_adam' },
        { text: 'said the mate.', voice: 'af_heart' },
      ],
      24_000,
      54_000,
    );
    expect(timings.sentences.map((s) => s.voice)).toEqual(['am_adam', 'af_heart']);
    expect(webVtt(timings)).toContain(
      '00:00:00.000 --> 00:00:01.000\n<v am_adam>"Aye,"\n\n00:00:01.250 --> 00:00:02.250\n<v af_heart>said the mate.',
    );
  });
});
