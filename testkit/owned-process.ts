// A server process a tool of ours started (versitygw, PostgreSQL, the Temporal server): stopped
// with a signal when asked (SIGKILL if it takes too long), and SIGKILLed, its scratch directory
// removed, if this process exits first, so none outlives a test.

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const STOP_TIMEOUT_MS = 20_000;

export interface OwnedProcess {
  /** Resolves when it has exited, for whatever reason (also when it could not start). */
  exited: Promise<void>;
  /** True once it has exited. */
  hasExited(): boolean;
  /** How it ended ("exit 1", "SIGKILL", or why it could not start), once it has. */
  howItEnded(): string;
  /** Sends the stop signal unless it has exited, and waits for the exit. */
  stop(): Promise<void>;
}

export function ownProcess(child: ChildProcess, options: { signal?: NodeJS.Signals; scratchDir?: string } = {}): OwnedProcess {
  let failedToSpawn: Error | undefined;
  const hasExited = () => child.exitCode !== null || child.signalCode !== null || failedToSpawn !== undefined;
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (error) => {
      failedToSpawn = error; // no exit event follows a failed spawn
      done();
    });
  });
  const onOurExit = () => {
    child.kill('SIGKILL');
    if (options.scratchDir) rmSync(options.scratchDir, { recursive: true, force: true });
  };
  process.once('exit', onOurExit);
  void exited.then(() => process.off('exit', onOurExit));
  return {
    exited,
    hasExited,
    howItEnded: () => (failedToSpawn ? `could not start: ${failedToSpawn.message}` : (child.signalCode ?? `exit ${child.exitCode}`)),
    async stop() {
      if (hasExited()) return;
      child.kill(options.signal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
