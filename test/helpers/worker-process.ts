// Runs `src/worker.ts` as a child process, as production does, so tests can SIGKILL it.

import { spawn, type ChildProcess } from 'node:child_process';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with its exit code (or the signal that ended it). */
  exited: Promise<number | string | null>;
}

/** Starts a worker and resolves once it polls. Kill leftovers with `child.kill('SIGKILL')`. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
