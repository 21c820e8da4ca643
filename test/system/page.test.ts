// The page at / in headless Chromium, against a real dev server, worker and API: a pasted text
// renders with a moving progress bar, is heard before it is done, is listed, and can be downloaded;
// the form works from the keyboard alone. Screenshots go to test-artifacts/.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TtsEngine } from '../../src/engines/engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { chromiumPath } from '../../testkit/ensure-chromium.ts';
import { type ApiTestEnvironment, startApiTestEnvironment } from '../helpers/api-server.ts';
import { numberedParagraphs } from '../helpers/documents.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
/** Per chunk: a title and 24 one-chunk paragraphs, two at a time, render in about 20 s. */
const CHUNK_LATENCY_MS = 1_500;
/** For conditions that take seconds on a quiet machine: room for a busy CI one. */
const PATIENCE = { timeout: 60_000, interval: 100 };
/** Screenshots are of the whole page: the height only has to fit the form. */
const VIEWPORT = { width: 900, height: 800 };

let environment: ApiTestEnvironment;
let base: string;
let browser: Browser;

/** The page has no latency field: this worker's simulated engine is slow unless a document says otherwise. */
function slowSimulatedEngine(latencyMs: number): TtsEngine {
  const engine = new SimulatedEngine();
  return {
    name: engine.name,
    pin: (voice) => engine.pin(voice),
    cannotServe: (pin) => engine.cannotServe(pin),
    synthesize: (request) =>
      engine.synthesize({ ...request, options: { ...request.options, latencyMs: request.options.latencyMs ?? latencyMs } }),
  };
}

beforeAll(async () => {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(
      `no Chromium at ${executablePath}: run \`node --import tsx testkit/ensure-chromium.ts\` (npm run test:system does) or set CHROMIUM_PATH`,
    );
  environment = await startApiTestEnvironment('page', { engines: { simulated: slowSimulatedEngine(CHUNK_LATENCY_MS) } });
  ({ base } = await environment.listen());
  // A link opened from a terminal (#listen=<id>) has no click to allow sound: this browser allows it,
  // as a person's does once they press play.
  browser = await chromium.launch({ executablePath, headless: true, args: ['--autoplay-policy=no-user-gesture-required'] });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await environment?.stop();
});

/** Submits the form with `submit`, and returns the id of the document the API started. */
async function submitted(page: Page, submit: () => Promise<void>): Promise<string> {
  const response = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/documents');
  await submit();
  expect((await response).status()).toBe(202);
  return ((await (await response).json()) as { id: string }).id;
}

async function statusOf(id: string): Promise<string> {
  return ((await (await fetch(`${base}/v1/documents/${id}`)).json()) as { status: string }).status;
}

const barValue = (page: Page) => page.locator('#bar').evaluate((bar: { value: number }) => bar.value);

describe('the page', () => {
  it('renders a pasted text: the bar moves, the audio plays while it renders, the list shows it, then it can be downloaded', {
    timeout: 180_000,
  }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(base);
    const title = 'The Keeper of the Lighthouse';
    await page.locator('#text').fill(`${title}\n\n${numberedParagraphs(24, 'lighthouse story')}`);
    await page.locator('#engine').selectOption('simulated');
    await page.locator('#mode').selectOption('parallel');
    await page.locator('#concurrency').fill('2');
    const id = await submitted(page, () => page.getByRole('button', { name: 'Speak' }).click());

    // The bar moves: two different values after the start, both before the end.
    await expect.poll(() => barValue(page), PATIENCE).toBeGreaterThan(0);
    const first = await barValue(page);
    await expect.poll(() => barValue(page), PATIENCE).toBeGreaterThan(first);
    expect(await barValue(page)).toBeLessThan(await page.locator('#bar').evaluate((bar: { max: number }) => bar.max));

    // Heard before it is done: the live stream has played more than a second, and the document still runs.
    await expect
      .poll(() => page.locator('#player').evaluate((audio: { currentTime: number }) => audio.currentTime), PATIENCE)
      .toBeGreaterThan(1);
    expect(await statusOf(id)).toBe('running');
    // The list reads Temporal's visibility, which shows a new document a moment after it starts.
    await expect.poll(() => page.locator('#documents tr').filter({ hasText: title }).first().isVisible(), PATIENCE).toBe(true);
    await page.locator('#text').evaluate((textarea: { scrollTop: number }) => void (textarea.scrollTop = 0)); // show the title
    await page.screenshot({ path: join(ARTIFACTS, 'page.png'), fullPage: true });
    await page.setViewportSize({ ...VIEWPORT, width: 400 });
    await page.screenshot({ path: join(ARTIFACTS, 'page-400.png'), fullPage: true });
    await page.setViewportSize(VIEWPORT);

    // Done: the download link appears and serves the WAV as an attachment.
    const download = page.locator('#download');
    await expect.poll(() => download.isVisible(), { ...PATIENCE, timeout: 120_000 }).toBe(true);
    expect(await statusOf(id)).toBe('completed');
    const href = await download.getAttribute('href');
    expect(href).toBe(`/v1/documents/${encodeURIComponent(id)}/audio?download=1`);
    const audio = await page.request.get(new URL(href!, base).href);
    expect(audio.status()).toBe(200);
    expect(audio.headers()['content-type']).toBe('audio/wav');
    expect(audio.headers()['content-disposition']).toMatch(/^attachment;/u);
    await page.close();
  });

  it('starts an MP3 from a Markdown file and an M4B, each followed by its title and state, with its length and every file to download', {
    timeout: 180_000,
  }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(base);
    expect((await page.request.get(`${base}/favicon.ico`)).status()).toBe(200);
    expect(await page.locator('#file').getAttribute('accept')).toMatch(/\.md,.*\.html,.*\.epub/u);

    const markdown = `# Notes from *the* field\n\n${numberedParagraphs(3, 'field')}\n\n# Second day\n\n${numberedParagraphs(3, 'second')}`;
    await page.locator('#file').setInputFiles({ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from(markdown) });
    await page.locator('#engine').selectOption('simulated');
    await page.locator('#format').selectOption('mp3');
    await page.locator('#concurrency').fill('1000000');
    const id = await submitted(page, () => page.getByRole('button', { name: 'Speak' }).click());
    const title = 'Notes from the field';
    await expect.poll(() => page.locator('#current-title').textContent(), PATIENCE).toMatch(/^(Rendering|Done): Notes from the field$/u);
    expect(await page.locator('#notices').textContent()).toBe('concurrency 1000000 capped to 100');
    const row = page.locator(`#documents tr[data-id="${id}"]`);
    await expect.poll(() => row.locator('td').first().textContent(), PATIENCE).toBe(title);

    await expect.poll(() => page.locator('#current-title').textContent(), { ...PATIENCE, timeout: 120_000 }).toBe(`Done: ${title}`);
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    expect(await page.locator('#length').textContent()).toMatch(/^Length: \d+:\d\d$/u);
    // The player now holds the finished file: its length is known.
    await expect.poll(() => page.locator('#player').evaluate((audio: { duration: number }) => audio.duration), PATIENCE).toBeGreaterThan(1);
    expect(await page.locator('#player').evaluate((audio: { duration: number }) => Number.isFinite(audio.duration))).toBe(true);
    const links = await page.locator('#file-list a').evaluateAll((anchors) => anchors.map((a) => (a as { href: string }).href));
    expect(await page.locator('#file-list a').allTextContents()).toEqual([
      `${title}.mp3`,
      `${title}.vtt`,
      `${title}.srt`,
      `${title}.timings.json`,
    ]);
    for (const link of links) {
      const file = await page.request.get(link);
      expect(file.status(), link).toBe(200);
      expect(decodeURIComponent(file.headers()['content-disposition']!)).toMatch(
        /^attachment; .*filename\*=UTF-8''Notes from the field\./u,
      );
    }
    expect((await page.request.get(links[0]!)).headers()['content-type']).toBe('audio/mpeg');
    await page.screenshot({ path: join(ARTIFACTS, 'page-done.png'), fullPage: true });

    await page.locator('#file').setInputFiles([]);
    await page.locator('#text').fill(`An audiobook\n\n${numberedParagraphs(2, 'audiobook')}`);
    await page.locator('#format').selectOption('m4b');
    await page.locator('#concurrency').fill('');
    await submitted(page, () => page.getByRole('button', { name: 'Speak' }).click());
    await expect.poll(() => page.locator('#current-title').textContent(), { ...PATIENCE, timeout: 120_000 }).toBe('Done: An audiobook');
    const book = await page.request.get((await page.locator('#download').getAttribute('href'))!.replace(/^\//u, `${base}/`));
    expect([book.status(), book.headers()['content-type']]).toEqual([200, 'audio/mp4']);

    // Cancelled from the page: the heading and the buttons follow.
    await page.locator('#text').fill(`A long one\n\n${numberedParagraphs(40, 'long')}`);
    await page.locator('#format').selectOption('');
    await page.locator('#mode').selectOption('sequential');
    await submitted(page, () => page.getByRole('button', { name: 'Speak' }).click());
    await expect.poll(() => page.locator('#cancel').isVisible(), PATIENCE).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('#current-title').textContent(), PATIENCE).toBe('Cancelled: A long one');
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    expect(await page.locator('#download').isVisible()).toBe(false);
    await page.close();
  });

  it('opens one document by its link (#listen=<id>, as npm start prints it): its title in the heading, its audio playing', {
    timeout: 120_000,
  }, async () => {
    const response = await fetch(`${base}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `Heard by its link\n\n${numberedParagraphs(8, 'link')}`, engine: 'simulated' }),
    });
    const { id } = (await response.json()) as { id: string };
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${base}/#listen=${encodeURIComponent(id)}`);
    await expect.poll(() => page.locator('#current-title').textContent(), PATIENCE).toMatch(/^(Rendering|Done): Heard by its link$/u);
    await expect
      .poll(() => page.locator('#player').evaluate((audio: { currentTime: number }) => audio.currentTime), PATIENCE)
      .toBeGreaterThan(0.5);
    await page.close();
  });

  it("offers the chosen engine's voices, plays a sample of the voice typed, and names a voice the engine lacks", {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(base);
    const suggested = () => page.locator('#voice-list option').evaluateAll((options) => options.map((o) => (o as { value: string }).value));
    await page.locator('#engine').selectOption('kokoro');
    await expect.poll(suggested, PATIENCE).toContain('af_heart');
    expect(await page.locator('#voice').getAttribute('list')).toBe('voice-list');
    expect(await page.locator('#dialogueVoice').getAttribute('list')).toBe('voice-list');
    await page.locator('#engine').selectOption('simulated'); // takes any name: nothing to suggest
    await expect.poll(suggested, PATIENCE).toEqual([]);

    await page.locator('#voice').fill('narrator');
    const sample = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/voices/narrator/preview');
    await page.getByRole('button', { name: 'Play a sample of the voice', exact: true }).click();
    expect((await sample).status()).toBe(200);
    expect((await sample).headers()['content-type']).toBe('audio/mpeg');
    await expect
      .poll(() => page.locator('#sample').evaluate((audio: { currentTime: number }) => audio.currentTime), PATIENCE)
      .toBeGreaterThan(0);

    await page.locator('#engine').selectOption('kokoro');
    await page.locator('#dialogueVoice').fill('af_nobody');
    await page.getByRole('button', { name: 'Play a sample of the dialogue voice' }).click();
    await expect
      .poll(() => page.locator('#error').textContent(), PATIENCE)
      .toContain('"af_nobody" is not one of the kokoro engine\'s voices');
    await page.close();
  });

  it('works from the keyboard: Tab reaches the text, the selects and the button in order, and Enter submits', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(base);
    // The focused control of the form, by id ("submit" for the button); undefined outside the form (the header's link).
    type Focusable = { id: string; type?: string; closest(selector: string): unknown };
    const focused = () =>
      page.locator(':focus').evaluate((element: Focusable) => (element.closest('#speak') ? element.id || element.type : undefined));
    const order: string[] = [];
    for (let presses = 0; presses < 20 && order.at(-1) !== 'submit'; presses++) {
      await page.keyboard.press('Tab');
      const at = await focused();
      if (at === undefined) continue;
      order.push(at);
      if (at === 'text') await page.keyboard.type('Typed at the keyboard\n\nA short text, spoken from a form filled without a mouse.');
      if (at === 'engine') await page.keyboard.press('s'); // type-ahead: "simulated"
    }
    expect(order).toEqual([
      'text',
      'file',
      'engine',
      'voice',
      'voice-play',
      'dialogueVoice',
      'dialogueVoice-play',
      'speed',
      'mode',
      'concurrency',
      'format',
      'split',
      'preset',
      'verify',
      'lexicon',
      'submit',
    ]);
    expect(await page.locator('#engine').inputValue()).toBe('simulated');

    const id = await submitted(page, () => page.keyboard.press('Enter'));
    await expect.poll(() => page.locator('#download').isVisible(), PATIENCE).toBe(true);
    expect(await statusOf(id)).toBe('completed');
    await page.close();
  });
});
