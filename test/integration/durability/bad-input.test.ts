// Bad input, through our client and straight through `temporal workflow start`: a clear error naming
// the field, no retries, no workflow started by our client, and nothing written anywhere.

import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../../src/contract/result.ts';
import { MAX_CONCURRENCY, MAX_STORED_TEXT_CHARS, MAX_TEXT_CHARS } from '../../../src/document/input.ts';
import type { AudioWorker } from '../../../src/temporal/audio-worker.ts';
import { inProcessWorker } from '../../helpers/documents.ts';
import { defectiveWorkflowTasks } from '../../helpers/history.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../../helpers/temporal.ts';

const run = promisify(execFile);
let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let outputDir: string;
let filesBefore: string[];
const taskQueue = uniqueTaskQueue('bad-input');

/** Every file under the test's scratch directory, except the server's own database. */
async function files(): Promise<string[]> {
  const entries = await readdir(temporal.dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(temporal.dir, join(e.parentPath, e.name)))
    .filter((path) => !path.startsWith('temporal/') && !path.startsWith('texts/'))
    .sort();
}

beforeAll(async () => {
  temporal = await startTestTemporal();
  outputDir = join(temporal.dir, 'output');
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
    outputDir,
    blobLocation: join(outputDir, '.chunks'),
  });
  running = audioWorker.run();
  await mkdir(join(temporal.dir, 'texts'), { recursive: true });
  filesBefore = await files();
});

afterAll(async () => {
  // Nothing any bad input did wrote a file: not in the output directory, not beside it.
  expect(await files()).toEqual(filesBefore);
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await temporal?.teardown();
});

// Longer than a stored text may be (a longer inline one is stored, and sent by reference).
const long = 'word '.repeat(MAX_STORED_TEXT_CHARS / 5 + 1);

describe('through our client', () => {
  const cases: Array<[string, string, string[], RegExp]> = [
    ['empty text', '', [], /cannot read .*empty-text\.txt: "empty-text\.txt" is empty/u],
    ['whitespace only', '  \n\n\t ', [], /cannot read .*whitespace-only\.txt: "whitespace-only\.txt" has no text \(it is blank\)/u],
    ['text over the maximum', long, [], new RegExp(`text has ${long.length} characters; the maximum is ${MAX_STORED_TEXT_CHARS}`, 'u')],
    ['a NUL character', 'Hello\u0000world.', [], /text contains a control character .*U\+0000/u],
    ['a control character', 'Ring \u0007 the bell.', [], /text contains a control character .*U\+0007/u],
    ['50 KB without spaces or punctuation', 'x'.repeat(50_000), [], /text has a run of 50000 characters without a space/u],
    ['concurrency 0', 'Hello.', ['--concurrency', '0'], /concurrency must be at least 1, got 0/u],
    ['concurrency -1', 'Hello.', ['--concurrency=-1'], /concurrency must be at least 1, got -1/u],
    ['concurrency 1.5', 'Hello.', ['--concurrency', '1.5'], /--concurrency.*must be a whole number/u],
    ['concurrency NaN', 'Hello.', ['--concurrency', 'NaN'], /--concurrency.*must be a whole number/u],
    ['an unknown engine', 'Hello.', ['--engine', 'polly'], /--engine.*polly.*Allowed choices are espeak, simulated, replicate, kokoro/u],
    ['an output name with ../', 'Hello.', ['--out', '../escape.wav'], /output\.name must stay inside the output directory/u],
    ['an absolute output path', 'Hello.', ['--out', '/tmp/escape.wav'], /output\.name must be relative to the output directory/u],
  ];
  for (const [what, text, flags, message] of cases) {
    it(`refuses ${what} before starting anything`, async () => {
      const file = join(temporal.dir, 'texts', `${what.replace(/\W+/gu, '-')}.txt`);
      await writeFile(file, text);
      const child = spawn('npm', ['run', '-s', 'client', '--', 'speak', file, ...flags], {
        env: { ...process.env, TEMPORAL_ADDRESS: temporal.server.address, TEMPORAL_TASK_QUEUE: taskQueue, TTS_ENGINE: 'simulated' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d));
      child.stderr.on('data', (d: Buffer) => (output += d));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code, output).not.toBe(0);
      expect(output).toMatch(message);
      const started = [];
      for await (const w of temporal.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) started.push(w);
      expect(started).toEqual([]);
    }, 60_000);
  }
});

describe('straight through `temporal workflow start` (plain JSON)', () => {
  async function startWithCli(input: unknown): Promise<string> {
    const workflowId = uniqueTaskQueue('cli-bad');
    const file = join(temporal.dir, 'texts', `${workflowId}.json`);
    await writeFile(file, JSON.stringify(input)); // --input-file: a long text exceeds one command-line argument
    await run(process.env.TEMPORAL_CLI!, [
      'workflow',
      'start',
      '--address',
      temporal.server.address,
      '--type',
      'audioDocument',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input-file',
      file,
    ]);
    return workflowId;
  }

  async function expectRejected(workflowId: string, message: RegExp, activitiesAllowed = 0) {
    const handle = temporal.client.workflow.getHandle(workflowId);
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(describeFailure(error)).toMatch(message);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(defectiveWorkflowTasks(events)).toEqual([]); // failed the workflow, not a task
    const chunks = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeChunk');
    expect(chunks.length).toBeLessThanOrEqual(activitiesAllowed);
    expect(events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toEqual([]); // no retries
  }

  const cases: Array<[string, unknown, RegExp]> = [
    ['empty text', { text: '' }, /text is empty/u],
    ['whitespace only', { text: ' \n ' }, /text is empty/u],
    ['text over the maximum', { text: 'word '.repeat(MAX_TEXT_CHARS / 5 + 1) }, /text has \d+ characters; the maximum is 200000/u],
    ['a NUL character', { text: 'a\u0000b' }, /U\+0000/u],
    ['a control character', { text: 'a\u0007b' }, /U\+0007/u],
    ['50 KB without spaces or punctuation', { text: 'x'.repeat(50_000) }, /run of 50000 characters/u],
    ['concurrency 0', { text: 'Hi.', concurrency: 0 }, /concurrency must be at least 1/u],
    ['concurrency -1', { text: 'Hi.', concurrency: -1 }, /concurrency must be at least 1/u],
    ['concurrency 1.5', { text: 'Hi.', concurrency: 1.5 }, /concurrency must be a whole number/u],
    ['concurrency "NaN"', { text: 'Hi.', concurrency: 'NaN' }, /concurrency must be a finite number/u],
    ['an unknown engine', { text: 'Hi.', engine: 'polly' }, /engine must be one of/u],
    ['an unknown format', { text: 'Hi.', output: { format: 'ogg' } }, /output\.format must be one of "wav"/u],
    ['an output name with ../', { text: 'Hi.', output: { name: '../../etc/escape' } }, /output\.name must stay inside/u],
    ['an absolute output path', { text: 'Hi.', output: { name: '/tmp/escape.wav' } }, /output\.name must be relative/u],
    ['a hidden output name', { text: 'Hi.', output: { name: '.chunks/x' } }, /output\.name must stay inside/u],
  ];
  for (const [what, input, message] of cases) {
    it(`fails at once on ${what}, naming the field, without retries`, async () => {
      await expectRejected(await startWithCli(input), message);
    });
  }

  it("fails on an unknown voice at the first chunks, with the engine's message and no retries", async () => {
    await expectRejected(
      await startWithCli({ text: 'One.\n\nTwo.\n\nThree.', voice: 'klingon', concurrency: 2 }),
      /unknown eSpeak voice "klingon"/u,
      3, // the two first chunks and the one queued behind
    );
  });

  it('rejects unpaired surrogates (only a JSON client can send them: the CLI turns them into U+FFFD)', async () => {
    for (const text of ['a\ud800b', 'a\udc00b']) {
      const handle = await temporal.client.workflow.start('audioDocument', {
        args: [{ text }],
        taskQueue,
        workflowId: uniqueTaskQueue('surrogate'),
      });
      await expectRejected(handle.workflowId, /unpaired surrogate/u);
    }
  });

  it(`caps concurrency 10000 to ${MAX_CONCURRENCY} and says so`, async () => {
    const workflowId = await startWithCli({ text: 'Hi there.', engine: 'simulated', concurrency: 10_000, output: { name: 'capped.wav' } });
    const result = (await temporal.client.workflow.getHandle(workflowId).result()) as AudioDocumentResult;
    expect(result.concurrency).toBe(MAX_CONCURRENCY);
    expect(result.notices).toEqual([`concurrency 10000 capped to ${MAX_CONCURRENCY}`]);
    // A valid document's own output, not something bad input wrote: removed, so afterAll's check stays exact.
    for (const artifact of result.artifacts ?? []) await rm(artifact.path); // the audio and its captions
    expect(result.artifacts?.map((a) => a.name)).toEqual(['capped.wav', 'capped.vtt', 'capped.srt', 'capped.timings.json']);
    await rm(join(outputDir, '.chunks'), { recursive: true, force: true });
  });
});
