// A worker process SIGKILLed in the middle of a document: a fresh worker finishes it, redoing at
// most the C chunks that were in flight, and the WAV is byte-identical to an undisturbed run.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../../src/document/input.ts';
import { progressQuery } from '../../../src/workflows/definitions.ts';
import { sleep } from '../../helpers/async.ts';
import { numberedParagraphs, referenceRun } from '../../helpers/documents.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../../helpers/worker-process.ts';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  killWorkerProcesses();
  await temporal?.teardown();
});

it('finishes in a fresh worker after SIGKILL, redoing at most the chunks in flight, byte-identical', async () => {
  const C = 4;
  const input: AudioDocumentInput = {
    text: numberedParagraphs(20, 'crash'),
    engine: 'simulated',
    concurrency: C,
    engineOptions: { latencyMs: 400 },
  };
  const reference = await referenceRun(temporal.client, temporal.workerConnection, temporal.dir, input);

  const taskQueue = uniqueTaskQueue('worker-crash');
  const env = workerProcessEnv(temporal, taskQueue);
  const first = await startWorkerProcess(env);
  const handle = await temporal.client.workflow.start('audioDocument', {
    args: [input],
    taskQueue,
    workflowId: uniqueTaskQueue('crash-doc'),
  });
  while ((await handle.query(progressQuery)).done < 6) await sleep(50);
  first.child.kill('SIGKILL');
  await first.exited;

  await startWorkerProcess(env);
  const result = (await handle.result()) as AudioDocumentResult;
  expect(result.sha256).toBe(reference.sha256);
  // Only the chunks in flight at the crash ran again: each shows one failed (timed-out) attempt. In
  // flight: C speaking, and the C queued behind them (a queued chunk's wait times out too).
  expect(result.failedAttempts).toBeGreaterThanOrEqual(1);
  expect(result.failedAttempts).toBeLessThanOrEqual(2 * C);
}, 120_000);

it('finishes a book in parts after SIGKILL in the middle of part 2, redoing at most the chunks in flight, byte-identical', async () => {
  const C = 3;
  const chapters = Array.from({ length: 4 }, (_, c) => `Chapter ${c + 1}\n\n${numberedParagraphs(5, `crashed book ${c + 1}`)}`).join(
    '\n\n',
  );
  const input: AudioDocumentInput = {
    text: chapters,
    engine: 'simulated',
    concurrency: C,
    maxPartChunks: 6,
    // A part's six chunks are two waves: at 1 s a chunk, the kill (after the query sees two of part 2
    // done) lands while its second wave speaks, even on a busy machine; between parts nothing is in flight.
    engineOptions: { latencyMs: 1_000 },
  };
  const reference = await referenceRun(temporal.client, temporal.workerConnection, temporal.dir, input);
  expect(reference.parts).toBe(4);

  const taskQueue = uniqueTaskQueue('book-crash');
  const env = workerProcessEnv(temporal, taskQueue);
  const first = await startWorkerProcess(env);
  const handle = await temporal.client.workflow.start('audioDocument', {
    args: [input],
    taskQueue,
    workflowId: uniqueTaskQueue('book-crash-doc'),
  });
  while ((await handle.query(progressQuery)).done < 8) await sleep(50); // part 2 of 6 chunks each
  first.child.kill('SIGKILL');
  await first.exited;

  await startWorkerProcess(env);
  const result = (await handle.result()) as AudioDocumentResult;
  expect(result.sha256).toBe(reference.sha256);
  expect(result.parts).toBe(4);
  expect(result.failedAttempts).toBeGreaterThanOrEqual(1);
  expect(result.failedAttempts).toBeLessThanOrEqual(2 * C);
}, 180_000);
