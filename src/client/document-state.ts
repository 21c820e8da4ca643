// Where a document stands, told the same way by `client status`, `client speak`, `client cancel`
// and the main job: the engine's words for a failure, the progress of a run, and whether the audio
// file of a finished run is still there.

import {
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { AudioDocumentResult, DocumentProgress } from '../contract/result.ts';
import { outputSize } from '../storage/output-reader.ts';
import { pinnedBuild } from '../temporal/worker-deployment.ts';
import { progressQuery } from '../workflows/definitions.ts';
import { describeFailure } from './print-result.ts';

export type DocumentState =
  /** `olderBuild`: pinned to a build that is not the current one, and no worker of its build answered. */
  | { status: 'RUNNING'; progress?: DocumentProgress; olderBuild?: OlderBuild }
  | { status: 'COMPLETED'; result: AudioDocumentResult; fileExists: boolean }
  /** FAILED, CANCELLED, TERMINATED, TIMED_OUT, ...: `reason` is the innermost cause (the engine's or validator's words). */
  | { status: Exclude<WorkflowExecutionStatusName, 'RUNNING' | 'COMPLETED'>; reason: string };

export interface OlderBuild {
  /** The build the document started on (it is pinned to it), and the current one. */
  startedOn: string;
  current: string;
}

export interface StateOptions {
  /** The build new documents start on (the main job: its own worker's); absent, no build is compared. */
  currentBuild?: () => Promise<string | undefined>;
  queryTimeoutMs?: number;
}

/** Undefined when no document has this id. */
export async function documentState(
  handle: WorkflowHandle,
  { currentBuild, queryTimeoutMs = 5_000 }: StateOptions = {},
): Promise<DocumentState | undefined> {
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  const status = description.status.name;
  if (status === 'RUNNING') {
    // Pinned to another build, a document still goes on where a worker of that build runs (a
    // rolling upgrade): only when none answers is it left behind.
    const progress = await progressWithin(handle, queryTimeoutMs);
    if (progress) return { status, progress };
    const olderBuild = await olderBuildOf(description, currentBuild);
    return { status, ...(olderBuild ? { olderBuild } : {}) };
  }
  if (status === 'COMPLETED') {
    const result = (await handle.result()) as AudioDocumentResult;
    // An S3 output is there for anyone with the bucket's keys; a path is on the worker that
    // stitched it, so for a client on another machine this says "gone".
    return { status, result, fileExists: (await outputSize(result.uri)) !== undefined };
  }
  // result() waits for a closed run; a PAUSED one (or a status this SDK does not know) would hang it.
  const closed = ['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'].includes(status);
  return { status, reason: closed ? await handle.result().then(() => status.toLowerCase(), describeFailure) : status.toLowerCase() };
}

/** The progress query, or undefined if no worker answers it within `timeoutMs` (none running). */
export async function progressWithin(handle: WorkflowHandle, timeoutMs: number): Promise<DocumentProgress | undefined> {
  // Aborted, not abandoned: a call left running would outlive a connection closed meanwhile.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await handle.client.withAbortSignal(controller.signal, () => handle.query(progressQuery));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** A running document pinned to another build than the current one. */
/** Call it when no worker answered the document's query. */
export async function olderBuildOf(
  description: WorkflowExecutionDescription,
  currentBuild: StateOptions['currentBuild'],
): Promise<OlderBuild | undefined> {
  const startedOn = pinnedBuild(description);
  if (!startedOn || !currentBuild) return undefined;
  const current = await currentBuild();
  return current && current !== startedOn ? { startedOn, current } : undefined;
}

/** `startAgain`: how this interface starts a document anew (the command line's `--new`, the API's new POST). */
export function olderBuildAdvice(workflowId: string, { startedOn, current }: OlderBuild, startAgain = '--new'): string {
  return (
    `${workflowId} started on build ${startedOn} of the workflow code and stays on it, but this is build ${current}, and no worker ` +
    `of build ${startedOn} answers: it goes on only where one runs. ` +
    `Start it again with ${startAgain} (chunks already in the store are reused).`
  );
}

/** "42/197 chunks already done" */
export function chunksDone(progress: DocumentProgress): string {
  return `${progress.done}/${progress.total} chunks already done`;
}

export function missingFileAdvice(workflowId: string, path: string): string {
  return (
    `${workflowId} was spoken earlier, but its audio file ${path} is gone (looked on this machine). ` +
    'Speak it again with --new (chunks still in the store are reused).'
  );
}
