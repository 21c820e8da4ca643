// A server process a tool of ours started (versitygw, PostgreSQL, the Temporal server): stopped
// with a signal when asked, and SIGKILLed if this process exits first, so none outlives a test.

import type { ChildProcess } from 'node:child_process';

export interface OwnedProcess {
  /** Resolves when it has exited, for whatever reason. */
  exited: Promise<void>;
  /** True once it has exited. */
  hasExited(): boolean;
  /** Sends `signal` unless it has exited, and waits for the exit. */
  stop(): Promise<void>;
}

export function ownProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): OwnedProcess {
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<void>((done) => (hasExited() ? done() : child.once('exit', () => done())));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    exited,
    hasExited,
    async stop() {
      if (!hasExited()) child.kill(signal);
      await exited;
    },
  };
}
