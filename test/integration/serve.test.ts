// `npm run serve` as a user runs it: on the embedded default, Ctrl-C and the same command again
// resume the documents it was rendering; with TEMPORAL_ADDRESS set it is only a client, and a worker
// elsewhere (sharing the output directory) renders what it starts.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedServerDir } from '../../src/temporal/embedded.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { expectOneExecutionWithoutRedoneChunks } from '../helpers/history.ts';
import { exitOf, processesMentioning, STACK_TRACE, waitForOutput } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

const CHUNKS = 12;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serve-'));
});

afterAll(async () => {
  killWorkerProcesses();
  await rm(dir, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm run serve` in a process group of its own (so a test can send it a terminal's Ctrl-C), once it listens. */
async function serve(env: NodeJS.ProcessEnv): Promise<Serving> {
  const child = spawn('npm', ['run', 'serve'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const exited = exitOf(child);
  const ready = await waitForOutput(child, /Page: +(http:\/\/\S+)\//u, 300_000);
  return { child, url: /Page: +(http:\/\/\S+)\//u.exec(ready)![1]!, output: () => output, exited };
}

async function detail(url: string, id: string): Promise<any> {
  return (await fetch(`${url}/v1/documents/${id}`)).json();
}

async function waitFor(url: string, id: string, done: (d: any) => boolean): Promise<any> {
  for (;;) {
    const d = await detail(url, id);
    if (done(d)) return d;
    await sleep(200);
  }
}

const slowDocument = {
  text: numberedParagraphs(CHUNKS, 'served'),
  engine: 'simulated',
  concurrency: 2,
  engineOptions: { latencyMs: 1_000 },
};

describe('npm run serve on the embedded default', () => {
  it('stops cleanly on Ctrl-C and resumes the document it was rendering on the next start', async () => {
    const root = join(dir, 'embedded');
    const tmp = join(root, 'tmp');
    await mkdir(tmp, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      DURABLE_TTS_CACHE: join(root, 'cache'),
      TMPDIR: tmp,
      AUDIO_OUTPUT_DIR: join(root, 'output'),
      TSX_DISABLE_CACHE: '1',
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.API_TOKEN;

    const first = await serve(env);
    const started = await fetch(`${first.url}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slowDocument),
    });
    const { id } = (await started.json()) as { id: string };
    await waitFor(first.url, id, (d) => (d.progress?.done ?? 0) >= 3);
    process.kill(-first.child.pid!, 'SIGINT'); // the whole process group, as a terminal does
    expect(await first.exited, first.output()).toBe(130);
    expect(first.output()).toMatch(/SIGINT: stopping .* resume on the next `npm run serve`/u);
    expect(first.output()).not.toMatch(/connection refused/iu);
    expect(first.output()).not.toMatch(STACK_TRACE);
    expect(await readdir(tmp)).toEqual([]);
    expect(processesMentioning(join(root, 'cache'))).toEqual([]); // no dev server left behind
    expect(existsSync(join(embeddedServerDir(env), 'lock.json'))).toBe(false);

    const second = await serve(env);
    try {
      const done = await waitFor(second.url, id, (d) => d.status !== 'running');
      expect(done).toMatchObject({ status: 'completed', result: { chunks: CHUNKS } });
      const audio = await fetch(`${second.url}/v1/documents/${id}/audio`);
      expect(audio.status).toBe(200);
      expect((await audio.arrayBuffer()).byteLength).toBe(done.result.bytes);
      const address = /Temporal: our dev server (\S+),/u.exec(second.output())![1]!;
      // It tells the user how to point `npm run client` at it.
      expect(second.output()).toContain(`Client:  export TEMPORAL_ADDRESS=${address}   (then npm run client -- list, in another shell)`);
      const connection = await Connection.connect({ address });
      try {
        await expectOneExecutionWithoutRedoneChunks(new Client({ connection }), id, CHUNKS);
      } finally {
        await connection.close();
      }
    } finally {
      process.kill(-second.child.pid!, 'SIGINT');
      expect(await second.exited, second.output()).toBe(130);
    }
    expect(await readdir(tmp)).toEqual([]);
  }, 300_000);
});

describe('npm run serve with TEMPORAL_ADDRESS', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await startTestTemporal();
  });
  afterAll(async () => {
    await temporal?.teardown();
  });

  it('is only a client: a worker elsewhere renders the document, and the server serves its audio from the shared directory', async () => {
    const taskQueue = uniqueTaskQueue('fleet');
    const outputDir = join(dir, 'fleet-output');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIO_OUTPUT_DIR: outputDir,
      DURABLE_TTS_CACHE: join(dir, 'fleet-cache'),
    };
    delete env.AUDIO_BLOB_DIR;
    delete env.AUDIO_BLOB_URL;
    const server = await serve(env);
    try {
      expect(server.output()).toMatch(/client only: workers run elsewhere/u);
      expect(server.output()).not.toMatch(/export TEMPORAL_ADDRESS/u); // the client's setting is already the user's
      const started = await fetch(`${server.url}/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Rendered by a worker elsewhere.', engine: 'simulated' }),
      });
      const { id } = (await started.json()) as { id: string };
      // No worker polls the queue yet: the workflow has not even started its first task.
      const events = (await temporal.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      expect(events.some((event) => event.workflowTaskCompletedEventAttributes)).toBe(false);

      await startWorkerProcess(workerProcessEnv(temporal, taskQueue, { AUDIO_OUTPUT_DIR: outputDir }));
      const done = await waitFor(server.url, id, (d) => d.status !== 'running');
      expect(done.status).toBe('completed');
      const audio = await fetch(`${server.url}/v1/documents/${id}/audio`);
      expect(audio.status).toBe(200);
      expect(audio.headers.get('etag')).toBe(`"${done.result.sha256}"`);
    } finally {
      killWorkerProcesses();
      process.kill(-server.child.pid!, 'SIGINT');
      await server.exited;
    }
  }, 300_000);
});
