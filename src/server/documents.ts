// The server's view of documents: audioDocument workflows read through Temporal (describe,
// queries, results, visibility). The server is one more client; it holds no state of its own.

import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { describeFailure } from '../client/print-result.ts';
import type { AudioDocumentInput } from '../document/input.ts';
import type { AudioDocumentResult, DocumentProgress } from '../document/result.ts';
import { AUDIO_DOCUMENT_WORKFLOW, progressQuery } from '../workflows/definitions.ts';
import { HttpProblem } from './problem.ts';

export const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;
export type DocumentStatus = (typeof STATUSES)[number];

/** How long a query may take before the answer goes without progress (a worker may be down). */
const QUERY_TIMEOUT_MS = 3_000;
/** The list reads at most this many documents from visibility, to sort them newest first. */
export const LIST_SCAN_LIMIT = 2_000;

export interface DocumentSummary {
  id: string;
  title: string;
  status: DocumentStatus;
  startedAt: string;
  closedAt?: string;
  progress?: DocumentProgress;
  /** Seconds of audio, once completed. */
  durationSec?: number;
}

export interface DocumentDetail {
  id: string;
  title: string;
  status: DocumentStatus;
  startedAt: string;
  progress?: DocumentProgress;
  result?: AudioDocumentResult;
  error?: string;
}

export class Documents {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts a document. With an idempotency key the workflow id derives from it, so a retried POST
   * finds the first one (running or finished) instead of starting a second; the same key with
   * another request is a conflict.
   */
  async start(input: AudioDocumentInput, title: string, idempotencyKey?: string): Promise<{ id: string; created: boolean }> {
    const inputHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const id = idempotencyKey ? `doc-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}` : `doc-${randomUUID()}`;
    try {
      await this.client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, {
        args: [input],
        taskQueue: this.taskQueue,
        workflowId: id,
        memo: { title, inputHash },
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return { id, created: true };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const { memo } = await this.client.workflow.getHandle(id).describe();
      if (memo?.inputHash !== inputHash) {
        throw new HttpProblem(409, 'Idempotency-Key reused', 'this Idempotency-Key was used for a different request');
      }
      return { id, created: false };
    }
  }

  async detail(id: string): Promise<DocumentDetail> {
    const handle = this.client.workflow.getHandle(id);
    const description = await this.describe(handle);
    const status = statusOf(description.status.name);
    const detail: DocumentDetail = {
      id,
      title: await this.titleOf(handle, description.memo),
      status,
      startedAt: description.startTime.toISOString(),
    };
    const progress = await queryProgress(handle);
    if (progress) detail.progress = progress;
    if (status === 'completed') detail.result = (await handle.result()) as AudioDocumentResult;
    else if (status !== 'running') detail.error = await handle.result().then(() => status, describeFailure);
    return detail;
  }

  /** The result of a completed document; a problem for any other state. */
  async result(id: string): Promise<AudioDocumentResult> {
    const handle = this.client.workflow.getHandle(id);
    const status = statusOf((await this.describe(handle)).status.name);
    if (status !== 'completed') throw new HttpProblem(409, 'Not completed', `document ${id} is ${status}, not completed`);
    return (await handle.result()) as AudioDocumentResult;
  }

  /** A handle to a document that exists (404 otherwise), with its status. */
  async find(id: string): Promise<{ handle: WorkflowHandle; status: DocumentStatus }> {
    const handle = this.client.workflow.getHandle(id);
    return { handle, status: statusOf((await this.describe(handle)).status.name) };
  }

  async cancel(id: string): Promise<DocumentStatus> {
    const { handle, status } = await this.find(id);
    if (status !== 'running') throw new HttpProblem(409, 'Not running', `document ${id} is already ${status}; only a running document can be cancelled`);
    await handle.cancel();
    return status;
  }

  /**
   * Documents newest first, from Temporal visibility, so documents started by any client or by the
   * `temporal` CLI are listed too. Visibility on SQL orders by close time, so the newest
   * LIST_SCAN_LIMIT are read and sorted here; `offset` pages through them.
   */
  async list(offset: number, limit: number): Promise<{ documents: DocumentSummary[]; nextOffset?: number }> {
    const executions = [];
    for await (const execution of this.client.workflow.list({ query: `WorkflowType = "${AUDIO_DOCUMENT_WORKFLOW}"` })) {
      executions.push(execution);
      if (executions.length >= LIST_SCAN_LIMIT) break;
    }
    executions.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
    const page = executions.slice(offset, offset + limit);
    const documents = await Promise.all(
      page.map(async (execution): Promise<DocumentSummary> => {
        const handle = this.client.workflow.getHandle(execution.workflowId, execution.runId);
        const status = statusOf(execution.status.name);
        const summary: DocumentSummary = {
          id: execution.workflowId,
          title: await this.titleOf(handle, execution.memo),
          status,
          startedAt: execution.startTime.toISOString(),
          ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
        };
        if (status === 'running') {
          const progress = await queryProgress(handle);
          if (progress) summary.progress = progress;
        }
        if (status === 'completed') summary.durationSec = ((await handle.result()) as AudioDocumentResult).durationSec;
        return summary;
      }),
    );
    return { documents, ...(offset + limit < executions.length ? { nextOffset: offset + limit } : {}) };
  }

  async ready(): Promise<void> {
    await this.client.workflowService.getSystemInfo({});
  }

  private async describe(handle: WorkflowHandle) {
    try {
      const description = await handle.describe();
      if (description.type !== AUDIO_DOCUMENT_WORKFLOW) throw new WorkflowNotFoundError('not a document', handle.workflowId, undefined);
      return description;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpProblem(404, 'Unknown document', `no document with id "${handle.workflowId}"`);
      throw error;
    }
  }

  /** The title given at start (memo); for documents started elsewhere, the first line of their text. */
  private async titleOf(handle: WorkflowHandle, memo: Record<string, unknown> | undefined): Promise<string> {
    if (typeof memo?.title === 'string') return memo.title;
    const input = await this.inputOf(handle);
    return typeof input?.text === 'string' ? titleFromText(input.text) : handle.workflowId;
  }

  /** The workflow's input, from the first event of its history (one event, not the whole history). */
  private async inputOf(handle: WorkflowHandle): Promise<Partial<AudioDocumentInput> | undefined> {
    const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.client.options.namespace,
      execution: { workflowId: handle.workflowId },
      maximumPageSize: 1,
    });
    const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    try {
      return payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;
    } catch {
      return undefined; // an input in another encoding: the id stands in for the title
    }
  }
}

/** The first non-empty line of a text, shortened: what a list shows for a document. */
export function titleFromText(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function statusOf(name: string): DocumentStatus {
  const status = name.toLowerCase();
  if (status === 'continued_as_new') return 'running';
  return (STATUSES as readonly string[]).includes(status) ? (status as DocumentStatus) : 'running';
}

async function queryProgress(handle: WorkflowHandle): Promise<DocumentProgress | undefined> {
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), QUERY_TIMEOUT_MS).unref());
  return Promise.race([handle.query(progressQuery).catch(() => undefined), timeout]);
}
