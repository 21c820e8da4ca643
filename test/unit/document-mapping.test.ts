// The pure mapping the audioDocument workflow delegates to: pauses, titles and chapters, the stitch
// request, the result, the search attributes, and what a running document answers (progress, live prefix).

import { describe, expect, it } from 'vitest';
import type { PreparedText, StitchResult } from '../../src/activities/index.ts';
import { DEFAULT_PAUSES } from '../../src/contract/input-schema.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { resolveDocumentInput } from '../../src/document/input.ts';
import { pausesAfter } from '../../src/document/pauses.ts';
import { chapterStarts, documentTitle, fileStem, firstHeading, titleOfDocument } from '../../src/document/title.ts';
import type { PartResult } from '../../src/workflows/audio-document-part.ts';
import { documentSearchAttributes } from '../../src/workflows/document-attributes.ts';
import { DocumentProgressTracker } from '../../src/workflows/document-progress.ts';
import { documentResult, partTotals } from '../../src/workflows/document-result.ts';
import { joinOf, stitchRequest } from '../../src/workflows/stitch-request.ts';

const plan: PreparedText = {
  plan: { uri: 'file:///store/plans/p.json', sha256: 'a'.repeat(64) },
  chunks: 3,
  characters: 60,
  breaks: 'hse',
  headings: [{ chunk: 1, title: 'Chapter One' }],
  parts: [{ from: 0, to: 3, characters: 60 }],
};

const ref = (index: number, extra: Partial<ChunkRef> = {}): ChunkRef => ({
  index,
  uri: `file:///store/chunks/${index}.wav`,
  sampleRate: 24_000,
  channels: 1,
  frames: 24_000,
  durationSec: 1,
  sha256: String(index).repeat(64).slice(0, 64),
  attempt: 1,
  cached: false,
  characters: 20,
  ...extra,
});

describe('pauses, titles and chapters', () => {
  it('puts the configured silence after each break, and none after the end', () => {
    expect(pausesAfter(['word', 'clause', 'sentence', 'paragraph', 'heading', 'end'], DEFAULT_PAUSES)).toEqual([80, 150, 300, 750, 900, 0]);
  });

  it('titles a document as given, else by its first heading, else by its file', () => {
    expect(documentTitle('Given', [{ chunk: 0, title: 'Heading' }], 'out/talk.mp3')).toBe('Given');
    expect(documentTitle(undefined, [{ chunk: 0, title: 'Heading' }], 'out/talk.mp3')).toBe('Heading');
    expect(documentTitle(undefined, [], 'out/talk.mp3')).toBe('talk');
    expect(fileStem('a/b/c.d.wav')).toBe('c.d');
  });

  it("titles a document before it starts by one rule: given, the file's metadata, the first heading, the file's name, the first line", () => {
    const markdown = '# Notes from *the* field\n\nSome text.';
    expect(titleOfDocument(markdown, { given: 'Given', metadata: 'Front matter', fileName: 'notes.md' })).toBe('Given');
    expect(titleOfDocument(markdown, { metadata: 'Line one\nline two', fileName: 'notes.md' })).toBe('Line one line two');
    expect(titleOfDocument(markdown, { fileName: 'notes.md' })).toBe('Notes from the field'); // without its markup
    expect(titleOfDocument('Chapter 3\n\nIt was so.', { fileName: 'book.txt' })).toBe('Chapter 3');
    expect(titleOfDocument('One sentence. Another one.', { fileName: 'dir/talk.txt' })).toBe('talk');
    expect(titleOfDocument('One sentence. Another one.')).toBe('One sentence. Another one.');
    // The workflow's own rule finds the same heading in the chunks it makes.
    expect(firstHeading(`Preface. It starts here.\n\n## Part One\n\n${'More text. '.repeat(10)}`)).toBe('Part One');
  });

  it('makes the text before the first heading a chapter of its own', () => {
    expect(chapterStarts(undefined, plan.headings, 'talk.wav')).toEqual([
      { chunk: 0, title: 'talk' },
      { chunk: 1, title: 'Chapter One' },
    ]);
    expect(chapterStarts('Book', [{ chunk: 0, title: 'One' }], 'talk.wav')).toEqual([{ chunk: 0, title: 'One' }]);
    expect(chapterStarts('Book', [], 'talk.wav')).toEqual([]);
  });
});

describe('the stitch request', () => {
  it('asks for trimmed joins, loudness, captions and chapters by default, with the plan for caption texts', () => {
    const input = resolveDocumentInput({ text: 'Hi.' });
    const request = stitchRequest(input, plan, { chunks: [ref(0), ref(1), ref(2)] }, [900, 300, 0], 'doc.wav');
    expect(request).toEqual({
      chunks: [ref(0), ref(1), ref(2)],
      plan: plan.plan,
      pausesAfterMs: [900, 300, 0],
      output: {
        name: 'doc.wav',
        format: 'wav',
        title: 'Chapter One',
        trim: true,
        crossfadeMs: input.output.crossfadeMs,
        loudness: input.output.loudness,
        captions: true,
        chapters: [
          { chunk: 0, title: 'doc' },
          { chunk: 1, title: 'Chapter One' },
        ],
      },
    });
  });

  it('sends a book its parts’ lists, and an ACX master its room tone and no loudness target', () => {
    const input = resolveDocumentInput({ text: 'Hi.', output: { preset: 'acx', split: 'chapter', author: 'Ann' } });
    const lists = [plan.plan, { uri: 'file:///store/lists/2.json', sha256: 'b'.repeat(64) }];
    const request = stitchRequest(input, plan, { chunkLists: lists }, [0, 0, 0], 'book.mp3');
    expect(request.chunks).toEqual([]);
    expect(request.chunkLists).toEqual(lists);
    expect(request.output).toMatchObject({ format: 'mp3', acx: true, split: 'chapter', author: 'Ann', sampleRate: 44_100, channels: 1 });
    expect(request.output.loudness).toBeUndefined();
    expect(joinOf(input)).toEqual({ trim: true, crossfadeMs: input.output.crossfadeMs, leadInMs: 750, tailMs: 2_500 });
  });
});

describe('the result', () => {
  const stitched: StitchResult = {
    path: '/out/doc.wav',
    uri: 'file:///out/doc.wav',
    bytes: 1_000,
    sha256: 'c'.repeat(64),
    sampleRate: 24_000,
    channels: 1,
    frames: 72_000,
    durationSec: 3,
    artifacts: [],
    chapters: [{ title: 'Chapter One', startMs: 0, durationMs: 3_000 }],
  };
  const timings = { synthesisMs: 10, stitchMs: 5, totalMs: 20 };

  it('reports what the run cost, and a book’s parts with their longest history', () => {
    const input = resolveDocumentInput({ text: 'Hi.', concurrency: 1_000 });
    const part = (n: number, events: number): PartResult => ({
      list: plan.plan,
      chunks: 2,
      failedAttempts: 0,
      cachedChunks: n,
      characters: 10 * n,
      predictTimeSec: n,
      historyEvents: events,
    });
    const parts = [part(1, 300), part(2, 500)];
    const pin = {
      engine: 'replicate',
      model: 'jaaari/kokoro-82m',
      version: 'f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13',
    } as const;
    const result = documentResult({
      input,
      pin: { ...pin, voice: 'af_bella' },
      name: 'doc.wav',
      chunks: 4,
      spoken: partTotals(parts),
      parts,
      failedAttempts: 2,
      stitched,
      timings,
      historyEvents: 40,
    });
    expect(result).toMatchObject({
      name: 'doc.wav',
      chunks: 4,
      cachedChunks: 3,
      characters: 30,
      predictTimeSec: 3,
      failedAttempts: 2,
      concurrency: 100,
      notices: ['concurrency 1000 capped to 100'],
      format: 'wav',
      chapters: stitched.chapters,
      parts: 2,
      historyEvents: { document: 40, largestPart: 500 },
      pin: { ...pin, voice: 'af_bella' },
      spokenBy: 'replicate jaaari/kokoro-82m@f559560eb822 af_bella',
    });
    expect(result.loudness).toBeUndefined();
  });

  it('names the document in the search attributes as lists show it', () => {
    const input = resolveDocumentInput({ text: 'Hi.', engine: 'espeak', output: { format: 'mp3' } });
    expect(documentSearchAttributes(input, plan, 'doc.mp3').map(({ key, value }) => [key.name, value])).toEqual([
      ['DocumentTitle', 'Chapter One'],
      ['DocumentCharacters', 60],
      ['DocumentChunks', 3],
      ['DocumentEngine', 'espeak'],
      ['DocumentFormat', 'mp3'],
    ]);
  });
});

describe('DocumentProgressTracker', () => {
  const join = { trim: true, crossfadeMs: 0 };

  it('hears the contiguous prefix of finished chunks, with the pause after each', () => {
    const tracker = new DocumentProgressTracker(0, { join });
    tracker.planned(plan, [900, 300, 0], 2, 0);
    tracker.chunkStarted();
    tracker.chunkStarted();
    tracker.chunkFinished(1, ref(1), 20, 1_000);
    expect(tracker.livePrefix(0)).toMatchObject({ total: 3, ready: 0, pieces: [] });
    tracker.chunkFinished(0, ref(0, { attempt: 3 }), 20, 2_000);
    tracker.chunkEnded();
    expect(tracker.livePrefix(0)).toMatchObject({
      ready: 2,
      pieces: [
        { index: 0, pauseAfterMs: 900 },
        { index: 1, pauseAfterMs: 300 },
      ],
      join,
    });
    expect(tracker.livePrefix(1).pieces.map((piece) => piece.index)).toEqual([1]);
    expect(tracker.snapshot(5_000)).toMatchObject({
      phase: 'synthesizing',
      total: 3,
      done: 2,
      inFlight: 1,
      failedAttempts: 2,
      elapsedMs: 5_000,
    });
    expect(tracker.snapshot(5_000).etaMs).toBeGreaterThan(0);
  });

  it('counts a book by its parts’ reports, ignoring a report that comes after its part ended', () => {
    const book = {
      ...plan,
      chunks: 4,
      parts: [
        { from: 0, to: 2, characters: 30 },
        { from: 2, to: 4, characters: 30 },
      ],
    };
    const tracker = new DocumentProgressTracker(0, { join });
    tracker.planned(book, [0, 0, 0, 0], 5, 0);
    tracker.partStarted(1);
    tracker.partReported({ part: 1, done: 1, inFlight: 1, failedAttempts: 1, characters: 15 }, 1_000);
    tracker.partFinished(1, { chunks: 2, failedAttempts: 1 }, 30, 2_000);
    tracker.partStarted(2);
    tracker.partReported({ part: 1, done: 2, inFlight: 0, failedAttempts: 5, characters: 30 }, 2_500); // late: ignored
    tracker.partReported({ part: 2, done: 1, inFlight: 1, failedAttempts: 0, characters: 15 }, 3_000);
    expect(tracker.snapshot(3_000)).toMatchObject({ total: 4, done: 3, inFlight: 1, failedAttempts: 1 });
    expect(tracker.livePrefix(0)).toMatchObject({ parts: 2, ready: 0, pieces: [] });
  });
});
