// Worker Versioning: a document is pinned to the build it started on. When another build has
// become current while one was unfinished (its worker gone), the client and the API say so instead
// of waiting on it, and `--new` starts it again, reusing every chunk already in the store.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TtsEngine } from '../../src/engines/engine.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import { buildServer } from '../../src/server/app.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { currentBuild } from '../../src/temporal/worker-deployment.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { inProcessWorker, numberedParagraphs } from '../helpers/documents.ts';
import { runClient } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

const OLDER_BUILD = 'older-build';
const CHUNKS = 12;
const SPOKEN_BY_OLDER = 3;
let temporal: TestTemporal;
let current: AudioWorker | undefined;
let running: Promise<void> | undefined;
const taskQueue = uniqueTaskQueue('older-build');

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  current?.shutdown();
  await running;
  await current?.close();
  await temporal?.teardown();
});

/** The simulated engine, which speaks `count` chunks and then hangs until its chunk is cancelled: the document cannot end on it. */
function speaksThenHangs(count: number): TtsEngine {
  const simulated = new SimulatedEngine();
  let calls = 0;
  return {
    name: simulated.name,
    pin: (voice) => simulated.pin(voice),
    cannotServe: (pin) => simulated.cannotServe(pin),
    synthesize: async (request) => {
      if (++calls > count) await new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
      return simulated.synthesize(request);
    },
  };
}

const until = async (check: () => Promise<boolean>) => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
};

describe('an unfinished document of an older build', () => {
  it('is reported by the client and the API, and --new starts it again on the current build, reusing its chunks', async () => {
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TTS_ENGINE: 'simulated',
      AUDIO_BLOB_DIR: join(temporal.dir, taskQueue, '.chunks'),
    };
    const file = join(temporal.dir, 'older.txt');
    await writeFile(file, numberedParagraphs(CHUNKS, 'older document'));
    const flags = ['--concurrency', '2', '--latency-ms', '300'];
    const { client } = temporal;
    const buildNow = () => currentBuild(client.connection, 'default', 'durable-tts');

    // Build "older-build" starts the document and stops after a few chunks.
    const older = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, {
      buildId: OLDER_BUILD,
      engines: { simulated: speaksThenHangs(SPOKEN_BY_OLDER) },
    });
    const olderRunning = older.run();
    const detached = await runClient(['speak', file, ...flags, '--detach'], env);
    expect(detached.code, detached.stderr).toBe(0);
    const id = detached.stdout.trim();
    const handle = client.workflow.getHandle(id);
    await until(async () => (await handle.query(progressQuery)).done >= SPOKEN_BY_OLDER);

    // The current build joins the task queue; the document stays pinned to its own, and while a
    // worker of that build runs (a rolling upgrade) it goes on there and is not called left behind.
    current = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { engines: { simulated: new SimulatedEngine() } });
    running = current.run();
    const { buildId } = current.version;
    await until(async () => (await buildNow()) === buildId);
    expect((await handle.describe()).raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId).toBe(OLDER_BUILD);
    const draining = await runClient(['status', id], env);
    expect(JSON.parse(draining.stdout)).toMatchObject({ id, status: 'RUNNING', progress: { total: CHUNKS } });
    expect(draining.stdout).not.toContain('"build"');

    // Its last worker stops.
    older.shutdown();
    await olderRunning;
    await older.close();

    // The client says so, on speak (without waiting) and on status.
    const again = await runClient(['speak', file, ...flags], env);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain(
      `${id} started on build ${OLDER_BUILD} of the workflow code and stays on it, but this is build ${buildId}`,
    );
    expect(again.stderr).toContain('Start it again with --new');
    const status = await runClient(['status', id], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: 'RUNNING', build: OLDER_BUILD, note: expect.stringContaining('--new') });

    // So does the API.
    const app = await buildServer({
      client,
      taskQueue,
      outputDir: join(temporal.dir, taskQueue),
      blobStore: new LocalBlobStore(env.AUDIO_BLOB_DIR),
      currentBuild: buildNow,
    });
    try {
      const detail = (await app.inject({ method: 'GET', url: `/v1/documents/${id}` })).json();
      expect(detail).toMatchObject({ status: 'running', olderBuild: { startedOn: OLDER_BUILD, current: buildId } });
      expect(detail.progress).toBeUndefined();
      const events = await app.inject({ method: 'GET', url: `/v1/documents/${id}/events` });
      expect(events.body).toMatch(new RegExp(`^event: olderBuild\ndata: .*"startedOn":"${OLDER_BUILD}"`, 'mu'));
    } finally {
      await app.close();
    }

    // --new: the stale run is terminated, and the document is spoken again on this build, its chunks reused.
    const renewed = await runClient(['speak', file, ...flags, '--new'], env);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stderr).toContain(`terminated ${id}, left on build ${OLDER_BUILD}`);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const reused = Number(/(\d+) reused/u.exec(renewed.stdout)?.[1]);
    expect(reused).toBeGreaterThanOrEqual(SPOKEN_BY_OLDER);
    expect(reused).toBeLessThan(CHUNKS);
  });
});
