// The project's entry points as a user runs them: `npm run worker` and `npm start`.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.ts';
import { sleep } from '../helpers/async.ts';
import { startTestTemporal, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal.ts';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  await temporal?.teardown();
});

/** Every process below `pid` (children, grandchildren, ...). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString();
  const pairs = out.trim().split('\n').map((line) => line.trim().split(/\s+/u).map(Number) as [number, number]);
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of pairs) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${seen}`)), timeoutMs);
    const onData = (data: Buffer) => {
      seen += data.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

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
    while (tree.some(isAlive)) await sleep(100);
    expect(tree.filter(isAlive)).toEqual([]);
  });

  it('npm start uses the server TEMPORAL_ADDRESS names instead of starting one', async () => {
    const textFile = join(temporal.dir, 'shared-server.txt');
    await writeFile(textFile, 'Spoken on a server someone else runs.');
    const out = join(temporal.dir, 'shared', 'speech.wav');
    const env: NodeJS.ProcessEnv = { ...process.env, TTS_ENGINE: 'simulated', TEMPORAL_ADDRESS: temporal.server.address, AUDIO_BLOB_DIR: join(temporal.dir, 'blobs-shared') };
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
    const jobs = [0, 1].map(async (n) => {
      const textFile = join(temporal.dir, `text-${n}.txt`);
      await writeFile(textFile, `Title ${n}\n\nThe first job line for run ${n}.\nIt wraps here.\n\nA second paragraph.`);
      const out = join(temporal.dir, `job-${n}`, 'speech.wav');
      const env: NodeJS.ProcessEnv = { ...process.env, TTS_ENGINE: 'simulated', AUDIO_BLOB_DIR: join(temporal.dir, `blobs-${n}`) };
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
  });
});
