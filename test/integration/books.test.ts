// Books on a real Temporal dev server: a stored text (textRef), chunked by an activity and spoken
// in parts, one child workflow after the other. What the histories show is what is asserted:
// at most C chunks in flight for the whole document, parts that start at chapters, every history
// bounded, and the same audio as the same text spoken in one run.

import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledFailure, type Client, type WorkflowFailedError, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../src/client/list-documents.ts';
import { describeFailure } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import { DocumentCharacters, DocumentChunks, DocumentEngine, DocumentFormat, DocumentTitle } from '../../src/contract/search-attributes.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import type { SpeechTimings } from '../../src/formats/index.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import { storeText } from '../../src/storage/stored-text.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { sleep } from '../helpers/async.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { maxInFlight } from '../helpers/history.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let blobs: LocalBlobStore;
let outputDir: string;
const taskQueue = uniqueTaskQueue('books');

/** Chapters of numbered paragraphs: "Chapter N" headings, then short paragraphs; `tag` keeps each test's chunks its own (stored chunks are reused). */
function book(tag: string, chapters: number, paragraphs: number): string {
  const chapter = (c: number) => [
    `Chapter ${c + 1}`,
    ...Array.from({ length: paragraphs }, (_, p) => `Paragraph ${p} of the ${tag} chapter ${c + 1} is here.`),
  ];
  return Array.from({ length: chapters }, (_, c) => chapter(c).join('\n\n')).join('\n\n');
}

async function start(input: AudioDocumentInput): Promise<WorkflowHandle> {
  return temporal.client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId: uniqueTaskQueue('book') });
}

type Events = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>;

async function history(client: Client, workflowId: string): Promise<Events> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

const millis = (event: Events[number]) => Number(event.eventTime!.seconds) * 1000 + Math.floor((event.eventTime!.nanos ?? 0) / 1e6);

beforeAll(async () => {
  temporal = await startTestTemporal();
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
    maxConcurrentActivities: 50,
    engines: { simulated: new SimulatedEngine() },
  });
  outputDir = join(temporal.dir, taskQueue);
  blobs = new LocalBlobStore(join(outputDir, '.chunks'));
  running = audioWorker.run();
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await temporal?.teardown();
});

describe('books: stored text, spoken in parts', () => {
  it('gives the audio of one run, in parts that start at chapters, with at most C chunks in flight across the parts', async () => {
    const text = book('first', 5, 4); // 25 chunks: a heading and 4 paragraphs per chapter
    const textRef = await storeText(blobs, text);
    const base = { textRef, engine: 'simulated' as const, concurrency: 3, engineOptions: { latencyMs: 20, jitterMs: 60 } };
    const whole = (await (await start({ ...base, output: { name: 'whole.wav' } })).result()) as AudioDocumentResult;
    expect(whole.parts).toBeUndefined();

    const handle = await start({ ...base, maxPartChunks: 12, output: { name: 'parts.wav' } });
    const result = (await handle.result()) as AudioDocumentResult;
    expect(result.sha256).toBe(whole.sha256);
    expect(result.chapters).toEqual(whole.chapters);
    expect(result.chunks).toBe(25);
    // 12 chunks at most: chapters of 5 chunks, two to a part.
    expect(result.parts).toBe(3);

    const parts = await Promise.all([1, 2, 3].map((n) => history(temporal.client, `${handle.workflowId}/part-${n}`)));
    const spans = parts.map((events) => {
      const input = JSON.parse(Buffer.from(events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()) as {
        from: number;
        to: number;
      };
      return [input.from, input.to];
    });
    expect(spans).toEqual([
      [0, 10],
      [10, 20],
      [20, 25],
    ]); // each starts at a "Chapter N" heading
    for (const events of parts) expect(maxInFlight(events)).toBe(3);
    // One part after the other: the next starts only once the one before has closed.
    for (let n = 1; n < parts.length; n++) expect(millis(parts[n]![0]!)).toBeGreaterThanOrEqual(millis(parts[n - 1]!.at(-1)!));
    // The parent ran no chunk itself.
    expect(maxInFlight(await history(temporal.client, handle.workflowId))).toBe(0);
    // What the part saw of its history when it returned, then the events that closed it.
    const longest = Math.max(...parts.map((events) => events.length));
    expect(result.historyEvents!.largestPart).toBeLessThanOrEqual(longest);
    expect(result.historyEvents!.largestPart).toBeGreaterThanOrEqual(longest - 3);

    // Findable later: search attributes set by the workflow, listed from visibility.
    const attributes = (await handle.describe()).typedSearchAttributes;
    const found = [
      attributes.get(DocumentTitle),
      attributes.get(DocumentChunks),
      attributes.get(DocumentCharacters),
      attributes.get(DocumentEngine),
      attributes.get(DocumentFormat),
    ];
    expect(found).toEqual(['Chapter 1', 25, whole.characters, 'simulated', 'wav']); // the first run paid for every character
    const listed = (await listDocuments(temporal.client, 'finished')).find((d) => d.id === handle.workflowId);
    expect(listed).toMatchObject({ status: 'COMPLETED', title: 'Chapter 1', done: 25, total: 25 });
  });

  it('answers the progress query across the parts', async () => {
    const handle = await start({
      textRef: await storeText(blobs, book('progress', 4, 2)),
      engine: 'simulated',
      concurrency: 2,
      maxPartChunks: 3,
      engineOptions: { latencyMs: 300 },
    });
    const seen = new Set<number>();
    let progress = await handle.query(progressQuery);
    while (progress.phase === 'synthesizing') {
      if (progress.total > 0) {
        expect(progress.total).toBe(12);
        expect(progress.inFlight).toBeLessThanOrEqual(2);
        seen.add(progress.done);
      }
      await sleep(50);
      progress = await handle.query(progressQuery);
    }
    await handle.result();
    // Counts from inside the parts, not only at their ends (parts of 3 chunks end at 3, 6, 9).
    expect([...seen].some((done) => done % 3 !== 0)).toBe(true);
    expect(await handle.query(progressQuery)).toMatchObject({ phase: 'done', done: 12, inFlight: 0 });
  });

  it('cancels the running part, starts no other, and writes nothing', async () => {
    const handle = await start({
      textRef: await storeText(blobs, book('cancelled', 3, 3)),
      engine: 'simulated',
      concurrency: 2,
      maxPartChunks: 4,
      engineOptions: { latencyMs: 3_000 },
      output: { name: 'cancelled-book.wav' },
    });
    // Part 2's first two chunks are done; its last two take 3 s more, far longer than a cancel takes.
    while ((await handle.query(progressQuery)).done < 5) await sleep(50);
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await temporal.client.workflow.getHandle(`${handle.workflowId}/part-2`).describe()).status.name).toBe('CANCELLED');
    await expect(temporal.client.workflow.getHandle(`${handle.workflowId}/part-3`).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(existsSync(join(outputDir, 'cancelled-book.wav'))).toBe(false);
  });

  it('speaks a 1 MB text end to end: every chunk in order, a chapter per heading, every history under 10,000 events and 10 MB', async () => {
    const paragraph = (c: number, p: number) =>
      `In chapter ${c}, paragraph ${p} tells how Dr. Smith and Mr. D. Holloway walked the long road to the sea, and what they said on the way. It ends here.`;
    const chapters = Array.from({ length: 100 }, (_, c) =>
      [`# Chapter ${c + 1}`, ...Array.from({ length: 70 }, (_, p) => paragraph(c + 1, p))].join('\n\n'),
    );
    const text = chapters.join('\n\n');
    expect(text.length).toBeGreaterThan(1_000_000);
    const handle = await start({
      textRef: await storeText(blobs, text),
      engine: 'simulated',
      concurrency: 20,
      engineOptions: { latencyMs: 0, sampleRate: 8_000, charsPerSecond: 1_500 },
      output: { name: 'megabyte.wav', loudness: false },
    });
    const result = (await handle.result()) as AudioDocumentResult;
    expect(result.chunks).toBe(100 * 71); // a heading and 70 paragraphs a chapter, each its own chunk
    expect(result.parts).toBe(8); // 1,000 chunks at most: 14 chapters (994 chunks) a part, then the last 2
    expect(result.chapters!.map((c) => c.title)).toEqual(Array.from({ length: 100 }, (_, c) => `Chapter ${c + 1}`));
    // In order: the captions walk the chunks one after the other, every one of them.
    const timings = JSON.parse(await readFile(result.artifacts!.find((a) => a.kind === 'timings')!.path, 'utf8')) as SpeechTimings;
    const chunkOrder = [...new Set(timings.sentences.map((s) => s.chunk))];
    expect(chunkOrder).toEqual(Array.from({ length: result.chunks }, (_, i) => i));
    expect(timings.sentences[1]!.text).toBe(
      'In chapter 1, paragraph 0 tells how Dr. Smith and Mr. D. Holloway walked the long road to the sea, and what they said on the way.',
    );
    for (const [i, s] of timings.sentences.entries()) if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual(timings.sentences[i - 1]!.endMs);
    // Every run's history, read back: the parent's and each part's.
    const ids = [handle.workflowId, ...Array.from({ length: result.parts! }, (_, n) => `${handle.workflowId}/part-${n + 1}`)];
    for (const id of ids) {
      const events = await history(temporal.client, id);
      expect(events.length, id).toBeLessThan(10_000);
      expect(JSON.stringify(events).length, id).toBeLessThan(10_000_000);
    }
    expect(result.historyEvents!.document).toBeLessThan(10_000);
    expect(result.historyEvents!.largestPart).toBeLessThan(10_000);
  }, 600_000);

  it('fails at once, saying so, when the stored text changed, is gone or is in another store', async () => {
    const textRef = await storeText(blobs, 'A text that will be tampered with.');
    const changed = await start({ textRef: { ...textRef, sha256: '0'.repeat(64) }, engine: 'simulated' });
    expect(describeFailure(await changed.result().catch((e: unknown) => e))).toMatch(/changed since it was stored/u);
    await rm(new URL(textRef.uri));
    const gone = await start({ textRef, engine: 'simulated' });
    expect(describeFailure(await gone.result().catch((e: unknown) => e))).toMatch(/gone/u);
    // Stored by a client that does not share the workers' store.
    const elsewhere = await start({ textRef: { ...textRef, uri: 'file:///somewhere/else/texts/ab/cd.txt' }, engine: 'simulated' });
    expect(describeFailure(await elsewhere.result().catch((e: unknown) => e))).toMatch(
      /is not in this worker's chunk store, .*: the client that stored the text must use the workers' chunk store \(AUDIO_BLOB_URL or AUDIO_BLOB_DIR\)/u,
    );
  });
});
