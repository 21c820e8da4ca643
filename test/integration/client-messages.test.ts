// `npm run client` tells the truth: the engine's words for a failed document (on speak and on
// status), an error for cancelling a finished document, a deleted audio file named as such, the
// address of a server that does not answer; and --detach and `speak -` (text from stdin) work.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { freePort } from '../../src/temporal/dev-server.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { type Finished, runClient, STACK_TRACE } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let env: NodeJS.ProcessEnv;
const taskQueue = uniqueTaskQueue('client-messages');

beforeAll(async () => {
  temporal = await startTestTemporal();
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { espeakThreads: 1 });
  running = audioWorker.run();
  // The client stores long texts where the worker reads them: its chunk store.
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TTS_ENGINE: 'simulated',
    AUDIO_BLOB_DIR: join(temporal.dir, taskQueue, '.chunks'),
  };
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await temporal?.teardown();
});

async function textFile(name: string, text: string): Promise<string> {
  const path = join(temporal.dir, name);
  await writeFile(path, text);
  return path;
}

/** The id `speak` names on stderr ("<id> on task queue ...: started"). */
function spokenId(run: Finished): string {
  return /^(\S+) on task queue /mu.exec(run.stderr)![1]!;
}

function expectError(run: Finished, message: RegExp) {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(STACK_TRACE);
}

describe('client messages', () => {
  it('an unknown voice: speak refuses it before anything starts, naming the voice and the engine', async () => {
    const file = await textFile('klingon.txt', 'Qapla.\n\nThe second paragraph.');
    const speak = await runClient(['speak', file, '--engine', 'espeak', '--voice', 'klingon'], env);
    expectError(speak, /Invalid input: voice: "klingon" is not one of the espeak engine's voices \(\d+ voices, e\.g\./u);
    expect(speak.stderr).not.toMatch(/Workflow execution failed|started/u);
    // A voice the engine has no list for is the engine's to refuse: the simulated engine takes any name.
    const any = await runClient(['speak', file, '--engine', 'simulated', '--voice', 'klingon'], env);
    expect(any.code, any.stderr).toBe(0);
  });

  it('speak and status name the engine the document was pinned to, down to its build and voice', async () => {
    const speak = await runClient(['speak', await textFile('pinned.txt', 'Pinned.'), '--engine', 'espeak', '--voice', 'en-GB'], env);
    expect(speak.code, speak.stderr).toBe(0);
    expect(speak.stdout).toContain('Engine:   espeak espeak-ng@0.3.5 en-gb');
    const status = await runClient(['status', spokenId(speak)], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'COMPLETED', spokenBy: 'espeak espeak-ng@0.3.5 en-gb' });
  });

  it('cancel of a finished document is an error naming its state', async () => {
    const speak = await runClient(['speak', await textFile('finished.txt', 'Done soon.')], env);
    expect(speak.code, speak.stderr).toBe(0);
    const cancel = await runClient(['cancel', spokenId(speak)], env);
    expectError(cancel, /is already completed: nothing to cancel/u);
    expect(cancel.stdout).not.toMatch(/Cancellation requested/u);
  });

  it('a result whose audio file was deleted says so and suggests --new, which makes it again', async () => {
    const file = await textFile('deleted.txt', 'This audio file will be deleted.');
    const first = await runClient(['speak', file], env);
    expect(first.code, first.stderr).toBe(0);
    const path = /^Audio: +(\S+)$/mu.exec(first.stdout)![1]!;
    await rm(path);

    const again = await runClient(['speak', file], env);
    expectError(again, /audio file \S+ is gone.*--new/u);
    expect(again.stdout).not.toContain(path);
    const status = await runClient(['status', spokenId(first)], env);
    expect(JSON.parse(status.stdout).note).toMatch(/is gone.*--new/u);

    const fresh = await runClient(['speak', file, '--new'], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^Audio: +\S+$/mu);
  });

  it('with no server answering, the message names the address', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const status = await runClient(['status', 'any-id'], { ...env, TEMPORAL_ADDRESS: address });
    expectError(status, new RegExp(`No Temporal server answers at ${address}`, 'u'));
  });

  it('--detach prints the id and returns; the document completes without the client', async () => {
    const file = await textFile('detached.txt', 'One paragraph.\n\nAnother paragraph.\n\nA third one.');
    const detached = await runClient(['speak', file, '--detach', '--latency-ms', '500'], env);
    expect(detached.code, detached.stderr).toBe(0);
    const id = detached.stdout.trim();
    expect(id).toMatch(/^detached-[0-9a-f]{16}$/u);
    expect(detached.stdout).not.toMatch(/Audio:/u);
    const result = (await temporal.client.workflow.getHandle(id).result()) as AudioDocumentResult;
    expect(result.chunks).toBe(3);
  });

  it('an EPUB becomes a document: its chapters, its title and author, its file name in the memo, and a list that shows it', async () => {
    const epub = join(import.meta.dirname, '../fixtures/books/lighthouse-epub3.epub');
    const speak = await runClient(['speak', epub, '--out', 'lighthouse.m4b'], env);
    expect(speak.code, speak.stderr).toBe(0);
    expect(speak.stderr).toMatch(/Read .*lighthouse-epub3\.epub: EPUB "The Lighthouse Keeper" by Mara Quill/u);
    expect(speak.stdout).toMatch(
      /Chapters: 0:00:00 The Lighthouse Keeper[\s\S]*The Storm[\s\S]*The Lamp[\s\S]*The Ship[\s\S]*The Morning/u,
    );
    const id = spokenId(speak);
    expect((await temporal.client.workflow.getHandle(id).describe()).memo).toMatchObject({ source: 'lighthouse-epub3.epub' });
    const list = await runClient(['list', '--finished', '--json'], env);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ id, status: 'COMPLETED', title: 'The Lighthouse Keeper', source: 'lighthouse-epub3.epub' }),
    );
  });

  it('a book longer than the inline limit travels as a stored text', async () => {
    const sentence = (c: number, p: number, s: number) =>
      `Sentence ${s} of paragraph ${p} in chapter ${c} has enough words in it to belong to a long book, and goes on.`;
    const paragraph = (c: number, p: number) => Array.from({ length: 4 }, (_, s) => sentence(c, p, s)).join(' ');
    const chapter = (c: number) => `# Chapter ${c}\n\n${Array.from({ length: 25 }, (_, p) => paragraph(c, p)).join('\n\n')}`;
    const file = await textFile('long-book.md', Array.from({ length: 20 }, (_, c) => chapter(c + 1)).join('\n\n'));
    const speak = await runClient(
      ['speak', file, '--max-chunk-chars', '2000', '--engine-options', '{"charsPerSecond":1500,"sampleRate":8000}'],
      env,
    );
    expect(speak.code, speak.stderr).toBe(0);
    expect(speak.stderr).toMatch(/Read .*long-book\.md: Markdown, 20 chapters, 2\d{5} characters \(stored in the chunk store/u);
    const input = (await temporal.client.workflow.getHandle(spokenId(speak)).fetchHistory()).events![0]!
      .workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const started = JSON.parse(Buffer.from(input.data!).toString()) as { text?: string; textRef?: { characters: number } };
    expect(started.text).toBeUndefined();
    expect(started.textRef!.characters).toBeGreaterThan(200_000);
  });

  it('a DRM-protected EPUB and a PDF are refused before anything starts, saying why', async () => {
    for (const [name, reason] of [
      ['drm.epub', /protected by DRM/u],
      ['report.pdf', /PDF/u],
    ] as const) {
      const run = await runClient(['speak', join(import.meta.dirname, '../fixtures/books', name)], env);
      expectError(run, reason);
      expect(run.stderr).not.toMatch(/on task queue/u); // no workflow started
    }
  });

  it('speak - reads the text from standard input', async () => {
    const speak = await runClient(['speak', '-', '--detach'], env, 'Read from standard input.\n\nTwo paragraphs of it.');
    expect(speak.code, speak.stderr).toBe(0);
    const id = speak.stdout.trim();
    expect(id).toMatch(/^stdin-[0-9a-f]{16}$/u);
    const result = (await temporal.client.workflow.getHandle(id).result()) as AudioDocumentResult;
    expect(result.chunks).toBe(2);
  });
});
