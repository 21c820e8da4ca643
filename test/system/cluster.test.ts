// The production shape on one machine: the real Temporal server (go.temporal.io/server, not the
// dev server) on Debian's PostgreSQL with its schema set up by its own SQL tool, versitygw for S3,
// and three worker processes that share nothing but those two. A 240-chunk document runs across
// them; one worker is SIGKILLed while it holds chunks. The others take those chunks over, and the
// document lands in the bucket byte-identical to a clean run on the same server.

import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { sha256Hex } from '../../src/storage/blob-store.ts';
import { type S3Server, startS3Server } from '../../testkit/s3-server.ts';
import { startTemporalCluster, type TemporalCluster } from '../../testkit/temporal-cluster.ts';
import { sleep } from '../helpers/async.ts';
import { numberedParagraphs, referenceRun } from '../helpers/documents.ts';
import { chunkWorkers, maxInFlight } from '../helpers/history.ts';
import { uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

let cluster: TemporalCluster | undefined;
let s3: S3Server | undefined;

beforeAll(async () => {
  const started = Date.now();
  // Each kept as soon as it is up, so afterAll stops it even if the other fails to start.
  const [temporal, storage] = await Promise.allSettled([
    startTemporalCluster().then((c) => (cluster = c)),
    startS3Server().then((s) => (s3 = s)),
  ]);
  for (const outcome of [temporal, storage]) if (outcome.status === 'rejected') throw outcome.reason;
  console.log(
    `cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: Temporal ${cluster!.server.address} on PostgreSQL 127.0.0.1:${cluster!.postgres.port}, S3 ${s3!.endpoint}`,
  );
}, 900_000); // the first run builds the server, its SQL tool and versitygw

afterAll(async () => {
  killWorkerProcesses();
  await Promise.all([cluster?.teardown(), s3?.stop()]);
});

it('runs a 240-chunk document on three workers of the real server, survives a SIGKILL, and matches a clean run', async ({
  onTestFailed,
}) => {
  onTestFailed(() =>
    console.error(`the end of the Temporal server's log:\n${readFileSync(cluster!.server.logFile, 'utf8').slice(-6_000)}`),
  );
  const C = 8;
  const input: AudioDocumentInput = {
    text: numberedParagraphs(240, 'cluster'),
    engine: 'simulated',
    concurrency: C,
    engineOptions: { latencyMs: 1000 },
    output: { name: 'cluster/doc.wav' },
  };
  const { client, workerConnection, dir } = cluster!;
  const reference = await referenceRun(client, workerConnection, dir, input);
  expect(reference.chunks).toBeGreaterThanOrEqual(200);

  // Three machines: a private directory each, nothing shared but Temporal and S3.
  const taskQueue = uniqueTaskQueue('cluster');
  const machines = await Promise.all(
    ['a', 'b', 'c'].map(async (name) => {
      const own = await mkdtemp(join(dir, `machine-${name}-`));
      const env = workerProcessEnv(cluster!, taskQueue, {
        ...s3!.env,
        TTS_ENGINE: 'simulated',
        AUDIO_OUTPUT_DIR: own,
        AUDIO_BLOB_URL: 's3://cluster/chunks',
        AUDIO_OUTPUT_URL: 's3://cluster/documents',
      });
      return { dir: own, worker: await startWorkerProcess(env) };
    }),
  );
  const identity = (worker: WorkerProcess) => `${worker.child.pid}@${hostname()}`;
  const [victim] = machines.map((machine) => machine.worker);

  const runStarted = Date.now();
  const handle = await client.workflow.start('audioDocument', { args: [input], taskQueue, workflowId: uniqueTaskQueue('cluster-doc') });
  // Once every worker has finished chunks, kill one while it holds some. It is frozen (SIGSTOP)
  // first, and the server asked what it holds a second later (a completion the worker sent just
  // before it froze has landed by then), so those chunks cannot have finished before the SIGKILL.
  let orphans: string[] = [];
  while (orphans.length === 0) {
    await sleep(100);
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') throw new Error(`the document ended (${status.name}) before a worker could be killed mid-run`);
    const finishedBy = new Set(await chunkWorkers(handle));
    if (!machines.every(({ worker }) => finishedBy.has(identity(worker)))) continue;
    victim!.child.kill('SIGSTOP');
    await sleep(1_000);
    orphans = await chunksHeldBy(handle, identity(victim!));
    if (orphans.length === 0) victim!.child.kill('SIGCONT');
  }
  victim!.child.kill('SIGKILL');
  await victim!.exited;

  const result = (await handle.result()) as AudioDocumentResult;
  const clusterSeconds = (Date.now() - runStarted) / 1000;
  // Ideal: every slot busy, plus one heartbeat timeout (10 s) before the dead worker's chunks are retried.
  const ideal = (result.chunks * 1) / C + 10;
  console.log(
    `${result.chunks} chunks, C = ${C}, 1 s each, 3 workers, one SIGKILLed holding ${orphans.length}: ${clusterSeconds.toFixed(1)} s (ideal ${ideal} s, ${(clusterSeconds / ideal).toFixed(2)}x)`,
  );

  expect(result.uri).toBe('s3://cluster/documents/cluster/doc.wav');
  expect(result.sha256).toBe(reference.sha256);
  // The bytes in the bucket (versitygw keeps objects as files) are the clean run's.
  expect(sha256Hex(await readFile(join(s3!.dir, 'cluster', 'documents', 'cluster', 'doc.wav')))).toBe(reference.sha256);

  const events = (await handle.fetchHistory()).events ?? [];
  expect(new Set(await chunkWorkers(handle))).toEqual(new Set(machines.map(({ worker }) => identity(worker))));
  expect(maxInFlight(events)).toBe(C);
  // What the dead worker held was finished by a live one, in a later attempt.
  expect(orphans.length).toBeGreaterThan(0);
  for (const activityId of orphans) {
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === activityId)!;
    const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId))!
      .activityTaskStartedEventAttributes!;
    expect(started.identity).not.toBe(identity(victim!));
    expect(started.attempt).toBeGreaterThan(1);
  }
  // Nothing stayed on any machine's own disk.
  for (const machine of machines) expect(await readdir(machine.dir)).toEqual([]);
}, 600_000);

/** Activity ids of the chunks a worker has started and not finished, as the server sees it. */
async function chunksHeldBy(handle: WorkflowHandle, workerIdentity: string): Promise<string[]> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? [])
    .filter(
      (activity) =>
        activity.activityType?.name === 'synthesizeChunk' &&
        activity.state === proto.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED &&
        activity.lastWorkerIdentity === workerIdentity,
    )
    .map((activity) => activity.activityId!);
}
