// An audiobook library the way Audiobookshelf scans one: `npm start -- book.epub --library DIR`
// writes DIR/<Author>/<Series>/Vol N - <Title>/ with the M4B (tags, chapters, cover), cover.jpg and
// metadata.json, and speaking it again writes into the same folder; the HTTP API with a library
// (AUDIO_LIBRARY_DIR) puts its documents there and serves their audio from there.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import { type ApiTestEnvironment, startApiTestEnvironment } from '../helpers/api-server.ts';
import { sleep } from '../helpers/async.ts';
import { BOOK_DETAILS, COVER_SIZE, lighthouseWithCover } from '../helpers/book-with-cover.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { ffprobe } from '../helpers/ffmpeg-tools.ts';
import { runToEnd } from '../helpers/processes.ts';

interface Stream {
  codec_name: string;
  width?: number;
  height?: number;
  disposition?: { attached_pic: number };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'library-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm start --library', () => {
  it("writes the book's folder as Audiobookshelf documents it, and the same folder again on a new run of it", async () => {
    const book = join(dir, 'lighthouse.epub');
    await writeFile(book, await lighthouseWithCover());
    const library = join(dir, 'lib');
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DURABLE_TTS_CACHE: join(dir, 'cache'),
      TMPDIR: join(dir, 'tmp'),
      AUDIO_BLOB_DIR: join(dir, 'blobs'),
      AUDIO_OUTPUT_DIR: join(dir, 'out'),
      TSX_DISABLE_CACHE: '1',
    };
    delete env.TEMPORAL_ADDRESS;
    const args = ['start', '--', book, '--engine', 'espeak', '--library', library];
    const first = await runToEnd('npm', args, env);
    expect(first.code, first.stderr).toBe(0);

    const folder = join(library, BOOK_DETAILS.author, BOOK_DETAILS.series, `Vol ${BOOK_DETAILS.seriesPart} - ${BOOK_DETAILS.title}`);
    const audio = join(folder, `${BOOK_DETAILS.title}.m4b`);
    expect(first.stdout).toContain(`Audio:    ${audio}`);
    const files = (await readdir(folder)).sort();
    expect(files).toEqual(
      [
        '.durable-tts.json',
        `${BOOK_DETAILS.title}.m4b`,
        `${BOOK_DETAILS.title}.srt`,
        `${BOOK_DETAILS.title}.timings.json`,
        `${BOOK_DETAILS.title}.vtt`,
        'cover.jpg',
        'metadata.json',
      ].sort(),
    );

    const metadata = JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({
      title: BOOK_DETAILS.title,
      authors: [BOOK_DETAILS.author],
      narrators: ['en-us (espeak)'],
      series: [`${BOOK_DETAILS.series} #${BOOK_DETAILS.seriesPart}`],
      description: BOOK_DETAILS.description,
      language: 'en',
    });
    expect(metadata.chapters.map((c: { title: string }) => c.title)).toEqual([
      BOOK_DETAILS.title,
      'The Storm',
      'The Lamp',
      'The Ship',
      'The Morning',
    ]);

    // The book's own cover, as a JPEG, both beside the audio and inside it.
    const cover = (await ffprobe(join(folder, 'cover.jpg'))).streams as unknown as Stream[];
    expect(cover[0]).toMatchObject({ codec_name: 'mjpeg', ...COVER_SIZE });
    const probe = await ffprobe(audio);
    expect(probe.format.tags).toMatchObject({
      title: BOOK_DETAILS.title,
      album: BOOK_DETAILS.title,
      artist: BOOK_DETAILS.author,
      album_artist: BOOK_DETAILS.author,
      composer: 'en-us (espeak)',
      grouping: `${BOOK_DETAILS.series} #${BOOK_DETAILS.seriesPart}`,
      description: BOOK_DETAILS.description,
      genre: 'Audiobook',
    });
    const picture = (probe.streams as unknown as Stream[]).find((stream) => stream.disposition?.attached_pic === 1);
    expect(picture).toMatchObject({ codec_name: 'mjpeg', ...COVER_SIZE });
    expect(probe.chapters).toHaveLength(5);

    // A new run of the same document: its own folder again, written anew (no "Title (2)").
    const again = await runToEnd('npm', [...args, '--new'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(await readdir(join(library, BOOK_DETAILS.author, BOOK_DETAILS.series))).toEqual([`Vol 2 - ${BOOK_DETAILS.title}`]);
    expect((await readdir(folder)).sort()).toEqual(files);
  }, 300_000);
});

describe('the HTTP API with AUDIO_LIBRARY_DIR', () => {
  let environment: ApiTestEnvironment;
  let library: string;

  beforeAll(async () => {
    library = join(dir, 'api-library');
    environment = await startApiTestEnvironment('library', { libraryDir: library });
  });
  afterAll(async () => {
    await environment?.stop();
  });

  const post = async (base: string, body: unknown) => {
    const response = await fetch(`${base}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const finished = async (base: string, id: string): Promise<AudioDocumentResult> => {
    for (;;) {
      const detail = (await (await fetch(`${base}/v1/documents/${id}`)).json()) as Record<string, any>;
      if (detail.status === 'completed') return detail.result;
      if (detail.status !== 'running') throw new Error(`document ${id} ended ${detail.status}: ${JSON.stringify(detail.error)}`);
      await sleep(100);
    }
  };

  it('puts documents into the library as M4B, with a drawn cover, and serves their audio from there', async () => {
    const { base } = await environment.listen({ libraryDir: library });
    const text = `# Notes on Tides\n\n${numberedParagraphs(3)}`;
    const started = await post(base, { text, engine: 'simulated', output: { author: 'Ann Example' } });
    expect(started.status).toBe(202);
    const result = await finished(base, started.body.id);
    const folder = join(library, 'Ann Example', 'Notes on Tides');
    expect(result.artifacts![0]!.name).toBe('Ann Example/Notes on Tides/Notes on Tides.m4b');
    expect(result.artifacts!.map((artifact) => artifact.kind)).toEqual(
      expect.arrayContaining(['audio', 'captions', 'timings', 'cover', 'metadata']),
    );
    // Every file from the library by its URL, the cover too.
    for (const artifact of result.artifacts as unknown as Array<{ url: string; bytes: number; name: string }>) {
      const file = await fetch(`${base}${artifact.url}`);
      expect([file.status, (await file.arrayBuffer()).byteLength], artifact.name).toEqual([200, artifact.bytes]);
    }
    expect(JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8'))).toMatchObject({
      title: 'Notes on Tides',
      authors: ['Ann Example'],
    });
    const cover = (await ffprobe(join(folder, 'cover.jpg'))).streams as unknown as Stream[];
    expect(cover[0]).toMatchObject({ codec_name: 'mjpeg', width: 1400, height: 1400 });

    const audio = await fetch(`${base}/v1/documents/${started.body.id}/audio`);
    expect(audio.status).toBe(200);
    expect(Buffer.from(await audio.arrayBuffer()).length).toBe(result.bytes);

    // `library: false` keeps a document out of it.
    const outside = await post(base, { text: 'Not a book.', engine: 'simulated', output: { library: false } });
    const kept = await finished(base, outside.body.id);
    expect(existsSync(join(environment.options.outputDir, kept.artifacts![0]!.name))).toBe(true);
    expect(existsSync(join(library, kept.artifacts![0]!.name))).toBe(false);
  }, 120_000);

  it('files an uploaded EPUB under its own title, author, series and cover', async () => {
    const { base } = await environment.listen({ libraryDir: library });
    const form = new FormData();
    form.append('engine', 'simulated');
    form.append('file', new Blob([await lighthouseWithCover()], { type: 'application/epub+zip' }), 'upload.epub');
    const response = await fetch(`${base}/v1/documents`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    const started = (await response.json()) as { id: string; title: string };
    expect(started.title).toBe(BOOK_DETAILS.title);
    const result = await finished(base, started.id);
    const audio = result.artifacts![0]!;
    expect(audio.name).toBe(`${BOOK_DETAILS.author}/${BOOK_DETAILS.series}/Vol 2 - ${BOOK_DETAILS.title}/${BOOK_DETAILS.title}.m4b`);
    const probe = await ffprobe(join(library, audio.name));
    expect(probe.format.tags).toMatchObject({
      title: BOOK_DETAILS.title,
      artist: BOOK_DETAILS.author,
      grouping: `${BOOK_DETAILS.series} #2`,
    });
    const picture = (probe.streams as unknown as Stream[]).find((stream) => stream.disposition?.attached_pic === 1);
    expect(picture).toMatchObject({ codec_name: 'mjpeg', ...COVER_SIZE }); // the book's cover, not a drawn one
  }, 120_000);

  it('refuses a document for the library on a server that has none', async () => {
    const { base } = await environment.listen();
    const refused = await post(base, { text: 'A book.', engine: 'simulated', output: { library: true } });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/AUDIO_LIBRARY_DIR/u);
  });
});
