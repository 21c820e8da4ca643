// The project's entry points as a user runs them: `npm run worker` and `npm start`.

import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { isProcessAlive } from '../../src/system/process-alive.ts';
import { sleep } from '../helpers/async.ts';
import { descendants, exitOf, waitForOutput } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  await temporal?.teardown();
});

describe('entry points', () => {
  it('npm run worker stops with its whole process tree when npm gets SIGTERM', async () => {
    const child = spawn('npm', ['run', 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: temporal.server.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('sigterm') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(child);
    await waitForOutput(child, /Worker polling task queue/u, 60_000);
    const tree = descendants(child.pid!);
    expect(tree.length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    await exited;
    // A graceful shutdown takes a moment: wait for it (the test's timeout bounds the wait).
    while (tree.some(isProcessAlive)) await sleep(100);
    expect(tree.filter(isProcessAlive)).toEqual([]);
  });

  it('npm start uses the server TEMPORAL_ADDRESS names instead of starting one', async () => {
    const textFile = join(temporal.dir, 'shared-server.txt');
    await writeFile(textFile, 'Spoken on a server someone else runs.');
    const out = join(temporal.dir, 'shared', 'speech.wav');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TTS_ENGINE: 'simulated',
      TEMPORAL_ADDRESS: temporal.server.address,
      AUDIO_BLOB_DIR: join(temporal.dir, 'blobs-shared'),
    };
    const child = spawn('npm', ['start', '--', textFile, '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = waitForOutput(child, /Wall time/u, 120_000);
    expect(await exitOf(child), await output).toBe(0);
    expect(await output).not.toMatch(/Temporal dev server at/u);
    const runs = [];
    for await (const run of temporal.client.workflow.list({ query: 'WorkflowType = "audioDocument"' })) runs.push(run);
    expect(runs.map((run) => run.workflowId).some((id) => id.startsWith('shared-server-'))).toBe(true);
    expect(decodeWav(await readFile(out)).samples.length).toBeGreaterThan(0);
  });

  it('npm start: two main jobs at once each speak their file into their own WAV', async () => {
    // Both keep their server history in the same cache: one has it, the other runs on a temporary one.
    const cache = join(temporal.dir, 'two-jobs-cache');
    await mkdir(cache, { recursive: true });
    const jobs = [0, 1].map(async (n) => {
      const textFile = join(temporal.dir, `text-${n}.txt`);
      await writeFile(textFile, `Title ${n}\n\nThe first job line for run ${n}.\nIt wraps here.\n\nA second paragraph.`);
      const out = join(temporal.dir, `job-${n}`, 'speech.wav');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TTS_ENGINE: 'simulated',
        AUDIO_BLOB_DIR: join(temporal.dir, `blobs-${n}`),
        DURABLE_TTS_CACHE: cache,
      };
      delete env.TEMPORAL_ADDRESS;
      const child = spawn('npm', ['start', '--', textFile, '--out', out], { env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      const output = waitForOutput(child, /Wall time/u, 120_000);
      const code = await exitOf(child);
      return { out, code, output: await output };
    });
    const finished = await Promise.all(jobs);
    const servers = finished.map(({ output }) => /Temporal dev server at (\S+),/u.exec(output)?.[1]);
    expect(new Set(servers).size, servers.join(' ')).toBe(2); // each job on a server of its own
    for (const { out, code, output } of finished) {
      expect(code, output).toBe(0);
      expect(output).toMatch(/Duration: 0 min \d+\.\d s/u);
      const audio = decodeWav(await readFile(out));
      expect(audio.samples.length).toBeGreaterThan(0);
    }
  }, 150_000); // each job may wait 120 s for its end (two dev servers starting at once on a busy machine)
});
