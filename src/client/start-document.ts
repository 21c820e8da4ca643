// Starts an audioDocument run, or finds the one already started for the same document, and says
// which it did: "resuming: 42/197 chunks already done", a failed run started again with the reason
// it failed, a finished one whose audio file is gone.

import type { Client, WorkflowHandle, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AudioDocumentResult } from '../contract/result.ts';
import type { DocumentMemo } from '../contract/search-attributes.ts';
import type { AudioDocumentInput } from '../document/input.ts';
import type { DeploymentVersion } from '../temporal/worker-deployment.ts';
import { AUDIO_DOCUMENT_WORKFLOW } from '../workflows/definitions.ts';
import { chunksDone, type DocumentState, documentState, missingFileAdvice, olderBuildAdvice } from './document-state.ts';

export interface StartOptions {
  /**
   * After a success whose audio file is gone: 'restart' makes it again under the same id (the main
   * job, whose worker is ours), 'refuse' throws, suggesting --new (a client, whose worker may be
   * on another machine).
   */
  whenFileGone: 'restart' | 'refuse';
  /** Start anew under the same id even if a run is going (it is terminated) or succeeded (the main job's --new). */
  replace?: boolean;
  /** Where the text came from, kept with the run (lists show it). */
  memo?: DocumentMemo;
  /** The build new documents start on: a run pinned to another is not attached to (it may never go on). */
  currentBuild?: () => Promise<string | undefined>;
  /** Pin the new run to this build (the main job: its own worker's), whichever build the server has as current. */
  pinTo?: DeploymentVersion;
}

export interface StartedDocument {
  handle: WorkflowHandle;
  /** True: a new run; false: the run already going, or the earlier success (then `result` is set). */
  started: boolean;
  /** An earlier success whose file is still there. */
  result?: AudioDocumentResult;
  /** What was there before under this id. */
  earlier?: DocumentState;
  /** What happened, for the user; undefined for the plain first start. */
  message?: string;
}

export async function startDocument(
  client: Client,
  input: AudioDocumentInput,
  taskQueue: string,
  workflowId: string,
  options: StartOptions,
): Promise<StartedDocument> {
  const existing = client.workflow.getHandle(workflowId);
  const earlier = options.replace
    ? undefined
    : await documentState(existing, options.currentBuild ? { currentBuild: options.currentBuild } : {});
  if (earlier?.status === 'RUNNING' && earlier.olderBuild) throw new Error(olderBuildAdvice(workflowId, earlier.olderBuild));
  if (earlier?.status === 'RUNNING') {
    const message = earlier.progress ? `resuming: ${chunksDone(earlier.progress)}` : 'resuming the run already under way';
    return { handle: existing, started: false, earlier, message };
  }
  const fileGone = earlier?.status === 'COMPLETED' && !earlier.fileExists;
  if (earlier?.status === 'COMPLETED') {
    if (earlier.fileExists) {
      const message = 'already spoken by an earlier run (--new speaks it again)';
      return { handle: existing, started: false, result: earlier.result, earlier, message };
    }
    if (options.whenFileGone === 'refuse') throw new Error(missingFileAdvice(workflowId, earlier.result.path));
  }
  const policies: { workflowIdConflictPolicy: WorkflowIdConflictPolicy; workflowIdReusePolicy: WorkflowIdReusePolicy } = options.replace
    ? { workflowIdConflictPolicy: 'TERMINATE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE' }
    : fileGone
      ? { workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE' }
      : // A run started by someone else since we looked is attached to, not doubled.
        { workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' };
  const handle = await client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, {
    args: [input],
    taskQueue,
    workflowId,
    ...policies,
    ...(options.memo ? { memo: { ...options.memo } } : {}),
    ...(options.pinTo ? { versioningOverride: { pinnedTo: options.pinTo } } : {}),
  });
  const message = startedMessage(earlier, options.replace);
  return { handle, started: true, ...(earlier ? { earlier } : {}), ...(message ? { message } : {}) };
}

/**
 * `client speak --new` starts a document under a new id: a run of the same document left on an
 * older build (which may never go on) is terminated, so that lists do not show it running forever.
 */
export async function retireOlderBuildRun(
  client: Client,
  workflowId: string,
  replacementId: string,
  currentBuild: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const state = await documentState(client.workflow.getHandle(workflowId), { currentBuild });
  if (state?.status !== 'RUNNING' || !state.olderBuild) return undefined;
  await client.workflow.getHandle(workflowId).terminate(`started again as ${replacementId} on build ${state.olderBuild.current} (--new)`);
  return `terminated ${workflowId}, left on build ${state.olderBuild.startedOn}`;
}

function startedMessage(earlier: DocumentState | undefined, replace?: boolean): string | undefined {
  if (replace) return 'starting anew (--new; chunks still in the store are reused)';
  if (!earlier) return undefined;
  if (earlier.status === 'COMPLETED') {
    return `the audio file of the earlier run, ${earlier.result.path}, is gone: making it again (chunks still in the store are reused)`;
  }
  const reason = 'reason' in earlier && earlier.reason !== earlier.status.toLowerCase() ? ` (${earlier.reason})` : '';
  return `the earlier run ${ENDED[earlier.status] ?? `ended ${earlier.status.toLowerCase()}`}${reason}: starting it again`;
}

const ENDED: Partial<Record<string, string>> = {
  FAILED: 'failed',
  CANCELLED: 'was cancelled',
  TERMINATED: 'was terminated',
  TIMED_OUT: 'timed out',
};
