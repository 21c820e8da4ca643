// `npm start` lets its user listen while it renders: near the start it prints a URL, whose page
// plays the document, and whose live route gives real WAV audio of the first chunks while the last
// one is still held back by the speech server (so the document cannot be done). With --keep-server
// it then prints the line that points `npm run client` at its server; a client that finds nothing
// where it looks names that server, from the lock file, and how to use it.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { freePort } from '../../src/temporal/dev-server.ts';
import { type FakeOpenAiSpeech, startFakeOpenAiSpeech } from '../../testkit/fake-openai-speech.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { exitOf, processesMentioning, runClient, STACK_TRACE, waitForOutput } from '../helpers/processes.ts';

let dir: string;
let fake: FakeOpenAiSpeech;
let release: () => void;
const lastChunkHeld = new Promise<void>((resolve) => {
  release = resolve;
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'listen-'));
  // The speech server answers every chunk but the last, which waits for the test.
  fake = await startFakeOpenAiSpeech({ hold: (text) => (text.includes('the end') ? lastChunkHeld : undefined) });
});

afterAll(async () => {
  release();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads `body` until it holds at least `bytes` bytes (or ends), and leaves the stream open. */
async function readAtLeast(reader: ReadableStreamDefaultReader<Uint8Array>, bytes: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  return Buffer.concat(parts);
}

describe('npm start: listen while it renders', () => {
  it('prints a URL whose page and live audio play the document before it is done; --keep-server names its server to the client', async () => {
    const cache = join(dir, 'cache');
    const tmp = join(dir, 'tmp');
    await mkdir(tmp, { recursive: true });
    const textFile = join(dir, 'listen.txt');
    await writeFile(textFile, `${numberedParagraphs(3, 'listen')}\n\nAnd this is the end of it.`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DURABLE_TTS_CACHE: cache,
      TMPDIR: tmp,
      AUDIO_BLOB_DIR: join(dir, 'blobs'),
      OPENAI_BASE_URL: fake.url,
      TSX_DISABLE_CACHE: '1',
    };
    for (const name of ['TEMPORAL_ADDRESS', 'API_TOKEN', 'OPENAI_API_KEY', 'TTS_ENGINE']) delete env[name];
    const args = ['start', '--', textFile, '--engine', 'openai', '--out', join(dir, 'out', 'listen.wav'), '--keep-server'];
    const child = spawn('npm', args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    const exited = exitOf(child);
    try {
      const started = await waitForOutput(child, /Listen while it renders: (http:\/\/127\.0\.0\.1:\d+)\/#listen=(\S+)/u, 300_000);
      const [, origin, encodedId] = /Listen while it renders: (http:\/\/127\.0\.0\.1:\d+)\/#listen=(\S+)/u.exec(started)!;
      const id = decodeURIComponent(encodedId!);
      expect(started).toContain(`as workflow ${id}`);

      // The page the URL opens follows the document named in its fragment.
      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/u);
      expect(await page.text()).toContain("get('listen')");

      // Its live player's stream: at least a second of real audio while the last chunk is held.
      const live = await fetch(`${origin}/v1/documents/${encodeURIComponent(id)}/live`);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toBe('audio/wav');
      const reader = live.body!.getReader();
      const first = decodeWav(await readAtLeast(reader, 44 + 2 * 24_000));
      expect(first).toMatchObject({ sampleRate: 24_000, channels: 1 });
      expect(first.samples.length).toBeGreaterThanOrEqual(24_000);
      expect(Math.max(...first.samples.subarray(0, 24_000).map(Math.abs))).toBeGreaterThan(1_000);
      // Heard before the end: the document still runs, its last chunk not spoken.
      const detail = (await (await fetch(`${origin}/v1/documents/${encodeURIComponent(id)}`)).json()) as {
        status: string;
        progress: { done: number; total: number };
      };
      expect(detail.status).toBe('running');
      expect(detail.progress.done).toBeLessThan(detail.progress.total);
      // Asked, not answered (the window may not have reached it yet when the first second was heard).
      await expect
        .poll(() => fake.requests.some((request) => String(request.body.input).includes('the end')), { timeout: 60_000 })
        .toBe(true);

      // The last line --keep-server prints (stderr), and the result's lines before it (stdout: another pipe, which may arrive later).
      const kept = Promise.all([waitForOutput(child, /^Page: +\S+\n/mu, 120_000), waitForOutput(child, /^Wall time: /mu, 120_000)]);
      release();
      // The live stream ends with the last chunk.
      while (!(await reader.read()).done);
      await kept;
      const address = /^Client: export TEMPORAL_ADDRESS=(127\.0\.0\.1:\d+) /mu.exec(output)![1]!;
      expect(output).toMatch(/^Wall time: /mu);
      expect(output).toContain(`Temporal dev server at ${address},`);
      expect(output).toContain(`Page:   ${origin}/\n`);

      // A client looking elsewhere is told where the embedded server is, and how to use it.
      const elsewhere = `127.0.0.1:${await freePort()}`;
      const lost = await runClient(['list'], { ...env, TEMPORAL_ADDRESS: elsewhere });
      expect(lost.code, lost.stderr).toBe(1);
      expect(lost.stderr).toContain(`No Temporal server answers at ${elsewhere}`);
      expect(lost.stderr).toMatch(new RegExp(`runs at ${address}; to use it, run\\n {2}export TEMPORAL_ADDRESS=${address}\\n`, 'u'));
      expect(lost.stderr).not.toMatch(STACK_TRACE);
      const found = await runClient(['status', id], { ...env, TEMPORAL_ADDRESS: address });
      expect(found.code, found.stderr).toBe(0);
      expect(JSON.parse(found.stdout)).toMatchObject({ id, status: 'COMPLETED' });
    } finally {
      release();
      process.kill(-child.pid!, 'SIGINT');
    }
    expect(await exited, output).toBe(0); // the document was done: Ctrl-C only ends --keep-server
    expect(output).not.toMatch(STACK_TRACE);
    expect(processesMentioning(cache)).toEqual([]);
  }, 300_000);
});
