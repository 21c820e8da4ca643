// `npm run client` tells the truth: the engine's words for a failed document (on speak and on
// status), an error for cancelling a finished document, a deleted audio file named as such, the
// address of a server that does not answer; and --detach and `speak -` (text from stdin) work.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/document/result.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { freePort } from '../../src/temporal/dev-server.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { STACK_TRACE, runClient, type Finished } from '../helpers/processes.ts';
import { startTestTemporal, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal.ts';

let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let env: NodeJS.ProcessEnv;
const taskQueue = uniqueTaskQueue('client-messages');

beforeAll(async () => {
  temporal = await startTestTemporal();
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { espeakThreads: 1 });
  running = audioWorker.run();
  env = { ...process.env, TEMPORAL_ADDRESS: temporal.server.address, TEMPORAL_TASK_QUEUE: taskQueue, TTS_ENGINE: 'simulated' };
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
  it('an unknown voice: speak and status give the engine\'s message', async () => {
    const file = await textFile('klingon.txt', 'Qapla.\n\nThe second paragraph.');
    const speak = await runClient(['speak', file, '--engine', 'espeak', '--voice', 'klingon'], env);
    expectError(speak, /unknown eSpeak voice "klingon" \(try en-us/u);
    expect(speak.stderr).not.toMatch(/Workflow execution failed/u);

    const status = await runClient(['status', spokenId(speak)], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/unknown eSpeak voice "klingon"/u) });
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

  it('speak - reads the text from standard input', async () => {
    const speak = await runClient(['speak', '-', '--detach'], env, 'Read from standard input.\n\nTwo paragraphs of it.');
    expect(speak.code, speak.stderr).toBe(0);
    const id = speak.stdout.trim();
    expect(id).toMatch(/^stdin-[0-9a-f]{16}$/u);
    const result = (await temporal.client.workflow.getHandle(id).result()) as AudioDocumentResult;
    expect(result.chunks).toBe(2);
  });
});
