// `npm start` keeps the product's promise for its own document: Ctrl-C (SIGINT to the whole process
// group, as a terminal sends it) stops it cleanly, and the same command again resumes the same
// workflow without redoing finished chunks. On its own dev server (history in the cache directory)
// and on a server TEMPORAL_ADDRESS names.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../src/temporal/dev-server.ts';
import { embeddedServerDir } from '../../src/temporal/embedded.ts';
import { numberedParagraphs } from '../helpers/documents.ts';
import { expectOneExecutionWithoutRedoneChunks } from '../helpers/history.ts';
import { exitOf, processesMentioning, runToEnd, STACK_TRACE, waitForOutput } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal.ts';

const CHUNKS = 24;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'main-job-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Job {
  env: NodeJS.ProcessEnv;
  args: string[];
  /** The job's private TMPDIR: empty after every run. */
  tmp: string;
  cache: string;
}

async function job(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Job> {
  const root = join(dir, name);
  const tmp = join(root, 'tmp');
  const cache = join(root, 'cache');
  await mkdir(tmp, { recursive: true });
  const textFile = join(root, 'text.txt');
  await writeFile(textFile, numberedParagraphs(CHUNKS, name));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TTS_ENGINE: 'simulated',
    DURABLE_TTS_CACHE: cache,
    TMPDIR: tmp,
    AUDIO_BLOB_DIR: join(root, 'blobs'),
    TSX_DISABLE_CACHE: '1', // tsx would keep its compile cache in TMPDIR
    ...extraEnv,
  };
  if (!extraEnv.TEMPORAL_ADDRESS) delete env.TEMPORAL_ADDRESS;
  // 2 chunks at a time, 1 s each: 12 s of synthesis, time enough to press Ctrl-C in the middle.
  return {
    env,
    args: ['start', '--', textFile, '--out', join(root, 'out', 'speech.wav'), '--latency-ms', '1000', '--concurrency', '2'],
    tmp,
    cache,
  };
}

/** Runs the job and presses Ctrl-C once a few chunks are done; returns its exit code and output. */
async function interrupted(run: Job) {
  const child = spawn('npm', run.args, { env: run.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  await waitForOutput(child, new RegExp(`synthesizing: ([4-9]|1\\d)/${CHUNKS} chunks`, 'u'), 180_000);
  process.kill(-child.pid!, 'SIGINT'); // the whole process group, as a terminal does
  const code = await exited;
  return { code, output };
}

function workflowIdIn(output: string): string {
  return /as workflow (\S+)/u.exec(output)![1]!;
}

function expectCleanStop(code: number | null, output: string) {
  expect(code, output).toBe(130);
  expect(output).not.toMatch(/connection refused/iu);
  expect(output).not.toMatch(STACK_TRACE);
  expect(output).not.toMatch(/\bWARN\b|\bERROR\b/u);
  const resumeLines = output.split('\n').filter((line) => /resume/u.test(line));
  expect(resumeLines, output).toHaveLength(1);
  expect(resumeLines[0]).toMatch(/^Stopped: \d+\/24 chunks done and kept; to resume, run the same command again: npm start -- /u);
}

describe('npm start: Ctrl-C, then the same command again', () => {
  it('on its own dev server: stops cleanly, leaves nothing behind, and resumes the same workflow', async () => {
    const run = await job('own-server');
    const first = await interrupted(run);
    expectCleanStop(first.code, first.output);
    const stoppedAt = Number(/Stopped: (\d+)\//u.exec(first.output)![1]);
    // Nothing in TMPDIR, no server left running, the history kept (and no longer locked).
    expect(await readdir(run.tmp)).toEqual([]);
    expect(processesMentioning(run.cache)).toEqual([]);
    const historyDir = embeddedServerDir(run.env);
    expect(existsSync(join(historyDir, 'history.sqlite'))).toBe(true);
    expect(existsSync(join(historyDir, 'lock.json'))).toBe(false);

    const second = await runToEnd('npm', run.args, run.env);
    const output = second.stdout + second.stderr;
    expect(second.code, output).toBe(0);
    expect(workflowIdIn(output)).toBe(workflowIdIn(first.output));
    const resumedAt = Number(new RegExp(`resuming: (\\d+)/${CHUNKS} chunks already done`, 'u').exec(output)?.[1]);
    expect(resumedAt, output).toBeGreaterThanOrEqual(stoppedAt);
    expect(output).toMatch(/Audio: {4}\S+speech\.wav/u);
    expect(await readdir(run.tmp)).toEqual([]);

    // Read the kept history back on a server of our own.
    const server = await startDevServer({ cliPath: process.env.TEMPORAL_CLI!, dataDir: historyDir, dbFileName: 'history.sqlite' });
    const connection = await Connection.connect({ address: server.address });
    try {
      await expectOneExecutionWithoutRedoneChunks(new Client({ connection }), workflowIdIn(output), CHUNKS);
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 300_000);
});

describe('npm start on a server TEMPORAL_ADDRESS names', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await startTestTemporal();
  });
  afterAll(async () => {
    await temporal?.teardown();
  });

  it('resumes on the same private task queue after Ctrl-C', async () => {
    const run = await job('shared-server', { TEMPORAL_ADDRESS: temporal.server.address });
    const first = await interrupted(run);
    expectCleanStop(first.code, first.output);
    expect(await readdir(run.tmp)).toEqual([]);

    const second = await runToEnd('npm', run.args, run.env);
    const output = second.stdout + second.stderr;
    expect(second.code, output).toBe(0);
    expect(workflowIdIn(output)).toBe(workflowIdIn(first.output));
    expect(output).toMatch(new RegExp(`resuming: \\d+/${CHUNKS} chunks already done`, 'u'));
    await expectOneExecutionWithoutRedoneChunks(temporal.client, workflowIdIn(output), CHUNKS);
  }, 300_000);
});

describe('npm start after a new build of the workflow code', () => {
  it('says a document left on the older build stays there, and --new speaks it again, reusing its chunks', async () => {
    const run = await job('new-build');
    // The first run is another build (as if the code had changed since): Ctrl-C in the middle.
    const first = await interrupted({ ...run, env: { ...run.env, WORKER_BUILD_ID: 'older-build' } });
    expectCleanStop(first.code, first.output);
    const stoppedAt = Number(/Stopped: (\d+)\//u.exec(first.output)![1]);

    const second = await runToEnd('npm', run.args, run.env);
    const refused = second.stdout + second.stderr;
    expect(second.code, refused).toBe(1);
    expect(refused).toMatch(
      new RegExp(`${workflowIdIn(first.output)} started on build older-build of the workflow code and stays on it`, 'u'),
    );
    expect(refused).toContain('Start it again with --new');
    expect(refused).not.toMatch(STACK_TRACE);

    // Another document meanwhile: the new build serves it, though the older one's queue still waits.
    const other = await job('new-build-other', { DURABLE_TTS_CACHE: run.cache });
    const spokenMeanwhile = await runToEnd('npm', other.args, other.env);
    expect(spokenMeanwhile.code, spokenMeanwhile.stdout + spokenMeanwhile.stderr).toBe(0);

    const third = await runToEnd('npm', [...run.args, '--new'], run.env);
    const output = third.stdout + third.stderr;
    expect(third.code, output).toBe(0);
    expect(workflowIdIn(output)).toBe(workflowIdIn(first.output));
    const reused = Number(/(\d+) reused/u.exec(output)?.[1]);
    expect(reused, output).toBeGreaterThanOrEqual(stoppedAt);
  }, 300_000);

  it('with --lexicon, re-speaks exactly the chunks that have a changed entry and keeps the words as written in the captions', async () => {
    const run = await job('lexicon');
    const root = join(dir, 'lexicon');
    const paragraphs = Array.from({ length: 6 }, (_, i) =>
      i % 3 === 1 ? `Paragraph ${i} speaks of circumvention in the ${i} lines.` : `Paragraph ${i} speaks of nothing much at all.`,
    );
    const textFile = join(root, 'lexicon.txt');
    await writeFile(textFile, paragraphs.join('\n\n'));
    const lexicon = join(root, 'lexicon.json');
    const out = join(root, 'out', 'lexicon.wav');
    const speak = async (entries: Record<string, string> | undefined) => {
      if (entries) await writeFile(lexicon, JSON.stringify(entries));
      const args = ['start', '--', textFile, '--engine', 'espeak', '--out', out, ...(entries ? ['--lexicon', lexicon] : [])];
      const result = await runToEnd('npm', args, run.env);
      const output = result.stdout + result.stderr;
      expect(result.code, output).toBe(0);
      return { reused: Number(/(\d+) reused/u.exec(output)?.[1]), output };
    };
    expect((await speak(undefined)).reused).toBe(0);
    // Two of the six chunks have the word: only they are spoken again.
    expect((await speak({ circumvention: 'sir come VEN shun' })).reused).toBe(4);
    const captions = await readFile(out.replace(/\.wav$/u, '.vtt'), 'utf8');
    expect(captions).toContain('circumvention');
    expect(captions).not.toContain('VEN shun');
    // The same entry again, and one for a word the text does not have: nothing to speak.
    expect((await speak({ circumvention: 'sir come VEN shun', zeitgeist: 'tsite guy st' })).reused).toBe(6);
    // The entry edited: its two chunks again, and only they.
    expect((await speak({ circumvention: '/sɜːkəmvˈɛnʃən/' })).reused).toBe(4);
  }, 300_000);
});
