// The server's view of documents: audioDocument workflows read through Temporal (describe,
// queries, results, visibility). The server is one more client; it holds no state of its own.

import { createHash, randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come on the default export
import type { Static } from 'typebox';
import { olderBuildAdvice, olderBuildOf, progressWithin } from '../client/document-state.ts';
import { describeFailure } from '../client/print-result.ts';
import type { AudioDocumentResult, DocumentProgress } from '../contract/result.ts';
import { DocumentTitle } from '../contract/search-attributes.ts';
import type { AudioDocumentInput, EngineName } from '../document/input.ts';
import { titleOfDocument } from '../document/title.ts';
import { AUDIO_DOCUMENT_WORKFLOW, REMOTE_ENGINES, ttsTaskQueue } from '../workflows/definitions.ts';
import { publicResult } from './document-files.ts';
import { isPreviewId } from './previews.ts';
import { HttpProblem } from './problem.ts';
import type { DocumentDetail, DocumentSummary, Status } from './schemas.ts';

export type DocumentStatus = Static<typeof Status>;

/** How long a progress query may take before the answer goes without it (no worker polls the document's queue). */
const QUERY_TIMEOUT_MS = 3_000;
/** The list reads at most this many documents from visibility, to sort them newest first. */
export const LIST_SCAN_LIMIT = 2_000;

export class Documents {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly currentBuild?: () => Promise<string | undefined>,
    /** AUDIO_LIBRARY_DIR: documents from /v1/documents go into this audiobook library (shared with the workers). */
    readonly libraryDir?: string,
  ) {}

  /**
   * Whether some worker speaks with `engine` now. Every worker has the local engines; a remote one
   * only where its key is set, and such a worker polls the engine's own queue (its pollers are seen
   * there for a few minutes after they stop). A server that cannot tell says yes: the request then
   * waits for a worker, as it would have without the check.
   */
  async offers(engine: EngineName): Promise<boolean> {
    if (!(REMOTE_ENGINES as readonly EngineName[]).includes(engine)) return true;
    try {
      const { pollers } = await this.client.workflowService.describeTaskQueue({
        namespace: this.client.options.namespace,
        taskQueue: { name: ttsTaskQueue(this.taskQueue, engine) },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      return (pollers?.length ?? 0) > 0;
    } catch {
      return true;
    }
  }

  /**
   * Starts a document. With an idempotency key the workflow id derives from it, so a retried POST
   * finds the first one (running or finished) instead of starting a second; the same key with
   * another request (another `fingerprint`) is a conflict.
   */
  async start(
    input: AudioDocumentInput,
    title: string,
    fingerprint: string,
    idempotencyKey?: string,
  ): Promise<{ id: string; status: DocumentStatus; created: boolean }> {
    const id = idempotencyKey ? `doc-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}` : `doc-${randomUUID()}`;
    try {
      await this.client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, {
        args: [input],
        taskQueue: this.taskQueue,
        workflowId: id,
        memo: { title, fingerprint, source: title },
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return { id, status: 'running', created: true };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const earlier = await this.client.workflow.getHandle(id).describe();
      if (earlier.memo?.fingerprint !== fingerprint) throw new HttpProblem(409, 'this Idempotency-Key was used for a different request');
      return { id, status: statusOf(earlier.status.name), created: false };
    }
  }

  async detail(id: string): Promise<DocumentDetail> {
    const handle = this.client.workflow.getHandle(id);
    const description = await this.describe(handle);
    const status = statusOf(description.status.name);
    const detail: DocumentDetail = {
      id,
      title: await this.titleOf(handle, description),
      status,
      startedAt: description.startTime.toISOString(),
    };
    if (status === 'running') {
      const progress = await progressWithin(handle, QUERY_TIMEOUT_MS);
      if (progress) detail.progress = progress;
      const olderBuild = progress ? undefined : await this.leftOnOlderBuild(id, description);
      if (olderBuild) detail.olderBuild = olderBuild;
    } else if (status === 'completed') {
      const result = (await handle.result()) as AudioDocumentResult;
      detail.result = publicResult(result, id, detail.title);
      detail.progress = finishedProgress(result, description.startTime, description.closeTime);
    } else {
      detail.error = await handle.result().then(() => status, describeFailure);
    }
    return detail;
  }

  /**
   * A running document whose query no worker answered: pinned to another build than the current
   * one, it is left behind (a new POST starts it again on this build, reusing its chunks).
   */
  async leftOnOlderBuild(id: string, description?: WorkflowExecutionDescription): Promise<DocumentDetail['olderBuild']> {
    const olderBuild = await olderBuildOf(description ?? (await this.client.workflow.getHandle(id).describe()), this.currentBuild);
    if (!olderBuild) return undefined;
    const again = 'a new POST of the document (without its Idempotency-Key, or with another)';
    return { ...olderBuild, message: olderBuildAdvice(id, olderBuild, again) };
  }

  /** Status and, while it runs, progress: what a follower polls, without the title or the result. */
  async progress(id: string): Promise<{ status: DocumentStatus; progress?: DocumentProgress }> {
    const { handle, status } = await this.find(id);
    const progress = status === 'running' ? await progressWithin(handle, QUERY_TIMEOUT_MS) : undefined;
    return progress ? { status, progress } : { status };
  }

  /** A completed document's result and title (for its download names); a problem for any other state. */
  async finished(id: string): Promise<{ result: AudioDocumentResult; title: string; inLibrary: boolean }> {
    const handle = this.client.workflow.getHandle(id);
    const description = await this.describe(handle);
    const status = statusOf(description.status.name);
    if (status !== 'completed') throw new HttpProblem(409, `document ${id} is ${status}, not completed`);
    const input = await this.inputOf(handle);
    return {
      result: (await handle.result()) as AudioDocumentResult,
      title: await this.titleOf(handle, description, input),
      // Its files' names are then relative to the library, not to the output directory.
      inLibrary: input?.output?.library === true,
    };
  }

  /** A handle to a document that exists (404 otherwise), with its status. */
  async find(id: string): Promise<{ handle: WorkflowHandle; status: DocumentStatus }> {
    const handle = this.client.workflow.getHandle(id);
    return { handle, status: statusOf((await this.describe(handle)).status.name) };
  }

  async cancel(id: string): Promise<void> {
    const { handle, status } = await this.find(id);
    const refused = (now: string) => new HttpProblem(409, `document ${id} is already ${now}; only a running document can be cancelled`);
    if (status !== 'running') throw refused(status);
    try {
      await handle.cancel();
    } catch (error) {
      // It ended between the look and the cancel.
      if (error instanceof WorkflowNotFoundError) throw refused((await this.find(id)).status);
      throw error;
    }
  }

  /**
   * Documents newest first, from Temporal visibility, so documents started by any client or by the
   * `temporal` CLI are listed too. Visibility on SQL orders by close time, so the newest
   * LIST_SCAN_LIMIT are read and sorted here; `offset` pages through them.
   */
  async list(offset: number, limit: number): Promise<{ documents: DocumentSummary[]; nextOffset?: number }> {
    const executions = [];
    for await (const execution of this.client.workflow.list({ query: `WorkflowType = "${AUDIO_DOCUMENT_WORKFLOW}"` })) {
      if (isPreviewId(execution.workflowId)) continue; // a voice's sample, not a document
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
          title: await this.titleOf(handle, execution),
          status,
          startedAt: execution.startTime.toISOString(),
          ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
        };
        if (status === 'running') {
          const progress = await progressWithin(handle, QUERY_TIMEOUT_MS);
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
      if (description.type === AUDIO_DOCUMENT_WORKFLOW) return description;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    throw new HttpProblem(404, `no document with id "${handle.workflowId}"`);
  }

  /**
   * The title the workflow settled on (told by whoever started it: src/document/title.ts), as
   * `client list` shows it; before the workflow has said, the one given at start (memo); for a
   * document started elsewhere and not yet that far, the rule applied to its input.
   */
  private async titleOf(
    handle: WorkflowHandle,
    execution: Pick<WorkflowExecutionInfo, 'memo' | 'typedSearchAttributes'>,
    known?: Partial<AudioDocumentInput>,
  ): Promise<string> {
    const found = execution.typedSearchAttributes.get(DocumentTitle);
    if (found) return found;
    if (typeof execution.memo?.title === 'string' && execution.memo.title !== '') return execution.memo.title;
    const input = known ?? (await this.inputOf(handle));
    const given = typeof input?.output?.title === 'string' ? { given: input.output.title } : {};
    return typeof input?.text === 'string' ? titleOfDocument(input.text, given) : handle.workflowId;
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

function statusOf(name: string): DocumentStatus {
  switch (name) {
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return 'running'; // RUNNING, CONTINUED_AS_NEW, PAUSED
  }
}

/** A finished document's progress, from its result: no query, so no worker has to replay its history. */
function finishedProgress(result: AudioDocumentResult, startTime: Date, closeTime: Date | undefined): DocumentProgress {
  return {
    phase: 'done',
    total: result.chunks,
    done: result.chunks,
    inFlight: 0,
    failedAttempts: result.failedAttempts,
    startedAt: startTime.getTime(),
    elapsedMs: (closeTime ?? startTime).getTime() - startTime.getTime(),
  };
}
