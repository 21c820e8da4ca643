// Small documents and helpers shared by the durability suites.

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { type AudioWorker, type AudioWorkerOptions, createAudioWorker } from '../../src/temporal/audio-worker.ts';
import { uniqueTaskQueue } from './temporal.ts';

/** `count` one-sentence paragraphs, one chunk each, whose text tells their index and document. */
export function numberedParagraphs(count: number, tag = 'document'): string {
  return Array.from({ length: count }, (_, i) => `Paragraph number ${i} of the ${tag} speaks here.`).join('\n\n');
}

/** An in-process worker on `taskQueue`, writing under `dir/taskQueue` (output) and its `.chunks` (store). */
export function inProcessWorker(
  connection: NativeConnection,
  dir: string,
  taskQueue: string,
  options: Partial<AudioWorkerOptions> = {},
): Promise<AudioWorker> {
  const outputDir = join(dir, taskQueue);
  return createAudioWorker({
    connection,
    namespace: 'default',
    taskQueue,
    outputDir,
    blobLocation: join(outputDir, '.chunks'),
    maxConcurrentActivities: 20,
    espeakThreads: 1,
    ...options,
  });
}

/** The WAV an undisturbed run makes of `input` (simulated engine, in-process worker, own queue and store). */
export async function referenceRun(
  client: Client,
  connection: NativeConnection,
  dir: string,
  input: AudioDocumentInput,
): Promise<AudioDocumentResult> {
  const taskQueue = uniqueTaskQueue('reference');
  const worker = await inProcessWorker(connection, dir, taskQueue, { engines: { simulated: new SimulatedEngine() } });
  const clean: AudioDocumentInput = { ...input, engineOptions: { ...input.engineOptions, latencyMs: 0, jitterMs: 0, failureRate: 0 } };
  return worker.runUntil(() =>
    client.workflow.execute('audioDocument', { args: [clean], taskQueue, workflowId: uniqueTaskQueue('reference-doc') }),
  ) as Promise<AudioDocumentResult>;
}
