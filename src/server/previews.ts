// Voice previews: a short sample of a voice, made once by the workers as an audioDocument workflow
// like any other (the server has no engines) and kept in the output directory's previews/ folder.
// The workflow id derives from the engine, the voice and the text, so requests for the same voice,
// at once or later, share one run and one file.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { documentState } from '../client/document-state.ts';
import { describeFailure } from '../client/print-result.ts';
import { documentWorkflowId } from '../client/workflow-id.ts';
import type { AudioDocumentResult } from '../contract/result.ts';
import { type AudioDocumentInput, type EngineName, resolveDocumentInput } from '../document/input.ts';
import { outputSize } from '../storage/output-reader.ts';
import { AUDIO_DOCUMENT_WORKFLOW } from '../workflows/definitions.ts';
import { artifactLocation, artifactsOf } from './document-files.ts';
import { HttpProblem } from './problem.ts';

/** Two short sentences: long enough to hear a voice's pace and pitch, short enough to make in seconds. */
export const PREVIEW_TEXT = 'Hello. This is how I sound, reading a book aloud.';
export const PREVIEW_FOLDER = 'previews';
/** Previews are samples, not documents: the list leaves them out. */
export const isPreviewId = (id: string) => /^preview-[0-9a-f]{16}$/u.test(id);
/** How long a request waits for a preview being made; after it, 503 with Retry-After (the run goes on). */
export const DEFAULT_PREVIEW_WAIT_MS = 60_000;
const RETRY_AFTER_SECONDS = 5;

export interface PreviewFile {
  /** A path in the output directory, or an s3:// URI. */
  path: string;
  size: number;
  etag: string;
}

/** The preview's document on a task queue: its input (the file's name included) and its workflow id. */
export function previewDocument(engine: EngineName, voice: string, taskQueue: string): { input: AudioDocumentInput; workflowId: string } {
  // A plain name is kept for whoever lists the folder; a blend or an eSpeak path ("gmw/en-US") is not a safe file name.
  const readable = /^[\w.-]{1,64}$/u.test(voice) ? voice : 'voice';
  const key = createHash('sha256').update(`${engine}\0${voice}\0${PREVIEW_TEXT}`).digest('hex').slice(0, 12);
  const input: AudioDocumentInput = {
    text: PREVIEW_TEXT,
    engine,
    voice,
    output: {
      name: `${PREVIEW_FOLDER}/${engine}-${readable}-${key}.mp3`,
      format: 'mp3',
      captions: false,
      title: `${voice} (${engine})`.slice(0, 200),
    },
  };
  // The queue too: deployments that share a namespace keep their own previews, in their own output directories.
  return { input, workflowId: documentWorkflowId('preview', input, { scope: taskQueue }) };
}

export class Previews {
  private readonly root: string;
  /** Tags of files already hashed, by path: a file is hashed again only if it changed. */
  private readonly etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    outputDir: string,
    private readonly currentBuild?: () => Promise<string | undefined>,
    private readonly waitMs = DEFAULT_PREVIEW_WAIT_MS,
  ) {
    this.root = resolve(outputDir);
  }

  /** The preview of a voice (spelt as the engine spells it: checkVoice), made first if it is not there. */
  async file(engine: EngineName, voice: string): Promise<PreviewFile> {
    const { input, workflowId } = previewDocument(engine, voice, this.taskQueue);
    resolveDocumentInput(input); // a voice no document could have (a space in it) is a 400, and nothing starts
    // Made before, in the directory this server shares with the workers: no need to ask Temporal.
    const local = resolve(this.root, input.output!.name!);
    const etag = await this.etagOf(local);
    if (etag) return { path: local, ...etag };
    return this.fileOf(workflowId, await this.waitFor(await this.startOrJoin(input, workflowId), engine, voice));
  }

  /** The run under this id: the one going, or a new one when there is none or the last one's file is gone. */
  private async startOrJoin(input: AudioDocumentInput, workflowId: string): Promise<WorkflowHandle | AudioDocumentResult> {
    const existing = this.client.workflow.getHandle(workflowId);
    const state = await documentState(existing, this.currentBuild ? { currentBuild: this.currentBuild } : {});
    if (state?.status === 'COMPLETED' && state.fileExists) return state.result; // in S3, or written where we do not look
    if (state?.status === 'RUNNING' && !state.olderBuild) return existing;
    try {
      return await this.client.workflow.start(AUDIO_DOCUMENT_WORKFLOW, {
        args: [input],
        taskQueue: this.taskQueue,
        workflowId,
        memo: { title: `Preview of ${input.voice} (${input.engine})`, source: 'preview' },
        // A run left on an older build may never go on: a preview has no one to keep it for.
        workflowIdConflictPolicy: state?.status === 'RUNNING' ? 'TERMINATE_EXISTING' : 'USE_EXISTING',
        // A new run after a failure or a lost file; none after a success another request saw first.
        workflowIdReusePolicy: state ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (error) {
      // Another request started it and it finished since we looked.
      if (error instanceof WorkflowExecutionAlreadyStartedError) return existing;
      throw error;
    }
  }

  private async waitFor(run: WorkflowHandle | AudioDocumentResult, engine: EngineName, voice: string): Promise<AudioDocumentResult> {
    if (!('workflowId' in run)) return run;
    // Aborted, not abandoned: the long poll would otherwise outlive the request.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.waitMs);
    try {
      return (await run.client.withAbortSignal(controller.signal, () => run.result())) as AudioDocumentResult;
    } catch (error) {
      if (controller.signal.aborted) {
        throw new HttpProblem(503, `the preview of ${voice} (${engine}) is still being made; ask again in a few seconds`, undefined, {
          'Retry-After': String(RETRY_AFTER_SECONDS),
        });
      }
      throw new HttpProblem(502, `the preview of ${voice} (${engine}) could not be made: ${describeFailure(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fileOf(workflowId: string, result: AudioDocumentResult): Promise<PreviewFile> {
    const path = artifactLocation(artifactsOf(result, workflowId)[0]!, workflowId, this.root);
    const size = await outputSize(path);
    if (size !== result.bytes) {
      throw new HttpProblem(
        502,
        `the preview was made as ${result.uri}, but this server cannot read it there (its output directory is ${this.root})`,
      );
    }
    return { path, size, etag: `"${result.sha256}"` };
  }

  /** Its size and tag (the sha256, as the documents' audio has), or undefined when there is no file. */
  private async etagOf(path: string): Promise<{ size: number; etag: string } | undefined> {
    const stats = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stats) return undefined;
    const known = this.etags.get(path);
    if (known?.size === stats.size && known.mtimeMs === stats.mtimeMs) return { size: stats.size, etag: known.etag };
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    const etag = `"${hash.digest('hex')}"`;
    this.etags.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, etag });
    return { size: stats.size, etag };
  }
}
