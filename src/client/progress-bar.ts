// Follows a running document through its progress query and draws a bar (or plain lines when
// the output is not a terminal, e.g. in CI logs).

import type { WorkflowHandle } from '@temporalio/client';
import cliProgress from 'cli-progress';
import type { DocumentProgress } from '../contract/result.ts';
import { progressQuery } from '../workflows/definitions.ts';

const POLL_MS = 250;

export interface FollowOptions {
  stream?: NodeJS.WriteStream;
  /** Stops following: the bar is closed and followProgress rejects with the signal's reason (the main job on Ctrl-C). */
  signal?: AbortSignal;
}

export async function followProgress<T>(
  handle: WorkflowHandle,
  result: Promise<T>,
  { stream = process.stderr, signal }: FollowOptions = {},
): Promise<T> {
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        {
          format: '{bar} {value}/{total} chunks | {inFlight} in flight | {failed} retries | {elapsed} | ETA {eta} | {phase}',
          stream,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let finished = false;
  let lastLine = '';
  const settled = result.finally(() => (finished = true));
  settled.catch(() => undefined); // handled by the caller
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  while (!finished && !signal?.aborted) {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) {
      if (bar) drawBar(bar, progress);
      else lastLine = printLine(progress, lastLine, stream);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled.catch(() => undefined), aborted, new Promise((r) => (timer = setTimeout(r, POLL_MS)))]);
    clearTimeout(timer);
  }
  if (bar && !signal?.aborted) {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) drawBar(bar, progress);
  }
  bar?.stop();
  if (signal?.aborted) throw signal.reason ?? new Error('stopped following the document');
  return result;
}

function drawBar(bar: cliProgress.SingleBar, progress: DocumentProgress): void {
  const payload = {
    inFlight: progress.inFlight,
    failed: progress.failedAttempts,
    elapsed: seconds(Date.now() - progress.startedAt),
    eta: progress.etaMs === undefined ? '?' : seconds(progress.etaMs),
    phase: progress.phase,
  };
  if (bar.getTotal() !== progress.total) bar.start(progress.total, progress.done, payload);
  else bar.update(progress.done, payload);
}

function printLine(progress: DocumentProgress, lastLine: string, stream: NodeJS.WriteStream): string {
  const line =
    `${progress.phase}: ${progress.done}/${progress.total} chunks, ` + `${progress.inFlight} in flight, ${progress.failedAttempts} retries`;
  if (line !== lastLine) stream.write(`${line}\n`);
  return line;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
