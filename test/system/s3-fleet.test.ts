// Workers that share nothing but Temporal and S3 (versitygw): each has its own private directory.
// One is SIGKILLed mid-document; another, which never saw its disk, finishes it from the chunks in
// the bucket, and the document lands in the bucket, byte-identical to an undisturbed run. The
// client and the HTTP API then read it from there, whole and by range.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { buildServer } from '../../src/server/app.ts';
import { sha256Hex } from '../../src/storage/blob-store.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { type S3Server, startS3Server } from '../../testkit/s3-server.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs, referenceRun } from '../helpers/documents.ts';
import { chunkWorkers } from '../helpers/history.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

const run = promisify(execFile);
let temporal: TestTemporal;
let s3: S3Server;

beforeAll(async () => {
  [temporal, s3] = await Promise.all([startTestTemporal(), startS3Server()]); // no bucket yet: the first worker makes it
}, 300_000); // the first run builds versitygw

afterAll(async () => {
  killWorkerProcesses();
  await temporal?.teardown();
  await s3?.stop();
});

it('finishes on another machine after SIGKILL, with nothing shared but Temporal and S3, and serves the output from S3', async () => {
  const C = 4;
  const input: AudioDocumentInput = {
    text: numberedParagraphs(24, 'fleet'),
    engine: 'simulated',
    concurrency: C,
    engineOptions: { latencyMs: 300 },
    output: { name: 'fleet/doc.wav' },
  };
  const reference = await referenceRun(temporal.client, temporal.workerConnection, temporal.dir, input);

  const taskQueue = uniqueTaskQueue('s3-fleet');
  const machine = async (name: string) => {
    const dir = await mkdtemp(join(temporal.dir, `${name}-`));
    return {
      dir,
      env: workerProcessEnv(temporal, taskQueue, {
        ...s3.env,
        TTS_ENGINE: 'simulated',
        AUDIO_OUTPUT_DIR: dir,
        AUDIO_BLOB_URL: 's3://fleet/chunks',
        AUDIO_OUTPUT_URL: 's3://fleet/documents',
      }),
    };
  };
  const [a, b] = [await machine('a'), await machine('b')];
  const first = await startWorkerProcess(a.env);
  const handle = await temporal.client.workflow.start('audioDocument', {
    args: [input],
    taskQueue,
    workflowId: uniqueTaskQueue('s3-fleet-doc'),
  });
  while ((await handle.query(progressQuery)).done < 8) await sleep(50);
  first.child.kill('SIGKILL');
  await first.exited;

  await startWorkerProcess(b.env);
  const result = (await handle.result()) as AudioDocumentResult;
  expect(result.uri).toBe('s3://fleet/documents/fleet/doc.wav');
  expect(result.sha256).toBe(reference.sha256);
  expect(result.failedAttempts).toBeLessThanOrEqual(2 * C); // C speaking at the kill, C queued behind them
  // Both machines made chunks, and neither kept anything on its own disk.
  expect(new Set(await chunkWorkers(handle)).size).toBe(2);
  for (const { dir } of [a, b]) expect(await readdir(dir)).toEqual([]);

  // The client fetches it from the bucket.
  const copy = join(temporal.dir, 'fetched.wav');
  const clientEnv = { ...b.env, AUDIO_OUTPUT_DIR: join(temporal.dir, 'client-cwd') };
  await run(process.execPath, ['--import', 'tsx', 'src/client.ts', 'result', handle.workflowId, '--save', copy], { env: clientEnv });
  expect(sha256Hex(await readFile(copy))).toBe(reference.sha256);

  // The API serves it from the bucket, with ranges.
  const saved = { ...process.env };
  Object.assign(process.env, s3.env);
  const app = await buildServer({
    client: temporal.client,
    taskQueue,
    outputDir: join(temporal.dir, 'api-output'),
    blobStore: openBlobStore('s3://fleet/chunks'),
  });
  try {
    const whole = await app.inject({ method: 'GET', url: `/v1/documents/${handle.workflowId}/audio` });
    expect(whole.statusCode).toBe(200);
    expect(sha256Hex(whole.rawPayload)).toBe(reference.sha256);
    const range = await app.inject({ method: 'GET', url: `/v1/documents/${handle.workflowId}/audio`, headers: { range: 'bytes=8-11' } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 8-11/${result.bytes}`);
    expect(range.body).toBe('WAVE');
  } finally {
    await app.close();
    process.env = saved;
  }
}, 300_000);
