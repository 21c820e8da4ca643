// One durable-tts speaking through another: the openai engine pointed at a second server's
// OpenAI-compatible /v1/audio/speech. `npm start -- FILE --engine openai` speaks a file through it,
// and a worker SIGKILLed in the middle of a document costs at most the chunks it had in flight.
// The key is in neither history, nor in what the command and the workers print.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { SynthesisRequest } from '../../src/engines/engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { type ApiTestEnvironment, startApiTestEnvironment } from '../helpers/api-server.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { runToEnd } from '../helpers/processes.ts';
import { uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

const KEY = 'sk-upstream-durable-tts-secret';

/** The upstream's engine takes a while per chunk, so that a document downstream is caught in the middle. */
class SlowEngine extends SimulatedEngine {
  override async synthesize(request: SynthesisRequest) {
    await sleep(150);
    return super.synthesize(request);
  }
}

let upstream: ApiTestEnvironment;
let openAiEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  upstream = await startApiTestEnvironment('upstream', { engines: { simulated: new SlowEngine() } });
  const { base } = await upstream.listen({ apiToken: KEY });
  openAiEnv = { OPENAI_BASE_URL: `${base}/v1`, OPENAI_API_KEY: KEY, OPENAI_TTS_MODEL: 'simulated' };
});

afterAll(async () => {
  killWorkerProcesses();
  await upstream?.stop();
});

/** The upstream's own documents: one per chunk the downstream asked it for. */
async function upstreamDocuments(): Promise<number> {
  let count = 0;
  for await (const _ of upstream.temporal.client.workflow.list({ query: `TaskQueue = "${upstream.taskQueue}"` })) count++;
  return count;
}

describe('the openai engine through a second durable-tts', () => {
  it('npm start -- FILE --engine openai speaks the file through the other server', async () => {
    const dir = upstream.temporal.dir;
    const textFile = join(dir, 'through.txt');
    await writeFile(textFile, numberedParagraphs(4, 'relayed text'));
    const out = join(dir, 'through', 'speech.wav');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...openAiEnv,
      AUDIO_BLOB_DIR: join(dir, 'through-blobs'),
      DURABLE_TTS_CACHE: join(dir, 'through-cache'),
    };
    delete env.TEMPORAL_ADDRESS;
    delete env.TTS_ENGINE;
    delete env.REPLICATE_API_TOKEN;
    const before = await upstreamDocuments();
    const run = await runToEnd('npm', ['start', '--', textFile, '--engine', 'openai', '--voice', 'alloy', '--out', out], env);
    const printed = run.stdout + run.stderr;
    expect(run.code, printed).toBe(0);
    expect(printed).toContain('openai simulated@unversioned alloy');
    expect(printed).not.toContain(KEY);
    const audio = decodeWav(await readFile(out));
    expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(4); // four sentences, each 1 s or more
    // Each chunk was a document of the other server's (the paragraphs pack into one or more chunks).
    expect(await upstreamDocuments()).toBeGreaterThan(before);
  }, 150_000);

  it('a worker SIGKILLed mid-document costs at most the chunks in flight, and the key stays out', async () => {
    const C = 3;
    const taskQueue = uniqueTaskQueue('through-crash');
    const env = workerProcessEnv(upstream.temporal, taskQueue, openAiEnv);
    const first = await startWorkerProcess(env);
    const handle = await upstream.temporal.client.workflow.start('audioDocument', {
      args: [{ text: numberedParagraphs(12, 'relayed crash'), engine: 'openai', voice: 'nova', concurrency: C, maxChunkChars: 60 }],
      taskQueue,
      workflowId: uniqueTaskQueue('through-crash-doc'),
    });
    while ((await handle.query(progressQuery)).done < 4) await sleep(50);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startWorkerProcess(env);
    const result = (await handle.result()) as AudioDocumentResult;
    expect(result.chunks).toBe(12);
    expect(result.spokenBy).toBe('openai simulated@unversioned nova');
    // Only the chunks in flight at the kill were asked again (each shows one timed-out attempt): C
    // speaking, and the C queued behind them.
    expect(result.failedAttempts).toBeGreaterThanOrEqual(1);
    expect(result.failedAttempts).toBeLessThanOrEqual(2 * C);
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain(KEY);
    expect(first.output() + second.output()).not.toContain(KEY);
  }, 150_000);
});
