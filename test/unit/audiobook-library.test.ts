// The audiobook library's layout (src/formats/audiobook-library.ts), its folders on disk
// (src/stitch/library-folder.ts), the tags beside it, the covers, and what an EPUB says of itself.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDocument } from '../../src/books/index.ts';
import { nameNarrator } from '../../src/client/book-details.ts';
import { voiceLanguage } from '../../src/engines/voices/index.ts';
import { folderName, libraryFolders, libraryMetadata } from '../../src/formats/audiobook-library.ts';
import { DRAWN_COVER_SIZE, wrapWords, writeCoverJpeg, writeDrawnCover } from '../../src/formats/cover-image.ts';
import { ffmetadata } from '../../src/formats/ffmetadata.ts';
import { claimLibraryFolder, LIBRARY_CLAIM, settleLibraryFolder } from '../../src/stitch/library-folder.ts';
import { BOOK_DETAILS, COVER_SIZE, coverPng, lighthouseWithCover } from '../helpers/book-with-cover.ts';
import { ffprobe } from '../helpers/ffmpeg-tools.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'library-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the folders Audiobookshelf scans', () => {
  it('are Author/Title, Author/Series/Vol N - Title, or Title alone', () => {
    expect(libraryFolders({ title: 'Dune', author: 'Frank Herbert' })).toEqual(['Frank Herbert', 'Dune']);
    expect(libraryFolders({ title: 'Dune', author: 'Frank Herbert', series: 'Dune', seriesPart: '1' })).toEqual([
      'Frank Herbert',
      'Dune',
      'Vol 1 - Dune',
    ]);
    expect(libraryFolders({ title: 'Dune', author: 'Frank Herbert', series: 'Dune' })).toEqual(['Frank Herbert', 'Dune', 'Dune']);
    // Without an author, a series folder would be read as the author: the title alone.
    expect(libraryFolders({ title: 'Dune', series: 'Dune', seriesPart: '1' })).toEqual(['Dune']);
    expect(libraryFolders({ title: '  ', author: ' ' })).toEqual(['Untitled']);
  });

  it('are names every file system takes, that parse back to themselves', () => {
    expect(folderName('AC/DC: Live? "Yes" <No> | *', 'x')).toBe('AC DC Live Yes No');
    expect(folderName('..', 'Untitled')).toBe('Untitled');
    expect(folderName('.hidden', 'x')).toBe('hidden');
    expect(folderName('Ends with dots...', 'x')).toBe('Ends with dots');
    expect(folderName('Line\nbreak\ttab', 'x')).toBe('Line break tab');
    // A trailing {…} would be read as the narrator.
    expect(folderName('Title {Narrator}', 'x')).toBe('Title (Narrator)');
    const long = folderName('é'.repeat(300), 'x');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(180);
    expect(long).toBe('é'.repeat(90)); // cut between characters, not inside one
  });
});

describe('metadata.json', () => {
  it('holds the keys Audiobookshelf reads, and chapters in seconds', () => {
    const json = JSON.parse(
      libraryMetadata({ ...BOOK_DETAILS, narrator: 'af_heart (kokoro)', language: 'en' }, [
        { title: 'One', startMs: 0, durationMs: 2_500 },
        { title: '', startMs: 2_500, durationMs: 1_000 },
      ]),
    );
    expect(json).toEqual({
      title: BOOK_DETAILS.title,
      authors: [BOOK_DETAILS.author],
      narrators: ['af_heart (kokoro)'],
      series: ['Harbour Lights #2'],
      genres: ['Audiobook'],
      description: BOOK_DETAILS.description,
      language: 'en',
      explicit: false,
      abridged: false,
      chapters: [
        { id: 0, start: 0, end: 2.5, title: 'One' },
        { id: 1, start: 2.5, end: 3.5, title: 'Chapter 2' },
      ],
    });
  });

  it('leaves out what is not known', () => {
    const json = JSON.parse(libraryMetadata({ title: 'Notes' }, []));
    expect(json).toMatchObject({ title: 'Notes', authors: [], narrators: [], series: [], chapters: [] });
    expect(json).not.toHaveProperty('description');
    expect(json).not.toHaveProperty('language');
  });
});

describe('tags', () => {
  it('name the narrator as composer and the series as grouping, as Audiobookshelf reads them', () => {
    const text = ffmetadata(
      { title: 'T', author: 'A', narrator: 'en-us (espeak)', description: 'x=y; z', language: 'en', series: 'S', seriesPart: '3' },
      [],
      24_000,
    );
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        'composer=en-us (espeak)',
        'description=x\\=y\\; z',
        'comment=x\\=y\\; z',
        'language=en',
        'grouping=S \\#3', // escaped: ffmpeg reads "S #3"
        'series=S',
        'series-part=3',
      ]),
    );
  });
});

describe('library folders on disk', () => {
  const book = { title: 'The Lighthouse Keeper', author: 'Mara Quill' };

  it("are claimed by a document, re-used by it, and never another book's", async () => {
    const root = join(dir, 'claims');
    const first = await claimLibraryFolder(root, book, 'doc-1');
    expect(first.path).toBe(join(root, 'Mara Quill', 'The Lighthouse Keeper'));
    await writeFile(join(first.path, 'The Lighthouse Keeper.mp3'), 'old');
    await settleLibraryFolder(first, 'doc-1', [join(first.path, 'The Lighthouse Keeper.mp3')]);

    // The same document again: its folder, and what it wrote last time is cleared once the new files are in.
    const again = await claimLibraryFolder(root, book, 'doc-1');
    expect(again).toEqual({ path: first.path, previous: ['The Lighthouse Keeper.mp3'] });
    await writeFile(join(again.path, 'The Lighthouse Keeper.m4b'), 'new');
    await settleLibraryFolder(again, 'doc-1', [join(again.path, 'The Lighthouse Keeper.m4b')]);
    expect((await readdir(again.path)).sort()).toEqual([LIBRARY_CLAIM, 'The Lighthouse Keeper.m4b']);

    // Another document of the same book (another voice): a folder of its own.
    expect((await claimLibraryFolder(root, book, 'doc-2')).path).toBe(`${first.path} (2)`);
    // A folder someone filled by hand is left alone.
    await mkdir(join(root, 'Mara Quill', 'Hand Made'), { recursive: true });
    await writeFile(join(root, 'Mara Quill', 'Hand Made', 'track.mp3'), 'theirs');
    expect((await claimLibraryFolder(root, { ...book, title: 'Hand Made' }, 'doc-3')).path).toBe(join(root, 'Mara Quill', 'Hand Made (2)'));
    expect(await readFile(join(root, 'Mara Quill', 'Hand Made', 'track.mp3'), 'utf8')).toBe('theirs');
  });
});

describe('covers', () => {
  it('are drawn, square, when a book has none', async () => {
    const path = join(dir, 'drawn.jpg');
    await writeDrawnCover({ title: 'A Title Long Enough To Wrap Onto Several Lines: 100% {odd}', author: "O'Brien, Ann" }, path);
    const probe = (await ffprobe(path)) as unknown as { streams: Array<{ codec_name: string; width: number; height: number }> };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: DRAWN_COVER_SIZE, height: DRAWN_COVER_SIZE });
  });

  it("keep a book's own image, as a JPEG, and refuse what is not an image", async () => {
    const path = join(dir, 'given.jpg');
    expect(await writeCoverJpeg(coverPng(), path)).toBe(true);
    const probe = (await ffprobe(path)) as unknown as { streams: Array<{ codec_name: string; width: number; height: number }> };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', ...COVER_SIZE });
    const fake = await readFile(new URL('../fixtures/books/image.png', import.meta.url)); // a PNG signature, then noise
    expect(await writeCoverJpeg(fake, join(dir, 'fake.jpg'))).toBe(false);
  });

  it('wrap titles at words, cutting only a word too long for a line', () => {
    expect(wrapWords('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrapWords('abcdefghijk xy', 5)).toEqual(['abcde', 'fghij', 'k xy']);
  });
});

describe('what a book says of itself', () => {
  it("is read from an EPUB's package: cover, blurb, language, series", async () => {
    const book = await readDocument(await lighthouseWithCover(), 'lighthouse.epub');
    expect(book).toMatchObject({
      title: BOOK_DETAILS.title,
      author: BOOK_DETAILS.author,
      description: BOOK_DETAILS.description, // HTML in dc:description, as text
      language: 'en',
      series: BOOK_DETAILS.series,
      seriesPart: '2',
      cover: { mediaType: 'image/png' },
    });
    expect(Buffer.from(book.cover!.bytes).equals(coverPng())).toBe(true);
  });

  it('names the narrator after the voice, and the language after it when the book did not', () => {
    expect(voiceLanguage('kokoro', 'bm_george')).toBe('en-gb');
    expect(voiceLanguage('kokoro', 'af_bella(2)+bf_emma(1)')).toBe('en-us');
    expect(voiceLanguage('espeak', 'fr')).toBe('fr');
    expect(voiceLanguage('simulated', 'tone')).toBeUndefined();
    const input = { text: 'x', engine: 'espeak' as const, voice: 'en-gb' };
    nameNarrator(input);
    expect(input).toMatchObject({ output: { narrator: 'en-gb (espeak)', language: 'en-gb' } });
    const told = { text: 'x', engine: 'espeak' as const, voice: 'de', output: { narrator: 'Ann', language: 'en' } };
    nameNarrator(told);
    expect(told.output).toEqual({ narrator: 'Ann', language: 'en' });
  });
});
