// Starts an audioDocument run, or finds the one already started for the same document.

import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { AudioDocumentInput } from '../document/input.ts';
import { AUDIO_DOCUMENT_WORKFLOW } from '../workflows/definitions.ts';

export interface StartedDocument {
  handle: WorkflowHandle;
  /** False when a run of this document was already going, or had succeeded. */
  started: boolean;
}

export async function startDocument(client: Client, input: AudioDocumentInput, taskQueue: string, workflowId: string): Promise<StartedDocument> {
  const running = await client.workflow
    .getHandle(workflowId)
    .describe()
    .then((d) => d.status.name === 'RUNNING', () => false);
  try {
    const handle = await client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, {
      args: [input],
      taskQueue,
      workflowId,
      // Attach to a run in progress; after a success return it; after a failure start again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return { handle, started: !running };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle(workflowId), started: false };
    }
    throw error;
  }
}
