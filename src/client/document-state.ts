// Where a document stands, told the same way by `client status`, `client speak`, `client cancel`
// and the main job: the engine's words for a failure, the progress of a run, and whether the audio
// file of a finished run is still there.

import { type WorkflowExecutionStatusName, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import type { AudioDocumentResult, DocumentProgress } from '../contract/result.ts';
import { outputSize } from '../storage/output-reader.ts';
import { progressQuery } from '../workflows/definitions.ts';
import { describeFailure } from './print-result.ts';

export type DocumentState =
  | { status: 'RUNNING'; progress?: DocumentProgress }
  | { status: 'COMPLETED'; result: AudioDocumentResult; fileExists: boolean }
  /** FAILED, CANCELLED, TERMINATED, TIMED_OUT, ...: `reason` is the innermost cause (the engine's or validator's words). */
  | { status: Exclude<WorkflowExecutionStatusName, 'RUNNING' | 'COMPLETED'>; reason: string };

/** Undefined when no document has this id. */
export async function documentState(handle: WorkflowHandle, queryTimeoutMs = 5_000): Promise<DocumentState | undefined> {
  let status: WorkflowExecutionStatusName;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  if (status === 'RUNNING') {
    const progress = await progressWithin(handle, queryTimeoutMs);
    return progress ? { status, progress } : { status };
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

/** "42/197 chunks already done" */
export function chunksDone(progress: DocumentProgress): string {
  return `${progress.done}/${progress.total} chunks already done`;
}

export function missingFileAdvice(workflowId: string, path: string): string {
  return `${workflowId} was spoken earlier, but its audio file ${path} is gone (looked on this machine). Speak it again with --new (chunks still in the store are reused).`;
}
