// `npm run record-histories`: runs the audioDocument workflow in representative ways on a fresh dev
// server and saves each run's event history to test/histories/. test/unit/replay.test.ts replays
// them against the workflow code, activity inputs included. Documents are pinned to the build they
// started on (Worker Versioning), so a build only ever replays its own histories: after a change to
// the workflow code, record them again (docs/operations.md, "Deploying workflow changes").

import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { AudioDocumentInput } from '../src/document/input.ts';
import { SimulatedEngine } from '../src/engines/simulated.ts';
import { LocalBlobStore } from '../src/storage/blob-store.ts';
import { chunkLevelsStored } from '../src/storage/chunk-levels.ts';
import { storeText } from '../src/storage/stored-text.ts';
import { createAudioWorker } from '../src/temporal/audio-worker.ts';
import { ensureTemporalCli } from '../src/temporal/cli.ts';
import { startLocalTemporal } from '../src/temporal/local-temporal.ts';
import { AUDIO_DOCUMENT_WORKFLOW, progressQuery } from '../src/workflows/definitions.ts';

const HISTORIES = new URL('../test/histories/', import.meta.url);
const text = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} is short.`).join('\n\n');

/** A case's input, or a function that makes it once the blob store is fresh (to store a text in it). */
type CaseInput = AudioDocumentInput | ((blobs: LocalBlobStore) => Promise<AudioDocumentInput>);

const cases: Array<{ name: string; input: CaseInput; cancelAfterChunks?: number }> = [
  { name: 'sequential', input: { text, engine: 'simulated', mode: 'sequential' } },
  { name: 'parallel-window', input: { text, engine: 'simulated', concurrency: 3, engineOptions: { jitterMs: 50 } } },
  { name: 'parallel-batch', input: { text, engine: 'simulated', concurrency: 2, schedule: 'batch' } },
  // A seeded engine that fails its first calls: the history carries retried activities.
  { name: 'with-retries', input: { text, engine: 'simulated', concurrency: 2, engineOptions: { failureRate: 0.5 } } },
  { name: 'cancelled', input: { text, engine: 'simulated', concurrency: 2, engineOptions: { latencyMs: 500 } }, cancelAfterChunks: 2 },
  { name: 'invalid-input', input: { text, concurrency: 0 } },
  // Paragraphs longer than the segmenter's window (4,000 characters), with abbreviations near its edges.
  { name: 'long-paragraphs', input: { text: longText(), engine: 'simulated', concurrency: 5 } },
  // Formats, chapters, loudness and captions.
  {
    name: 'formats-and-chapters',
    input: {
      text: `Chapter One\n\n${text}\n\nChapter Two\n\nThe end.`,
      engine: 'simulated',
      concurrency: 3,
      output: { format: 'm4b', author: 'A. Writer', crossfadeMs: 10 },
    },
  },
  // Markdown read aloud: a heading, a list, a link.
  {
    name: 'markdown',
    input: {
      text: `## Chapter One\n\n${text}\n\n- a list item\n- and *another*, see https://example.com/page.`,
      engine: 'simulated',
      concurrency: 3,
    },
  },
  // A stored text spoken in parts (child workflows, whose histories are saved too).
  {
    name: 'book-in-parts',
    input: async (blobs) => ({
      textRef: await storeText(blobs, `# Chapter One\n\n${text}\n\n# Chapter Two\n\n${text}`),
      engine: 'simulated',
      concurrency: 2,
      maxPartChunks: 8,
      output: { format: 'mp3' },
    }),
  },
  // A cast: quotations, a tagged passage and a pause, in parts (each part reads its chunks' voices).
  {
    name: 'cast-in-parts',
    input: {
      text: `# One\n\n"Come in," she said. [pause:1s] He waited.\n\n[voice:bm_george]${text}[/voice]\n\n# Two\n\nThe end.`,
      engine: 'simulated',
      voice: 'af_heart',
      dialogueVoice: 'am_adam',
      chapterVoices: { '2': 'bf_emma' },
      concurrency: 2,
      maxPartChunks: 4,
    },
  },
  // A speech request's document: a short first chunk, and the chunks after it growing.
  {
    name: 'short-first-chunk',
    input: {
      text: `The kettle whistled while the rain kept falling.\n\n${text}`,
      engine: 'simulated',
      concurrency: 3,
      firstChunkChars: 40,
    },
  },
];
/** `npm run record-histories -- <name>...` records only those cases: the older histories stay as they were. */
const only = process.argv.slice(2);

function longText(): string {
  const sentence = (i: number) => `Sentence ${i} names tools, e.g. hammers and saws, and Mr. Smith of the U.S. navy; it ends here.`;
  const paragraph = (p: number) => Array.from({ length: 60 }, (_, i) => sentence(p * 60 + i)).join(' ');
  return [0, 1].map(paragraph).join('\n\n');
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const cliPath = await ensureTemporalCli();
const temporal = await startLocalTemporal('record-histories-');
const { dir, server, client, workerConnection } = temporal;
let calls = 0;
const engine = new SimulatedEngine(() => (calls++ % 3 === 0 ? 0 : 0.99)); // every third draw fails a chunk
const audioWorker = await createAudioWorker({
  connection: workerConnection,
  namespace: 'default',
  taskQueue: 'record-histories',
  outputDir: join(dir, 'output'),
  blobLocation: join(dir, 'blobs'),
  maxConcurrentActivities: 10,
  espeakThreads: 1,
  engines: { simulated: engine },
});
try {
  await mkdir(HISTORIES, { recursive: true });
  await audioWorker.runUntil(async () => {
    for (const { name, input, cancelAfterChunks } of cases.filter((c) => only.length === 0 || only.includes(c.name))) {
      // The last chunks' loudness records are stored after their activities return: let them land first.
      await chunkLevelsStored();
      await rm(join(dir, 'blobs'), { recursive: true, force: true, maxRetries: 5 });
      const args = [typeof input === 'function' ? await input(new LocalBlobStore(join(dir, 'blobs'))) : input];
      const handle = await client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, { args, taskQueue: 'record-histories', workflowId: name });
      if (cancelAfterChunks) {
        while ((await handle.query(progressQuery)).done < cancelAfterChunks) await new Promise((r) => setTimeout(r, 50));
        await handle.cancel();
      }
      const outcome = await handle.result().then(
        () => 'completed',
        (error: Error) => `failed: ${(error.cause as Error | undefined)?.message ?? error.message}`,
      );
      // The CLI's JSON is what historyFromJSON reads (the SDK's historyToJSON trips on two protobufjs copies here).
      const save = async (workflowId: string, file: string) => {
        const { stdout } = await promisify(execFile)(
          cliPath,
          ['workflow', 'show', '--address', server.address, '-w', workflowId, '-o', 'json'],
          { maxBuffer: 64 << 20 },
        );
        await writeFile(new URL(`${file}.json`, HISTORIES), stdout);
      };
      await save(name, name);
      // A book's parts: each child's history too (`<name>.part-N.json`).
      for (
        let part = 1;
        await client.workflow
          .getHandle(`${name}/part-${part}`)
          .describe()
          .then(
            () => true,
            () => false,
          );
        part++
      )
        await save(`${name}/part-${part}`, `${name}.part-${part}`);
      console.log(`${name}: ${outcome}`);
    }
  });
} finally {
  await audioWorker.close();
  await temporal.teardown();
}
