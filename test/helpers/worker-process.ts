// Runs `src/worker.ts` as a child process, as production does, so tests can SIGKILL it.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestTemporal } from './temporal.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with its exit code (or the signal that ended it). */
  exited: Promise<number | string | null>;
}

const started = new Set<ChildProcess>();

/** Where worker processes connect: a test's dev server, or the cluster's real server. */
export type WorkerTarget = { server: Pick<TestTemporal['server'], 'address'>; dir: string };

/**
 * The environment of a worker process of `taskQueue` on the test server, writing under
 * `dir/taskQueue`, with its own chunk store and no Replicate token (unless `extra` sets them).
 */
export function workerProcessEnv(temporal: WorkerTarget, taskQueue: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUDIO_OUTPUT_DIR: join(temporal.dir, taskQueue),
  };
  delete env.AUDIO_BLOB_DIR;
  delete env.AUDIO_BLOB_URL;
  delete env.AUDIO_OUTPUT_URL;
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  delete env.REPLICATE_API_TOKEN;
  return { ...env, ...extra };
}

/** Starts a worker and resolves once it polls. `killWorkerProcesses()` ends every one still running. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  const chunks: string[] = [];
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const worker: WorkerProcess = { child, output: () => chunks.join(''), exited };
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      chunks.push(data.toString());
      if (/Worker polling/u.test(worker.output())) resolve(worker);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`worker exited with ${code} before polling:\n${worker.output()}`)));
  });
}

/** SIGKILLs every worker process this test file started (for afterAll). */
export function killWorkerProcesses(): void {
  started.forEach((child) => child.kill('SIGKILL'));
  started.clear();
}
