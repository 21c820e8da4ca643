// A read-along book played in a reader: foliate-js (the engine of Foliate 3's "read aloud" of media
// overlays; pinned as a devDependency) in headless Chromium, served with the book from 127.0.0.1.
// The book is made as a user makes it (`npm start -- <text> --engine espeak --format epub`); the
// assertions come from the reader's own highlight events and the document it renders: every sentence
// highlighted in the overlays' order, the audio clock running through each chapter's clips, and the
// book's active class on the sentence being read. Then a word-level variant of the same book (each
// word a <par>, from eSpeak's word timings), to see whether it passes EPUBCheck and how foliate-js
// highlights it. Runs in real time: about 16 s of audio per book.

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../testkit/ensure-chromium.ts';
import { epubcheck } from '../../testkit/epubcheck.ts';
import { runToEnd } from '../helpers/processes.ts';
import { type StaticServer, serveStatic } from '../helpers/static-server.ts';
import { type ChapterTimings, wordLevelBook } from '../helpers/word-level-book.ts';

const FOLIATE = dirname(createRequire(import.meta.url).resolve('foliate-js/view.js'));
const PLAYER = fileURLToPath(new URL('../helpers/foliate-player', import.meta.url));
const TEXT = `Chapter 1

The lamp was lit at dusk. A grey cat slept by the fire. Rain fell on the roof all night long.

Chapter 2

Morning came slowly over the hills. The cat woke up and stretched. Then the house was quiet again.
`;
/** Room for a busy machine: the books play in real time, about 8 s a chapter. */
const PLAYBACK = { timeout: 90_000, interval: 250 };

let dir: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath}: run \`node --import tsx testkit/ensure-chromium.ts\` or set CHROMIUM_PATH`);
  dir = await mkdtemp(join(tmpdir(), 'durable-tts-read-along-reader-'));
  await writeFile(join(dir, 'two.txt'), TEXT);
  const env: NodeJS.ProcessEnv = { ...process.env, AUDIO_BLOB_DIR: join(dir, 'blobs'), DURABLE_TTS_CACHE: join(dir, 'cache') };
  delete env.TEMPORAL_ADDRESS;
  delete env.TTS_ENGINE;
  const run = await runToEnd(
    'npm',
    ['start', '--', join(dir, 'two.txt'), '--engine', 'espeak', '--format', 'epub', '--out', join(dir, 'two.epub')],
    env,
  );
  expect(run.code, run.stdout + run.stderr).toBe(0);
  // The chapters' timings are in the folder beside the book, one file per chapter in order.
  const timings = (await readdir(join(dir, 'two'))).filter((name) => name.endsWith('.timings.json')).sort();
  const chapters = await Promise.all(
    timings.map(async (name) => JSON.parse(await readFile(join(dir, 'two', name), 'utf8')) as ChapterTimings),
  );
  await writeFile(join(dir, 'two-words.epub'), wordLevelBook(await readFile(join(dir, 'two.epub')), chapters));
  server = await serveStatic({ '/foliate/': FOLIATE, '/player/': PLAYER, '/books/': dir });
  // The overlay starts the audio with no click.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Clip {
  /** As foliate-js names it: the text's path in the zip and its fragment, OEBPS/text/c001.xhtml#c001-s2. */
  text: string;
  begin: number;
  end: number;
}

interface OverlayEvent extends Clip {
  type: 'highlight' | 'unhighlight';
  /** The audio's currentTime when the event fired. */
  clock: number | null;
}

interface PlayerLog {
  events: OverlayEvent[];
  classChanges: Array<{ section: number; id: string; active: boolean }>;
  errors: string[];
  activeClass?: string;
  sections?: string[];
  started: boolean;
}

/** A SMIL clock value ("0:00:01.740" or "1.740s") in seconds. */
function seconds(value: string): number {
  if (value.endsWith('s')) return Number(value.slice(0, -1));
  const [h, m, s] = value.split(':').map(Number) as [number, number, number];
  return (h * 60 + m) * 60 + s;
}

/** Every clip of the book's overlays, chapter by chapter, in the order the SMIL files list them. */
async function clipsOf(book: string): Promise<Clip[][]> {
  const files = unzipSync(new Uint8Array(await readFile(join(dir, book))));
  const smils = Object.keys(files)
    .filter((name) => /^OEBPS\/smil\/c\d+\.smil$/u.test(name))
    .sort();
  return smils.map((name) =>
    [...strFromU8(files[name]!).matchAll(/<text src="\.\.\/([^"]+)"\/><audio [^>]*clipBegin="([^"]+)" clipEnd="([^"]+)"\/>/gu)].map(
      (m) => ({ text: `OEBPS/${m[1]!}`, begin: seconds(m[2]!), end: seconds(m[3]!) }),
    ),
  );
}

/** Plays `book` from its first overlay to the end of its last, and returns what the player recorded. */
async function play(book: string, last: Clip): Promise<PlayerLog> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  try {
    await page.goto(`${server.base}/player/index.html?book=/books/${book}`);
    const log = () => page.evaluate('window.readAlong') as Promise<PlayerLog>;
    // Done when the last clip is over and its class has gone again (or something failed).
    await expect
      .poll(async () => {
        const now = await log();
        if (now.errors.length > 0) return 'failed';
        const over = now.events.some((event) => event.type === 'unhighlight' && event.text === last.text);
        const cleared = now.classChanges.at(-1)?.active === false;
        return over && cleared ? 'done' : 'playing';
      }, PLAYBACK)
      .not.toBe('playing');
    return await log();
  } finally {
    await page.close();
  }
}

/** The highlighted texts, each once (foliate-js repeats a highlight when playback resumes). */
function highlighted(log: PlayerLog): OverlayEvent[] {
  return log.events.filter(
    (event, i, all) => event.type === 'highlight' && all.findLast((e, j) => j < i && e.type === 'highlight')?.text !== event.text,
  );
}

const fragment = (text: string) => text.split('#')[1]!;
const fileOf = (text: string) => text.split('#')[0]!;

/** The active class as the rendered documents saw it: each element given it, and by the end none left with it. */
function expectClassFollows(log: PlayerLog, texts: string[]) {
  const added = log.classChanges.filter((change) => change.active);
  expect(added.map((change) => change.id)).toEqual(texts.map(fragment));
  // On the element in the document of the right section.
  expect(added.map((change) => log.sections![change.section])).toEqual(texts.map(fileOf));
  const still = new Set<string>();
  for (const change of log.classChanges) change.active ? still.add(change.id) : still.delete(change.id);
  expect([...still]).toEqual([]);
}

describe('a read-along EPUB 3 in foliate-js', () => {
  it('highlights every sentence in the overlays’ order as its audio plays, with the book’s active class', {
    timeout: 120_000,
  }, async () => {
    const chapters = await clipsOf('two.epub');
    expect(chapters.map((clips) => clips.length)).toEqual([4, 4]); // a heading and three sentences each
    const log = await play('two.epub', chapters.at(-1)!.at(-1)!);
    expect(log.errors).toEqual([]);
    expect(log.activeClass).toBe('-epub-media-overlay-active');

    // The reader's highlights are the overlays' pars, in order, with the clips the SMIL gives them.
    const seen = highlighted(log);
    expect(seen.map(({ text, begin, end }) => ({ text, begin, end }))).toEqual(chapters.flat());

    // The audio played: within a chapter its clock only moves on, and it ran past the chapter's last clip.
    for (const clips of chapters) {
      const file = fileOf(clips[0]!.text);
      const events = log.events.filter((event) => fileOf(event.text) === file);
      const clocks = events.map((event) => event.clock!);
      expect(
        clocks.every((t, i) => i === 0 || t >= clocks[i - 1]!),
        clocks.join(' '),
      ).toBe(true);
      expect(events.at(-1)!.type).toBe('unhighlight');
      expect(clocks.at(-1)!).toBeGreaterThanOrEqual(clips.at(-1)!.end);
    }

    expectClassFollows(
      log,
      seen.map((event) => event.text),
    );
  });

  it('a word-level variant (a <seq> of word <par>s per sentence) passes EPUBCheck; foliate-js highlights its words in order', {
    timeout: 120_000,
  }, async () => {
    const report = epubcheck(join(dir, 'two-words.epub'));
    expect(report, report.output).toMatchObject({ fatals: 0, errors: 0, warnings: 0 });
    const chapters = await clipsOf('two-words.epub');
    const clips = chapters.flat();
    expect(clips.length).toBeGreaterThan(30); // eSpeak timed the words
    const log = await play('two-words.epub', chapters.at(-1)!.at(-1)!);
    expect(log.errors).toEqual([]);

    // Every highlight is a word of the overlay, with its clip, in the overlay's order; a word shorter
    // than the media element's timeupdate step (about 250 ms) can be passed over, so not all of them.
    const seen = highlighted(log);
    const order = clips.map((clip) => clip.text);
    const at = seen.map((event) => order.indexOf(event.text));
    expect(
      at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!)),
      at.join(' '),
    ).toBe(true);
    for (const { text, begin, end } of seen) expect({ text, begin, end }).toEqual(clips[order.indexOf(text)]);
    expect(new Set(seen.map((event) => fileOf(event.text)))).toEqual(new Set(chapters.map((c) => fileOf(c[0]!.text))));
    expectClassFollows(
      log,
      seen.map((event) => event.text),
    );
    console.info(`foliate-js highlighted ${seen.length} of ${clips.length} words`);
  });
});
