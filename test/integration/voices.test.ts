// Choosing voices: `GET /v1/voices` lists each engine's voices, `GET /v1/voices/{name}/preview`
// makes a voice's sample once (a workflow on a real dev server and worker) and serves it from then
// on, and `client voices` prints the list without any Temporal server.

import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIEW_TEXT, previewDocument } from '../../src/server/previews.ts';
import { type ApiTestEnvironment, startApiTestEnvironment } from '../helpers/api-server.ts';
import { ffprobe } from '../helpers/ffmpeg-tools.ts';
import { runClient, STACK_TRACE } from '../helpers/processes.ts';

let environment: ApiTestEnvironment;
let base: string;

beforeAll(async () => {
  environment = await startApiTestEnvironment('voices');
  ({ base } = await environment.listen());
});

afterAll(async () => {
  await environment?.stop();
});

const preview = (name: string, engine?: string, at = base) =>
  fetch(`${at}/v1/voices/${encodeURIComponent(name)}/preview${engine ? `?engine=${engine}` : ''}`);

/** Runs of a preview's workflow id, counted through visibility (every run, closed ones too). */
async function runsOf(workflowId: string): Promise<number> {
  let count = 0;
  for await (const _ of environment.temporal.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) count++;
  return count;
}

const previewPath = (engine: 'simulated', voice: string) =>
  join(environment.options.outputDir, previewDocument(engine, voice, environment.taskQueue).input.output!.name!);

describe('GET /v1/voices', () => {
  it("lists Kokoro's voices with language and gender, and says which engines take any name", async () => {
    const response = await fetch(`${base}/v1/voices?engine=kokoro`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { voices: Record<string, string>[]; anyName: string[]; defaultEngine: string };
    expect(body.anyName).toEqual([]);
    expect(body.voices.length).toBeGreaterThan(20);
    expect(body.voices.every((v) => v.engine === 'kokoro')).toBe(true);
    expect(body.voices).toContainEqual({ name: 'af_heart', engine: 'kokoro', language: 'en-us', gender: 'female' });
    expect(body.voices).toContainEqual({ name: 'bm_george', engine: 'kokoro', language: 'en-gb', gender: 'male' });
    expect(['kokoro', 'espeak', 'replicate', 'simulated']).toContain(body.defaultEngine);
  });

  it("lists every engine's voices without ?engine=, eSpeak's by language", async () => {
    const body = (await (await fetch(`${base}/v1/voices`)).json()) as { voices: Record<string, string>[]; anyName: string[] };
    expect(body.anyName).toContain('simulated');
    expect(body.voices).toContainEqual({ name: 'en-gb', engine: 'espeak', language: 'en-gb' });
    expect(new Set(body.voices.map((v) => v.engine))).toEqual(new Set(['kokoro', 'espeak', 'replicate']));
  });

  it('refuses an unknown engine with a problem naming it', async () => {
    const response = await fetch(`${base}/v1/voices?engine=nope`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/u);
    expect(await response.json()).toMatchObject({ status: 400, field: 'engine', detail: expect.stringContaining('"nope"') });
  });

  it('is in the OpenAPI description, with the preview', async () => {
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, any> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/voices', '/v1/voices/{name}/preview']));
    expect(Object.keys(spec.paths['/v1/voices/{name}/preview'].get.responses[200].content)).toEqual(['audio/mpeg']);
  });
});

describe('GET /v1/voices/{name}/preview', () => {
  it('makes the sample once: the second request gets the same bytes from the file, without a second run', async () => {
    const { workflowId, input } = previewDocument('simulated', 'narrator', environment.taskQueue);
    const first = await preview('narrator', 'simulated');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('audio/mpeg');
    expect(first.headers.get('cache-control')).toBe('private, max-age=86400');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/u);
    const bytes = Buffer.from(await first.arrayBuffer());
    const path = previewPath('simulated', 'narrator');
    expect(input.text).toBe(PREVIEW_TEXT);
    expect(path).toMatch(/previews\/simulated-narrator-[0-9a-f]{12}\.mp3$/u);
    const probe = await ffprobe(path);
    expect(probe.streams[0]!.codec_name).toBe('mp3');
    expect(Number(probe.format.duration)).toBeGreaterThan(1);
    const made = (await stat(path)).mtimeMs;
    expect(await runsOf(workflowId)).toBe(1);

    const second = await preview('narrator', 'simulated');
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await second.arrayBuffer())).toEqual(bytes);
    expect((await stat(path)).mtimeMs).toBe(made);
    expect(await runsOf(workflowId)).toBe(1);

    // As a document's audio: If-None-Match and Range.
    expect((await fetch(`${base}/v1/voices/narrator/preview?engine=simulated`, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    const part = await fetch(`${base}/v1/voices/narrator/preview?engine=simulated`, { headers: { range: 'bytes=0-99' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 0-99/${bytes.length}`]);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(0, 100));
  });

  it('previews are not listed as documents', async () => {
    const { documents } = (await (await fetch(`${base}/v1/documents`)).json()) as { documents: { id: string }[] };
    expect(documents.filter((d) => d.id.startsWith('preview-'))).toEqual([]);
  });

  it('requests at the same time share one run', async () => {
    const { workflowId } = previewDocument('simulated', 'chorus', environment.taskQueue);
    const answers = await Promise.all([1, 2, 3].map(() => preview('chorus', 'simulated')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const bodies = await Promise.all(answers.map(async (a) => Buffer.from(await a.arrayBuffer())));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(await runsOf(workflowId)).toBe(1);
  });

  it('a request that gives up waiting gets 503 with Retry-After; the next one joins the same run', async () => {
    const { workflowId } = previewDocument('simulated', 'latecomer', environment.taskQueue);
    const impatient = await environment.listen({ previewWaitMs: 1 });
    const early = await preview('latecomer', 'simulated', impatient.base);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(await early.json()).toMatchObject({ detail: expect.stringContaining('still being made') });
    const later = await preview('latecomer', 'simulated');
    expect(later.status).toBe(200);
    expect(await runsOf(workflowId)).toBe(1);
    await impatient.app.close();
  });

  it('makes it again when its file was deleted', async () => {
    const { workflowId } = previewDocument('simulated', 'phoenix', environment.taskQueue);
    const first = Buffer.from(await (await preview('phoenix', 'simulated')).arrayBuffer());
    await rm(previewPath('simulated', 'phoenix'));
    const again = await preview('phoenix', 'simulated');
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).length).toBe(first.length);
    expect(await runsOf(workflowId)).toBe(2);
  });

  it('refuses an unknown Kokoro voice, a blend for another engine and an unknown engine, naming each, and starts nothing', async () => {
    const unknown = await preview('af_nobody', 'kokoro');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      field: 'name',
      detail: expect.stringContaining('"af_nobody" is not one of the kokoro engine\'s voices'),
    });
    const blend = await preview('af_bella(2)+af_sky(1)', 'espeak');
    expect(blend.status).toBe(400);
    expect(((await blend.json()) as { detail: string }).detail).toMatch(/only the kokoro engine mixes voices/u);
    const engine = await preview('narrator', 'nope');
    expect([engine.status, ((await engine.json()) as { field: string }).field]).toEqual([400, 'engine']);
    const spaced = await preview('two words', 'simulated');
    expect([spaced.status, ((await spaced.json()) as { field: string }).field]).toEqual([400, 'voice']);
    let runs = 0;
    for await (const _ of environment.temporal.client.workflow.list({ query: `TaskQueue = "${environment.taskQueue}"` })) runs++;
    expect(runs).toBe(5); // narrator, chorus, latecomer, phoenix twice: nothing for these
  });
});

describe('client voices', () => {
  // No Temporal server answers there: the list needs none.
  const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' };

  it("prints Kokoro's voices with language and gender", async () => {
    const run = await runClient(['voices', '--engine', 'kokoro'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^kokoro: \d+ voices\n {2}NAME +LANGUAGE +GENDER\n/u);
    expect(run.stdout).toMatch(/^ {2}af_heart +en-us +female$/mu);
    expect(run.stdout).toMatch(/^ {2}bm_george +en-gb +male$/mu);
  });

  it('says the simulated engine takes any name, and lists every engine without --engine', async () => {
    const run = await runClient(['voices'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('simulated: takes any voice name');
    expect(run.stdout).toMatch(/^espeak: \d+ voices$/mu);
    expect(run.stdout).toMatch(/^ {2}en-gb +en-gb$/mu);
  });

  it('refuses an unknown engine, naming the engines', async () => {
    const run = await runClient(['voices', '--engine', 'nope'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Allowed choices are espeak, simulated, replicate, kokoro/u);
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });
});
