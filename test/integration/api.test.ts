// The HTTP API on a real Temporal dev server with an in-process worker: every endpoint, bad input,
// Range, the token, idempotency, SSE, the list across a server restart, and live audio.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAV_HEADER_BYTES } from '../../src/audio/wav.ts';
import { DocumentTitle } from '../../src/contract/search-attributes.ts';
import { MAX_TEXT_CHARS } from '../../src/document/input.ts';
import type { ServerOptions } from '../../src/server/app.ts';
import { type ApiTestEnvironment, type ListeningServer, startApiTestEnvironment } from '../helpers/api-server.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let environment: ApiTestEnvironment;
let temporal: TestTemporal;
let taskQueue: string;
let app: FastifyInstance;
let base: string;

const listen = (extra: Partial<ServerOptions> = {}): Promise<ListeningServer> => environment.listen(extra);

beforeAll(async () => {
  environment = await startApiTestEnvironment('api');
  ({ temporal, taskQueue } = environment);
  ({ app, base } = await listen());
});

afterAll(async () => {
  await environment?.stop();
});

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/v1/documents`, json(body, headers));
  return { response, body: (await response.json()) as Record<string, unknown> };
}

async function waitUntilDone(id: string, at = base, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  for (;;) {
    const detail = (await (await fetch(`${at}/v1/documents/${id}`, { headers })).json()) as Record<string, any>;
    if (detail.status !== 'running') return detail;
    await sleep(100);
  }
}

/** Where the worker wrote a document's audio (the API shows URLs, not paths). */
const outputFile = (detail: Record<string, any>) => join(environment.options.outputDir, detail.result.name as string);

/** Workflows started on this test's task queue, counted through visibility. */
async function startedCount(): Promise<number> {
  let count = 0;
  for await (const _ of temporal.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) count++;
  return count;
}

describe('health and description', () => {
  it('answers /healthz and /readyz, and serves an OpenAPI 3.1 description made from the schemas', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ok' });
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    expect(spec.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/documents',
      '/v1/documents/{id}',
      '/v1/documents/{id}/events',
      '/v1/documents/{id}/cancel',
      '/v1/documents/{id}/audio',
      '/v1/documents/{id}/live',
    ]) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    const input = spec.paths['/v1/documents'].post.requestBody.content['application/json'].schema;
    // The text, or a stored text's reference: one of the two is required.
    expect(input.anyOf.map((option: { required: string[] }) => option.required)).toEqual([['text'], ['textRef']]);
    expect(Object.keys(input.properties)).toEqual(
      expect.arrayContaining(['text', 'textRef', 'mode', 'concurrency', 'engine', 'output', 'retry']),
    );
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('serves the page at /', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/u);
    const html = await page.text();
    for (const id of ['text', 'file', 'engine', 'voice', 'mode', 'concurrency'])
      expect(html).toMatch(new RegExp(`<label for="${id}">`, 'u'));
  });
});

describe('documents', () => {
  let finished: Record<string, any>;

  it('starts a JSON document (202 with Location), reports it, and serves its audio', async () => {
    const { response, body } = await post({ text: `Chapter One\n\n${numberedParagraphs(4)}`, engine: 'simulated' });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/documents/${body.id}`);
    expect(body).toMatchObject({ status: 'running', created: true });
    finished = await waitUntilDone(body.id as string);
    expect(finished).toMatchObject({
      id: body.id,
      title: 'Chapter One',
      status: 'completed',
      progress: { phase: 'done', done: 5, total: 5 },
    });
    expect(finished.result).toMatchObject({ chunks: 5, engine: 'simulated' });
    const audio = await fetch(`${base}/v1/documents/${body.id}/audio`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(audio.headers.get('etag')).toBe(`"${finished.result.sha256}"`);
    // Named after the title, never after the id.
    expect(audio.headers.get('content-disposition')).toBe(`inline; filename="Chapter One.wav"; filename*=UTF-8''Chapter%20One.wav`);
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.length).toBe(finished.result.bytes);
    expect(bytes).toEqual(await readFile(outputFile(finished)));
    for (const tags of [`"${finished.result.sha256}"`, `"other", W/"${finished.result.sha256}"`, '*']) {
      const again = await fetch(`${base}/v1/documents/${body.id}/audio`, { headers: { 'if-none-match': tags } });
      expect(again.status, tags).toBe(304);
    }
    const head = await fetch(`${base}/v1/documents/${body.id}/audio`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([
      200,
      String(finished.result.bytes),
      0,
    ]);
  });

  it('honours Range: the first bytes, a middle slice, a suffix, and refuses an unsatisfiable range', async () => {
    const url = `${base}/v1/documents/${finished.id}/audio`;
    const file = await readFile(outputFile(finished));
    const size = file.length;
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=-500', size - 500, size - 1],
      ['bytes=2000-', 2000, size - 1],
    ] as const) {
      const response = await fetch(url, { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(file.subarray(start, end + 1));
    }
    const outside = await fetch(url, { headers: { range: `bytes=${size}-${size + 10}` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(outside.headers.get('content-type')).toMatch(/^application\/problem\+json/u);
    expect(outside.headers.get('content-disposition')).toBeNull(); // a problem, not the file
    const otherUnit = await fetch(url, { headers: { range: 'items=0-5' } });
    expect([otherUnit.status, (await otherUnit.arrayBuffer()).byteLength]).toEqual([200, size]);
    const download = await fetch(`${url}?download=1`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/u);
  });

  it('hands over every file by a URL of its own, saved under the title, and shows no server path', async () => {
    const text = `# Über Notes\n\n${numberedParagraphs(2)}\n\n# Second part\n\n${numberedParagraphs(2, 'second')}`;
    // `format` and `split` as short forms of output.format and output.split; a concurrency over the cap says so.
    const { response, body } = await post({ text, engine: 'simulated', format: 'mp3', split: 'chapter', concurrency: 1_000_000 });
    expect(response.status).toBe(202);
    expect(body.notices).toEqual(['concurrency 1000000 capped to 100']);
    const done = await waitUntilDone(body.id as string);
    expect(done).toMatchObject({ title: 'Über Notes', status: 'completed', result: { url: `/v1/documents/${body.id}/audio` } });
    expect(JSON.stringify(done)).not.toContain(environment.options.outputDir);
    expect(done.result).not.toHaveProperty('path');
    const artifacts = done.result.artifacts as Array<Record<string, any>>;
    expect(artifacts.map((a) => a.kind)).toEqual([
      'playlist',
      'audio',
      'captions',
      'captions',
      'timings',
      'audio',
      'captions',
      'captions',
      'timings',
    ]);
    for (const artifact of artifacts) {
      expect(artifact).not.toHaveProperty('path');
      expect(artifact).not.toHaveProperty('uri');
      const file = await fetch(`${base}${artifact.url}?download=1`);
      expect(file.status, artifact.name).toBe(200);
      expect(file.headers.get('etag')).toBe(`"${artifact.sha256}"`);
      expect(file.headers.get('content-type')).toBe(artifact.mediaType);
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
      const disposition = file.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename="/u);
      expect(decodeURIComponent(disposition.replace(/^.*filename\*=UTF-8''/u, ''))).toMatch(/^Über Notes( - \d+ .+)?\.\w+/u);
    }
    const chapter = artifacts.find((a) => a.kind === 'audio')!;
    const ranged = await fetch(`${base}${chapter.url}`, { headers: { range: 'bytes=0-9' } });
    expect([ranged.status, (await ranged.arrayBuffer()).byteLength]).toEqual([206, 10]);
    for (const name of ['nothing.mp3', '..%2F..%2Fetc%2Fpasswd', '.chunks'])
      expect((await fetch(`${base}/v1/documents/${body.id}/files/${name}`)).status, name).toBe(404);
  });

  it('takes a text/plain body with options in the query, and uploads titled by their heading, else their file name', async () => {
    const plain = await fetch(`${base}/v1/documents?engine=simulated&concurrency=2`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'A plain title\n\nSpoken from a text body.',
    });
    expect(plain.status).toBe(202);
    const plainDone = await waitUntilDone(((await plain.json()) as { id: string }).id);
    expect(plainDone).toMatchObject({ title: 'A plain title', status: 'completed', result: { concurrency: 2, engine: 'simulated' } });

    for (const [content, fileName, title] of [
      ['# Notes from *the* field\n\nUploaded as a file.', 'notes.md', 'Notes from the field'],
      ['Uploaded as a file, without a heading.', 'talk.txt', 'talk'],
      ['---\ntitle: From the front matter\n---\n\n# A heading\n\nUploaded as a file.', 'front.md', 'From the front matter'],
    ]) {
      const form = new FormData();
      form.append('engine', 'simulated');
      form.append('file', new Blob([content!], { type: 'text/markdown' }), fileName);
      const upload = await fetch(`${base}/v1/documents`, { method: 'POST', body: form });
      expect(upload.status).toBe(202);
      const id = ((await upload.json()) as { id: string }).id;
      const uploaded = await waitUntilDone(id);
      expect(uploaded, fileName).toMatchObject({ title, status: 'completed' });
      // The same title in the list, in the workflow's search attribute (what `client list` shows) and in the tags.
      const { documents } = (await (await fetch(`${base}/v1/documents?limit=5`)).json()) as {
        documents: Array<{ id: string; title: string }>;
      };
      expect(documents.find((d) => d.id === id)?.title).toBe(title);
      const described = await temporal.client.workflow.getHandle(id).describe();
      expect(described.typedSearchAttributes.get(DocumentTitle)).toBe(title);
    }
  });

  it("reports a failure with the engine's message", async () => {
    // An eSpeak identifier is the engine's to check (the catalog lists language names): it fails in the document.
    const { body } = await post({ text: 'Hello there.', engine: 'espeak', voice: 'gmw/klingon' });
    const failed = await waitUntilDone(body.id as string);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/unknown eSpeak voice "gmw\/klingon"/u);
    const audio = await fetch(`${base}/v1/documents/${body.id}/audio`);
    expect(audio.status).toBe(409);
  });

  it("refuses a voice its engine lacks, in the text's tags or as the dialogue voice, naming where, and starts nothing", async () => {
    const before = (await (await fetch(`${base}/v1/documents`)).json()) as { total?: number; documents: unknown[] };
    const tagged = await fetch(`${base}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'One.\n\n[voice:klingon]Two.[/voice]', engine: 'espeak' }),
    });
    expect(tagged.status).toBe(400);
    expect(((await tagged.json()) as { detail: string }).detail).toMatch(
      /^Invalid input: line 3: "klingon" is not one of the espeak engine's voices/u,
    );
    const dialogue = await fetch(`${base}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '"Hi," she said.', engine: 'espeak', dialogueVoice: 'klingon' }),
    });
    expect(dialogue.status).toBe(400);
    expect(await dialogue.json()).toMatchObject({ field: 'dialogueVoice', detail: expect.stringContaining('dialogueVoice: "klingon"') });
    const after = (await (await fetch(`${base}/v1/documents`)).json()) as { documents: unknown[] };
    expect(after.documents.length).toBe(before.documents.length);
  });

  it('cancels a running document, and refuses to cancel it twice', async () => {
    const { body } = await post({ text: numberedParagraphs(6), engine: 'simulated', concurrency: 1, engineOptions: { latencyMs: 60_000 } });
    const cancel = await fetch(`${base}/v1/documents/${body.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect((await waitUntilDone(body.id as string)).status).toBe('cancelled');
    const again = await fetch(`${base}/v1/documents/${body.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { detail: string }).detail).toMatch(/already cancelled/u);
  });

  it('answers 404 problems for an unknown id on every route', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/events'],
      ['GET', '/audio'],
      ['GET', '/live'],
      ['POST', '/cancel'],
    ] as const) {
      const response = await fetch(`${base}/v1/documents/no-such-document${path}`, { method });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/u);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/no document with id "no-such-document"/u);
    }
  });

  it('lists documents newest first, including one started without the API, and the same list after a server restart', async () => {
    const handle = await temporal.client.workflow.start('audioDocument', {
      args: [{ text: 'Started elsewhere\n\nBy the SDK.', engine: 'simulated' }],
      taskQueue,
      workflowId: uniqueTaskQueue('sdk'),
    });
    await handle.result();
    // Visibility is eventually consistent: wait until it lists the newest document.
    let list: any;
    do {
      list = await (await fetch(`${base}/v1/documents?limit=100`)).json();
    } while (list.documents[0]?.id !== handle.workflowId && (await sleep(100), true));
    expect(list.documents[0]).toMatchObject({ id: handle.workflowId, title: 'Started elsewhere', status: 'completed' });
    expect(list.documents[0].durationSec).toBeGreaterThan(0);
    const started = list.documents.map((d: { startedAt: string }) => d.startedAt);
    expect([...started].sort().reverse()).toEqual(started);
    expect(list.documents.map((d: { status: string }) => d.status)).toEqual(expect.arrayContaining(['completed', 'failed', 'cancelled']));

    const page = (await (await fetch(`${base}/v1/documents?limit=2`)).json()) as any;
    expect(page.documents).toHaveLength(2);
    expect(page.nextOffset).toBe(2);
    const next = (await (await fetch(`${base}/v1/documents?limit=2&offset=2`)).json()) as any;
    expect(next.documents[0].id).toBe(list.documents[2].id);

    await app.close();
    ({ app, base } = await listen());
    const afterRestart = (await (await fetch(`${base}/v1/documents?limit=100`)).json()) as any;
    expect(afterRestart.documents.map((d: { id: string }) => d.id)).toEqual(list.documents.map((d: { id: string }) => d.id));
  });
});

describe('bad input: problem+json naming the field, and nothing started', () => {
  const cases: Array<[string, () => Promise<Response>, number, string | undefined, RegExp]> = [
    ['concurrency 0', () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', concurrency: 0 })), 400, 'concurrency', /concurrency/u],
    [
      'a negative pause',
      () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', output: { pauses: { wordMs: -1 } } })),
      400,
      'output.pauses.wordMs',
      /output\.pauses\.wordMs/u,
    ],
    ['an unknown engine', () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', engine: 'polly' })), 400, 'engine', /engine/u],
    ['a misspelt field', () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', concurency: 2 })), 400, 'concurency', /concurency/u],
    ['empty text', () => fetch(`${base}/v1/documents`, json({ text: '   ' })), 400, 'text', /text is empty/u],
    ['no text', () => fetch(`${base}/v1/documents`, json({ engine: 'simulated' })), 400, 'text', /text/u],
    ['a JSON array', () => fetch(`${base}/v1/documents`, json([1, 2])), 400, 'input', /JSON object/u],
    [
      "a caller's engine pin",
      () =>
        fetch(
          `${base}/v1/documents`,
          json({ text: 'Hi.', engine: 'simulated', pin: { engine: 'simulated', model: 'tones', version: '1' } }),
        ),
      400,
      'pin',
      /pin is set by the server/u,
    ],
    [
      'a dictionary entry with nothing to say',
      () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', lexicon: { hi: { matchCase: true } } })),
      400,
      'lexicon',
      /lexicon entry "hi" says neither/u,
    ],
    [
      'broken JSON',
      () => fetch(`${base}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": ' }),
      400,
      undefined,
      /JSON/iu,
    ],
    [
      'an output name leaving the directory',
      () => fetch(`${base}/v1/documents`, json({ text: 'Hi.', output: { name: '../escape.wav' } })),
      400,
      'output.name',
      /output\.name/u,
    ],
    [
      'an unknown query option',
      () => fetch(`${base}/v1/documents?colour=red`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hi.' }),
      400,
      'colour',
      /colour is not a known option/u,
    ],
    [
      'a bad form value',
      () => fetch(`${base}/v1/documents?concurrency=abc`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hi.' }),
      400,
      'concurrency',
      /concurrency/u,
    ],
    [
      'text over the limit',
      () => fetch(`${base}/v1/documents`, json({ text: 'word '.repeat(MAX_TEXT_CHARS / 5 + 1) })),
      413,
      'text',
      /maximum is 200000/u,
    ],
    [
      'a body over the upload limit',
      () => fetch(`${base}/v1/documents`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a '.repeat(3_000_000) }),
      413,
      undefined,
      /too large/iu,
    ],
    [
      'an unsupported type',
      () => fetch(`${base}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<text>Hi.</text>' }),
      415,
      undefined,
      /Unsupported Media Type|application\/xml/iu,
    ],
  ];
  for (const [what, send, status, field, detail] of cases) {
    it(`refuses ${what} with ${status}`, async () => {
      const before = await startedCount();
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/u);
      const problem = (await response.json()) as { status: number; detail: string; field?: string };
      expect(problem.status).toBe(status);
      expect(problem.detail).toMatch(detail);
      if (field) expect(problem.field).toBe(field);
      expect(await startedCount()).toBe(before);
    });
  }
});

describe('Idempotency-Key', () => {
  it('returns the same document for a retried POST, and refuses the key for another request', async () => {
    const key = uniqueTaskQueue('key');
    const input = { text: 'Said once, even if posted twice.', engine: 'simulated' };
    const first = await post(input, { 'idempotency-key': key });
    const second = await post(input, { 'idempotency-key': key });
    expect(first.body.created).toBe(true);
    expect(second.response.status).toBe(202);
    expect(second.body).toMatchObject({ id: first.body.id, created: false });
    await waitUntilDone(first.body.id as string);
    const afterDone = await post(input, { 'idempotency-key': key });
    expect(afterDone.body).toMatchObject({ id: first.body.id, created: false, status: 'completed' });
    const other = await post({ ...input, text: 'Something else.' }, { 'idempotency-key': key });
    expect(other.response.status).toBe(409);
  });
});

describe('Server-Sent Events', () => {
  it('streams progress as it changes, then done with the result', async () => {
    // 1.5 s a chunk: the progress changes several times across the SSE server's polls, however busy the machine.
    const { body } = await post({ text: numberedParagraphs(6), engine: 'simulated', concurrency: 2, engineOptions: { latencyMs: 1_500 } });
    const response = await fetch(`${base}/v1/documents/${body.id}/events`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/u);
    const text = await response.text(); // the stream ends after `done`
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => ({ event: /^event: (\w+)/u.exec(block)![1], data: JSON.parse(/\ndata: (.*)/u.exec(block)![1]!) }));
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.done as number);
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed', result: { chunks: 6 } } });
  });
});

describe('live audio', () => {
  it('plays the finished prefix while the document renders, with the same samples as the final file', async () => {
    // The live stream is the final file before its loudness gain (known only at the end): compare with none.
    const { body } = await post({
      text: numberedParagraphs(10),
      engine: 'simulated',
      concurrency: 2,
      engineOptions: { latencyMs: 1_000 },
      output: { loudness: false },
    });
    const response = await fetch(`${base}/v1/documents/${body.id}/live`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const reader = response.body!.getReader();
    const received: Uint8Array[] = [];
    let statusAtFirstAudio: string | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(value);
      const length = received.reduce((sum, part) => sum + part.length, 0);
      if (statusAtFirstAudio === undefined && length > WAV_HEADER_BYTES) {
        statusAtFirstAudio = ((await (await fetch(`${base}/v1/documents/${body.id}`)).json()) as { status: string }).status;
      }
    }
    expect(statusAtFirstAudio).toBe('running'); // heard before it finished
    const live = Buffer.concat(received);
    const detail = await waitUntilDone(body.id as string);
    const final = await readFile(outputFile(detail));
    expect(live.subarray(8, 36)).toEqual(final.subarray(8, 36)); // the same format; only the sizes differ (unknown while live)
    expect(live.length).toBe(final.length);
    expect(live.subarray(WAV_HEADER_BYTES).equals(final.subarray(WAV_HEADER_BYTES))).toBe(true); // (a diff of megabytes would take minutes to print)
    const redirect = await fetch(`${base}/v1/documents/${body.id}/live`, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`/v1/documents/${body.id}/audio`);
  });
});

describe('live audio of a book in parts', () => {
  it('is refused with 409, saying why and where its audio will be', async () => {
    const { body } = await post({
      text: numberedParagraphs(6, 'parted'),
      engine: 'simulated',
      maxPartChunks: 2,
      engineOptions: { latencyMs: 500 },
    });
    const response = await fetch(`${base}/v1/documents/${body.id}/live`);
    expect(response.status).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /is a book spoken in 3 parts, which is not heard live .* \/audio once done/u,
    );
    await waitUntilDone(body.id as string);
  });
});

describe('API_TOKEN', () => {
  it('needs the bearer token on every /v1 route, never on health, and never logs it', async () => {
    const token = 'secret-token-that-must-not-leak';
    const lines: string[] = [];
    const logStream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const secured = await listen({ apiToken: token, logStream });
    try {
      const none = await fetch(`${secured.base}/v1/documents`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/u);
      expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/u);
      expect((await fetch(`${secured.base}/v1/documents`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const startedBefore = await startedCount();
      expect((await fetch(`${secured.base}/v1/documents`, json({ text: 'Hi.' }))).status).toBe(401);
      expect(await startedCount()).toBe(startedBefore);
      expect((await fetch(`${secured.base}/v1/documents/${'x'}/cancel`, { method: 'POST' })).status).toBe(401);
      expect((await fetch(`${secured.base}/healthz`)).status).toBe(200);

      const auth = { authorization: `bearer ${token}` }; // the scheme is case-insensitive
      const started = await fetch(`${secured.base}/v1/documents`, json({ text: 'Behind a token.', engine: 'simulated' }, auth));
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      expect((await waitUntilDone(id, secured.base, auth)).status).toBe('completed');
      // Audio elements and EventSource cannot set headers: the token may ride in the query.
      expect((await fetch(`${secured.base}/v1/documents/${id}/audio?access_token=${token}`)).status).toBe(200);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('')).not.toContain(token);
    } finally {
      await secured.app.close();
    }
  });
});

describe('other sites and other names', () => {
  it('refuses a POST from another site, as a browser sends it, and starts nothing', async () => {
    const before = await startedCount();
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Array<
      Record<string, string>
    >) {
      const response = await fetch(`${base}/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...headers },
        body: 'Hi.',
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/from another site/u);
    }
    const cancel = await fetch(`${base}/v1/documents/anything/cancel`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(cancel.status).toBe(403);
    expect(await startedCount()).toBe(before);
    // Its own page (same origin) may.
    const own = await fetch(`${base}/v1/documents?engine=simulated`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: base, 'sec-fetch-site': 'same-origin' },
      body: 'From the page.',
    });
    expect(own.status).toBe(202);
  });

  it('answers only to loopback names without a token (DNS rebinding), and to any name with one', async () => {
    const { request } = await import('node:http');
    const get = (url: string, host: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) =>
        request(url, { headers: { host, ...headers } }, (res) => (res.resume(), resolve(res.statusCode!)))
          .on('error', reject)
          .end(),
      );
    expect(await get(`${base}/v1/documents`, 'rebound.example:8080')).toBe(403);
    expect(await get(`${base}/v1/documents`, 'localhost:8080')).toBe(200);
    const secured = await listen({ apiToken: 'a-token' });
    expect(await get(`${secured.base}/v1/documents`, 'tts.example.com', { authorization: 'Bearer a-token' })).toBe(200);
  });
});

describe("an output file that is no longer the document's", () => {
  it('says the audio is gone (410) when the file was deleted or replaced, never serving other bytes', async () => {
    const { body } = await post({ text: 'Soon replaced.', engine: 'simulated' });
    const done = await waitUntilDone(body.id as string);
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(outputFile(done), 'another document of the same name');
    const replaced = await fetch(`${base}/v1/documents/${body.id}/audio`);
    expect(replaced.status).toBe(410);
    expect(((await replaced.json()) as { detail: string }).detail).toMatch(/a file of another document has its name/u);
    await rm(outputFile(done));
    expect((await fetch(`${base}/v1/documents/${body.id}/audio`)).status).toBe(410);
  });
});
