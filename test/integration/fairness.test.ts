// Fair sharing on one busy worker: a tenant's 10-chunk reading, started while another tenant's
// 200-chunk book fills the queue, gets its turns at once instead of waiting behind the book's
// backlog. Read from the histories: how many of the book's chunks ended while the reading ran.

import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { sleep } from '../helpers/async.ts';
import { inProcessWorker, numberedParagraphs } from '../helpers/documents.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  await temporal?.teardown();
});

const eventMs = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
  Number(event.eventTime!.seconds) * 1000 + (event.eventTime!.nanos ?? 0) / 1e6;

/** The book's chunks that ended while the reading ran (its first event to its last). */
async function bookChunksDuring(book: WorkflowHandle, reading: WorkflowHandle): Promise<number> {
  const readingEvents = (await reading.fetchHistory()).events!;
  const [from, to] = [eventMs(readingEvents[0]!), eventMs(readingEvents.at(-1)!)];
  const bookEvents = (await book.fetchHistory()).events!;
  return bookEvents.filter((e) => e.activityTaskCompletedEventAttributes && eventMs(e) >= from && eventMs(e) <= to).length;
}

/** A 200-chunk book and, once it runs, a 10-chunk reading, on a worker with 2 slots; with or without tenants. */
async function bookThenReading(tenants: boolean): Promise<number> {
  const taskQueue = uniqueTaskQueue(tenants ? 'fair' : 'fifo');
  const worker: AudioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
    maxConcurrentActivities: 2,
    engines: { simulated: new SimulatedEngine() },
  });
  return worker.runUntil(async () => {
    const document = (text: string, tenant: string, concurrency: number): AudioDocumentInput => ({
      text,
      engine: 'simulated',
      concurrency,
      engineOptions: { latencyMs: 50, sampleRate: 8000 },
      output: { captions: false, loudness: false },
      ...(tenants ? { tenant } : {}),
    });
    const start = (input: AudioDocumentInput) =>
      temporal.client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId: uniqueTaskQueue('doc') });
    const book = await start(document(numberedParagraphs(200, 'book'), 'publisher', 50));
    while ((await book.query(progressQuery)).done < 20) await sleep(50); // its window of 50 keeps the queue full
    const reading = await start(document(numberedParagraphs(10, 'reading'), 'reader', 10));
    await reading.result();
    const during = await bookChunksDuring(book, reading);
    await book.result();
    return during;
  });
}

it("dispatches a second tenant's chunks in turn with the first's backlog, not after it", async () => {
  const fifo = await bookThenReading(false);
  const fair = await bookThenReading(true);
  console.log(`book chunks that ended while the 10-chunk reading ran: ${fifo} without tenants, ${fair} with`);
  // First come, first served: the reading waits behind the book's queued chunks, and the book's
  // next chunks, dispatched eagerly to each slot it frees, go first again (measured: 178 of 180).
  expect(fifo).toBeGreaterThanOrEqual(48);
  // In turn: about one of the book's per one of the reading's (measured: 19).
  expect(fair).toBeLessThanOrEqual(40);
  expect(fair * 3).toBeLessThan(fifo);
}, 300_000);
