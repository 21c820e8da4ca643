// Who owns SIGINT/SIGTERM in an embedded process: this module, not the SDK's Runtime.
//
// The SDK's Runtime would shut workers down on SIGINT/SIGTERM by itself, and the terminal's Ctrl-C
// would reach the dev server too (it is in our process group unless told otherwise). Then the
// server dies first and the worker floods the terminal with "Connection refused" while it tries to
// report its chunks. So the Runtime gets no signals, the dev server runs in a process group of its
// own, and a signal only resolves `requested`; the caller then stops the worker, the connections
// and our server, in that order.

import { constants } from 'node:os';
import { DefaultLogger, IllegalStateError, Runtime } from '@temporalio/worker';

/**
 * npm forwards the terminal's SIGINT to its child, which already got it from the terminal: one
 * Ctrl-C arrives twice within milliseconds. A signal later than this after the first one means
 * "stop now".
 */
const REPEATED_SIGNAL_MS = 1_000;

/** 130 for SIGINT, 143 for SIGTERM: what a shell reports for a process ended by that signal. */
export function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 1);
}

/** Our logger and no shutdown signals for the SDK (see the top of this file). */
export function installRuntime(): void {
  try {
    // Warnings only: the worker logs every state change at INFO, which would break up the progress bar.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch (error) {
    // Someone installed it before us; their settings stand (close() works with either).
    if (!(error instanceof IllegalStateError)) throw error;
  }
}

export interface StopListener {
  requested: Promise<string>;
  /** The first signal, once one arrived. */
  signal?: string;
  remove(): void;
}

/** The first SIGINT/SIGTERM resolves `requested`; another one more than a moment later exits at once. */
export function listenForStop(log: (line: string) => void): StopListener {
  let firstAt: number | undefined;
  let resolveRequested!: (signal: string) => void;
  const listener: StopListener = {
    requested: new Promise<string>((resolve) => (resolveRequested = resolve)),
    remove: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  function onSignal(signal: NodeJS.Signals) {
    if (firstAt === undefined) {
      firstAt = Date.now();
      listener.signal = signal;
      resolveRequested(signal);
    } else if (Date.now() - firstAt > REPEATED_SIGNAL_MS) {
      // The 'exit' handlers still kill our server and release the history.
      log(`${signal} again: stopping at once (chunks in flight are made again on the next run)`);
      process.exit(signalExitCode(signal));
    }
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return listener;
}
