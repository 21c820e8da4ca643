// The audioDocument workflow: chunk the text, synthesise every chunk (one at a time, or at most
// `concurrency` in flight), then stitch the chunks in order into one audio file.
// Orchestration only: every side effect happens in an activity.

import { ApplicationFailure, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, ChunkRef, StitchInput } from '../activities/index.ts';
import { defaultOutputName, InvalidInputError, resolveDocumentInput, type AudioDocumentInput, type PauseSettings, type ResolvedDocumentInput, type RetryOptions } from '../document/input.ts';
import type { AudioDocumentResult, DocumentProgress } from '../document/result.ts';
import { ACX } from '../formats/acx.ts';
import { chunkText, type BreakAfter, type TextChunk } from '../text/chunker.ts';
import { livePrefixQuery, progressQuery, ttsTaskQueue } from './definitions.ts';
import { EtaEstimator, etaWindow } from './eta.ts';
import { runBatches, runWindow } from './run-limited.ts';

// --- Activities ---

/** synthesizeChunk's options; the retry numbers (DEFAULT_RETRY) can be overridden per document (input.retry). */
function synthesisActivities(taskQueue: string, retry: Required<RetryOptions>) {
  return proxyActivities<Activities>({
    taskQueue,
    // A chunk is a few hundred characters: even a cold remote model finishes within minutes.
    startToCloseTimeout: '10 minutes',
    // The activity heartbeats every second; a crashed worker's chunk is retried after 10 s, not 10 min.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: ['InvalidInputError', 'EngineUnavailable'],
    },
  });
}

const { stitch } = proxyActivities<Activities>({
  // Two passes over the chunks (measure, then write), resampling in JavaScript when the output's
  // rate differs (ACX: about 90 s for 15 minutes of audio): leave room for the longest documents.
  startToCloseTimeout: '3 hours',
  // Heartbeats after every chunk written.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 }, // disk hiccups only
});

// --- Workflow ---

/**
 * Turns `input.text` into one audio file and returns where it is, how long it is, and how the
 * run went. Bad input fails at once, without retries, with a message naming the field.
 */
export async function audioDocument(rawInput: AudioDocumentInput): Promise<AudioDocumentResult> {
  const startedAt = Date.now();
  // Formats, loudness, captions, chapters and trimmed joins change the stitch's input: workflows
  // started before them resolve their input, stitch and stream live as they were started for.
  const listenerAudio = patched('listener-audio');
  const input = validate(rawInput, !listenerAudio);
  input.notices.forEach((notice) => log.warn(notice));
  const { synthesizeChunk } = synthesisActivities(ttsTaskQueue(workflowInfo().taskQueue, input.engine), input.retry);

  const chunks = chunkText(input.text, { maxChunkChars: input.maxChunkChars });
  const chunkedAt = Date.now();
  const progress: DocumentProgress = {
    phase: 'synthesizing',
    total: chunks.length,
    done: 0,
    inFlight: 0,
    failedAttempts: 0,
    startedAt,
    elapsedMs: chunkedAt - startedAt,
  };
  setHandler(progressQuery, () => ({ ...progress, elapsedMs: Date.now() - startedAt }));

  // Chunks land in any order; the finished contiguous prefix can be heard while the rest renders.
  const pausesAfterMs = chunks.map((chunk) => pauseAfter(chunk.breakAfter, input.output.pauses));
  const finished: ChunkRef[] = [];
  let prefix = 0;
  setHandler(livePrefixQuery, (from = 0) => ({
    total: chunks.length,
    ready: prefix,
    phase: progress.phase,
    pieces: finished.slice(from, prefix).map((ref, i) => ({ ...ref, pauseAfterMs: pausesAfterMs[from + i]! })),
    ...(input.output.sampleRate ? { sampleRate: input.output.sampleRate } : {}),
    ...(input.output.channels ? { channels: input.output.channels } : {}),
    ...(listenerAudio ? { join: joinOf(input) } : {}),
  }));

  const eta = new EtaEstimator(chunks.reduce((sum, chunk) => sum + chunk.text.length, 0), chunkedAt, etaWindow(input.concurrency));
  const synthesizeOne = async (index: number): Promise<ChunkRef> => {
    progress.inFlight++;
    try {
      const { engine, voice, speed, engineOptions } = input;
      const ref = await synthesizeChunk({ index, text: chunks[index]!.text, engine, ...(voice ? { voice } : {}), ...(speed ? { speed } : {}), engineOptions });
      progress.done++;
      finished[index] = ref;
      while (finished[prefix]) prefix++;
      progress.failedAttempts += ref.attempt - 1;
      const etaMs = eta.chunkFinished(chunks[index]!.text.length, Date.now());
      if (etaMs !== undefined) progress.etaMs = etaMs;
      return ref;
    } finally {
      progress.inFlight--;
    }
  };
  const run = input.mode === 'parallel' && input.schedule === 'batch' ? runBatches : runWindow;
  const refs = await run(chunks.length, input.concurrency, synthesizeOne);
  const synthesizedAt = Date.now();

  progress.phase = 'stitching';
  const name = input.output.name ?? defaultOutputName(workflowInfo().workflowId, listenerAudio ? input.output.format : 'wav');
  const stitched = await stitch({
    chunks: refs,
    pausesAfterMs,
    output: {
      name,
      format: input.output.format,
      ...(input.output.sampleRate ? { sampleRate: input.output.sampleRate } : {}),
      ...(input.output.channels ? { channels: input.output.channels } : {}),
      ...(listenerAudio ? listenerOutput(input, chunks, name) : {}),
    },
  });
  const finishedAt = Date.now();
  progress.phase = 'done';

  const synthesisSec = ((synthesizedAt - chunkedAt) / 1000).toFixed(1);
  log.info(`All ${chunks.length} chunks done in ${synthesisSec}s (${input.mode}, ${input.concurrency} concurrent)`);
  return {
    name,
    path: stitched.path,
    uri: stitched.uri,
    durationSec: stitched.durationSec,
    bytes: stitched.bytes,
    sha256: stitched.sha256,
    sampleRate: stitched.sampleRate,
    channels: stitched.channels,
    chunks: chunks.length,
    cachedChunks: refs.filter((ref) => ref.cached).length,
    failedAttempts: progress.failedAttempts,
    characters: refs.filter((ref) => !ref.cached).reduce((sum, ref) => sum + ref.characters, 0),
    ...predictTime(refs),
    timings: {
      synthesisMs: synthesizedAt - chunkedAt,
      stitchMs: finishedAt - synthesizedAt,
      totalMs: finishedAt - startedAt,
    },
    mode: input.mode,
    concurrency: input.concurrency,
    notices: input.notices,
    schedule: input.schedule,
    engine: input.engine,
    ...(listenerAudio ? { format: input.output.format, artifacts: stitched.artifacts ?? [], chapters: stitched.chapters ?? [] } : {}),
    ...(stitched.loudness ? { loudness: stitched.loudness } : {}),
    ...(stitched.acx ? { acx: stitched.acx } : {}),
  };
}

// --- Helpers ---

/** How the stitcher (and so the live stream) joins the chunks. */
function joinOf({ output }: ResolvedDocumentInput) {
  return { trim: true, crossfadeMs: output.crossfadeMs, ...(output.preset === 'acx' ? { leadInMs: ACX.leadInMs, tailMs: ACX.tailMs } : {}) };
}

/** What the stitch makes of the output options: tags, chapters at the headings, loudness, joins, captions. */
function listenerOutput({ output }: ResolvedDocumentInput, chunks: TextChunk[], name: string): Partial<StitchInput['output']> {
  const headings = chunks.flatMap((chunk, index) => (chunk.breakAfter === 'heading' ? [{ chunk: index, title: chunk.text.trim() }] : []));
  const fileName = name.replace(/^.*\//u, '').replace(/\.\w+$/u, '');
  const title = output.title ?? headings[0]?.title ?? fileName;
  // What comes before the first heading is a chapter of its own, under the document's (or file's) name.
  const chapters = headings.length > 0 && headings[0]!.chunk > 0 ? [{ chunk: 0, title: output.title ?? fileName }, ...headings] : headings;
  return {
    ...(output.bitrateKbps ? { bitrateKbps: output.bitrateKbps } : {}),
    title,
    ...(output.author ? { author: output.author } : {}),
    trim: true,
    crossfadeMs: output.crossfadeMs,
    ...(output.loudness ? { loudness: output.loudness } : {}),
    ...(output.preset === 'acx' ? { acx: true } : {}),
    ...(output.split ? { split: output.split } : {}),
    captions: output.captions,
    chapters,
  };
}

/** Invalid input can never succeed: fail the workflow (not just this task) and do not retry. */
function validate(rawInput: AudioDocumentInput, legacyOutput: boolean) {
  try {
    return resolveDocumentInput(rawInput, { legacyOutput });
  } catch (error) {
    if (error instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidInputError');
    throw error;
  }
}

/** Provider hardware seconds for the chunks synthesised in this run, when the engine reports them. */
function predictTime(refs: ChunkRef[]): { predictTimeSec?: number } {
  const reported = refs.filter((ref) => ref.predictTimeSec !== undefined);
  return reported.length === 0 ? {} : { predictTimeSec: reported.reduce((sum, ref) => sum + ref.predictTimeSec!, 0) };
}

function pauseAfter(breakAfter: BreakAfter, pauses: PauseSettings): number {
  switch (breakAfter) {
    case 'word':
      return pauses.wordMs;
    case 'clause':
      return pauses.clauseMs;
    case 'sentence':
      return pauses.sentenceMs;
    case 'paragraph':
      return pauses.paragraphMs;
    case 'heading':
      return pauses.headingMs;
    case 'end':
      return 0;
  }
}
