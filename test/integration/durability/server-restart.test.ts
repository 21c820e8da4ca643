// The Temporal server stopped in the middle of a document (SIGTERM, then SIGKILL) and started again
// on the same SQLite file: the document completes, byte-identical to an undisturbed run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/client/list-documents.ts';
import type { AudioDocumentResult } from '../../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../../src/document/input.ts';
import { type AudioWorker, createAudioWorker } from '../../../src/temporal/audio-worker.ts';
import { ensureTemporalCli } from '../../../src/temporal/cli.ts';
import { type DevServer, freePort, startDevServer } from '../../../src/temporal/dev-server.ts';
import { progressQuery } from '../../../src/workflows/definitions.ts';
import { sleep } from '../../helpers/async.ts';
import { numberedParagraphs, referenceRun } from '../../helpers/documents.ts';
import { uniqueTaskQueue } from '../../helpers/temporal.ts';

let dir: string;
let cliPath: string;
let port: number;
let server: DevServer;
let connection: Connection;
let workerConnection: NativeConnection;
let client: Client;
let audioWorker: AudioWorker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('server-restart');

const start = () => startDevServer({ cliPath, dataDir: join(dir, 'temporal'), port });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'server-restart-'));
  cliPath = await ensureTemporalCli();
  port = await freePort();
  server = await start();
  console.log(`Temporal dev server ${server.address} on ${server.dbFile}`);
  connection = await Connection.connect({ address: server.address });
  workerConnection = await NativeConnection.connect({ address: server.address });
  client = new Client({ connection });
  audioWorker = await createAudioWorker({
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    outputDir: join(dir, 'output'),
    blobLocation: join(dir, 'output', '.chunks'),
    maxConcurrentActivities: 20,
    espeakThreads: 1,
  });
  running = audioWorker.run();
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await connection?.close();
  await workerConnection?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a Temporal server restarted mid-document', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`completes after the server is stopped with ${signal} and restarted on the same file`, async () => {
      const input: AudioDocumentInput = {
        text: numberedParagraphs(16, `restart-${signal}`),
        engine: 'simulated',
        concurrency: 4,
        engineOptions: { latencyMs: 300 },
      };
      const reference = await referenceRun(client, workerConnection, dir, input);
      const workflowId = uniqueTaskQueue(`restart-${signal}`);
      const handle = await client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId });
      while ((await handle.query(progressQuery)).done < 4) await sleep(50);

      const exited = new Promise((resolve) => server.process.once('exit', resolve));
      server.process.kill(signal);
      await exited;
      await sleep(1_000);
      server = await start();

      const result = (await client.workflow.getHandle(workflowId).result()) as AudioDocumentResult;
      expect(result.sha256).toBe(reference.sha256);
      expect(result.chunks).toBe(16);
    }, 180_000);
  }

  it('still lists every document, with its title and chunks, after a restart', async () => {
    const listed = (documents: Awaited<ReturnType<typeof listDocuments>>) =>
      documents
        .filter((d) => d.id.startsWith('restart-SIG'))
        .map((d) => ({ status: d.status, done: d.done, total: d.total, title: d.title }));
    const before = await listDocuments(client, 'finished');
    server.process.kill('SIGKILL');
    await new Promise((resolve) => server.process.once('exit', resolve));
    server = await start();
    const after = await listDocuments(client, 'finished');
    expect(listed(after)).toEqual(listed(before));
    // Both documents above, titled by their file stem (no heading, no title given), 16 of 16 chunks.
    expect(listed(after)).toEqual(
      Array.from({ length: 2 }, () => ({ status: 'COMPLETED', done: 16, total: 16, title: expect.stringMatching(/^restart-SIG/u) })),
    );
  }, 120_000);
});
