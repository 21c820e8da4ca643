// `client list`: the documents a server knows, from Temporal's visibility (search attributes and
// memo, so finished ones cost no extra call), with live progress for the running ones.

import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DocumentChunks, DocumentTitle } from '../contract/search-attributes.ts';
import { AUDIO_DOCUMENT_WORKFLOW } from '../workflows/definitions.ts';
import { progressWithin } from './document-state.ts';

export interface ListedDocument {
  id: string;
  title?: string;
  /** Temporal's status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT. */
  status: string;
  /** Chunks done and in all; done is known for running documents whose worker answers, and for completed ones. */
  done?: number;
  total?: number;
  startedAt: string;
  /** Workflow time so far (running) or in all (closed). */
  durationMs: number;
  /** The file its text came from. */
  source?: string;
}

export type ListFilter = 'all' | 'running' | 'finished';

export async function listDocuments(client: Client, filter: ListFilter = 'all', now = Date.now()): Promise<ListedDocument[]> {
  const status = { all: '', running: " AND ExecutionStatus = 'Running'", finished: " AND ExecutionStatus != 'Running'" }[filter];
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${AUDIO_DOCUMENT_WORKFLOW}'${status}` }))
    executions.push(execution);
  return Promise.all(
    executions.map(async (execution) => {
      const running = execution.status.name === 'RUNNING';
      const total = execution.typedSearchAttributes.get(DocumentChunks);
      const progress = running ? await progressWithin(client.workflow.getHandle(execution.workflowId), 2_000) : undefined;
      const title = execution.typedSearchAttributes.get(DocumentTitle) ?? (execution.memo?.title as string | undefined);
      const source = execution.memo?.source as string | undefined;
      return {
        id: execution.workflowId,
        ...(title ? { title } : {}),
        status: execution.status.name,
        ...(progress
          ? { done: progress.done, total: progress.total }
          : execution.status.name === 'COMPLETED' && total !== undefined
            ? { done: total, total }
            : total !== undefined
              ? { total }
              : {}),
        startedAt: execution.startTime.toISOString(),
        durationMs: (execution.closeTime?.getTime() ?? now) - execution.startTime.getTime(),
        ...(source ? { source } : {}),
      };
    }),
  );
}

/** One line per document, newest first, as a table. */
export function documentTable(documents: ListedDocument[]): string {
  const rows = documents.map((d) => [
    d.id,
    d.status.toLowerCase(),
    d.total === undefined ? '' : `${d.done ?? '?'}/${d.total}`,
    `${Math.round(d.durationMs / 1000)} s`,
    d.startedAt.replace('T', ' ').replace(/\.\d+Z$/u, 'Z'),
    d.title ?? d.source ?? '',
  ]);
  const header = ['ID', 'STATUS', 'CHUNKS', 'TIME', 'STARTED', 'TITLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}
