// The audioDocument workflow: chunk the text, synthesise every chunk (one at a time, or at most
// `concurrency` in flight), then stitch the chunks in order into one audio file. A book too long for
// one history is spoken in parts, one child workflow after the other (audio-document-part.ts).
// Orchestration only: every side effect happens in an activity.

import {
  ApplicationFailure,
  executeChild,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, ChunkRef, StitchInput } from '../activities/index.ts';
import type { AudioDocumentResult, DocumentProgress } from '../contract/result.ts';
import { DocumentCharacters, DocumentChunks, DocumentEngine, DocumentFormat, DocumentTitle } from '../contract/search-attributes.ts';
import {
  type AudioDocumentInput,
  defaultOutputName,
  InvalidInputError,
  type PauseSettings,
  type ResolvedDocumentInput,
  resolveDocumentInput,
} from '../document/input.ts';
import { ACX } from '../formats/acx.ts';
import type { ChapterStart } from '../formats/chapters.ts';
import type { ContentRef } from '../storage/stored-content.ts';
import { decodeBreaks } from '../text/breaks.ts';
import { type BreakAfter, chunkText } from '../text/chunker.ts';
import { MAX_PART_CHUNKS, type PartSpan } from '../text/parts.ts';
import { audioDocumentPart, type PartResult } from './audio-document-part.ts';
import { livePrefixQuery, type PartProgress, partProgressSignal, progressQuery } from './definitions.ts';
import { EtaEstimator, etaWindow } from './eta.ts';
import { type ChunkTotals, chunkTotals, type SynthesisSettings, synthesizeChunks } from './synthesize-chunks.ts';

// --- Activities ---

const { stitch } = proxyActivities<Activities>({
  // Two passes over the chunks (measure, then write), resampling in JavaScript when the output's
  // rate differs (ACX: about 90 s for 15 minutes of audio): leave room for the longest documents.
  startToCloseTimeout: '3 hours',
  // Heartbeats after every chunk written.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 }, // disk hiccups only
});

const { prepareText, readChunks } = proxyActivities<Activities>({
  // Reading and chunking a 16 MB text takes seconds; reading a part's chunks, less.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

// --- Workflow ---

/**
 * Turns the text into one audio file and returns where it is, how long it is, and how the run
 * went. Bad input fails at once, without retries, with a message naming the field.
 */
export async function audioDocument(rawInput: AudioDocumentInput): Promise<AudioDocumentResult> {
  const startedAt = Date.now();
  // Formats, loudness, captions, chapters and trimmed joins change the stitch's input: workflows
  // started before them resolve their input, stitch and stream live as they were started for.
  const listenerAudio = patched('listener-audio');
  const input = validate(rawInput, !listenerAudio);
  for (const notice of input.notices) log.warn(notice);

  // Answered from the start: a book's chunks are counted once the text is read (total 0 until then).
  const progress: DocumentProgress = { phase: 'synthesizing', total: 0, done: 0, inFlight: 0, failedAttempts: 0, startedAt, elapsedMs: 0 };
  setHandler(progressQuery, () => ({ ...progress, elapsedMs: Date.now() - startedAt }));
  // Chunks land in any order; the finished contiguous prefix can be heard while the rest renders
  // (a document in one part: a book's parts keep their refs to themselves).
  let pausesAfterMs: number[] = [];
  const finished: ChunkRef[] = [];
  let prefix = 0;
  let parts = 1;
  setHandler(livePrefixQuery, (from = 0) => ({
    total: progress.total,
    ready: prefix,
    phase: progress.phase,
    ...(parts > 1 ? { parts } : {}),
    pieces: finished.slice(from, prefix).map((ref, i) => ({ ...ref, pauseAfterMs: pausesAfterMs[from + i]! })),
    ...(input.output.sampleRate ? { sampleRate: input.output.sampleRate } : {}),
    ...(input.output.channels ? { channels: input.output.channels } : {}),
    ...(listenerAudio ? { join: joinOf(input) } : {}),
  }));

  // Books: an activity reads (stored text) and chunks the text, and a long one is spoken in parts,
  // each a child workflow. Workflows from before chunk here, in one run.
  const books = patched('books');
  const plan = books ? await preparedPlan(input) : inlinePlan(input);
  // Captions read chunk texts from the stored plan, so a chunk is one file in the store, not two.
  const textInPlan = books && patched('speech-from-plan');
  const chunkedAt = Date.now();
  const name = input.output.name ?? defaultOutputName(workflowInfo().workflowId, listenerAudio ? input.output.format : 'wav');
  // Findable later (`client list`, the UI's filters): workflows started before did not say.
  if (books && patched('search-attributes')) {
    upsertSearchAttributes([
      { key: DocumentTitle, value: documentTitle(input, plan.headings, name) },
      { key: DocumentCharacters, value: plan.characters },
      { key: DocumentChunks, value: plan.chunks },
      { key: DocumentEngine, value: input.engine },
      { key: DocumentFormat, value: input.output.format },
    ]);
  }
  progress.total = plan.chunks;
  parts = plan.parts.length;
  pausesAfterMs = plan.breaks.map((breakAfter) => pauseAfter(breakAfter, input.output.pauses));

  const eta = new EtaEstimator(plan.characters, chunkedAt, etaWindow(input.concurrency));
  let spoken: Spoken;
  if (plan.parts.length <= 1) {
    const texts = plan.texts ?? (await readChunks({ plan: plan.ref!, from: 0, to: plan.chunks }));
    const refs = await synthesizeChunks(
      texts,
      0,
      { ...input, ...(textInPlan ? { textInPlan } : {}) },
      {
        started: () => void progress.inFlight++,
        finished: (index, ref) => {
          progress.done++;
          finished[index] = ref;
          while (finished[prefix]) prefix++;
          progress.failedAttempts += ref.attempt - 1;
          const etaMs = eta.chunkFinished(texts[index]!.length, Date.now());
          if (etaMs !== undefined) progress.etaMs = etaMs;
        },
        ended: () => void progress.inFlight--,
      },
    );
    spoken = { chunks: refs, ...chunkTotals(refs) };
  } else {
    spoken = await speakInParts(plan, input, textInPlan, progress);
  }
  const synthesizedAt = Date.now();

  progress.phase = 'stitching';
  const stitched = await stitch({
    chunks: spoken.chunks,
    ...(spoken.lists ? { chunkLists: spoken.lists } : {}),
    ...(textInPlan ? { plan: plan.ref! } : {}),
    pausesAfterMs,
    output: {
      name,
      format: input.output.format,
      ...(input.output.sampleRate ? { sampleRate: input.output.sampleRate } : {}),
      ...(input.output.channels ? { channels: input.output.channels } : {}),
      ...(listenerAudio ? listenerOutput(input, plan.headings, name) : {}),
    },
  });
  const finishedAt = Date.now();
  progress.phase = 'done';

  const synthesisSec = ((synthesizedAt - chunkedAt) / 1000).toFixed(1);
  log.info(`All ${plan.chunks} chunks done in ${synthesisSec}s (${input.mode}, ${input.concurrency} concurrent)`);
  return {
    name,
    path: stitched.path,
    uri: stitched.uri,
    durationSec: stitched.durationSec,
    bytes: stitched.bytes,
    sha256: stitched.sha256,
    sampleRate: stitched.sampleRate,
    channels: stitched.channels,
    chunks: plan.chunks,
    cachedChunks: spoken.cachedChunks,
    failedAttempts: progress.failedAttempts,
    characters: spoken.characters,
    ...(spoken.predictTimeSec === undefined ? {} : { predictTimeSec: spoken.predictTimeSec }),
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
    ...(spoken.parts
      ? {
          parts: spoken.parts.length,
          historyEvents: { document: workflowInfo().historyLength, largestPart: Math.max(...spoken.parts.map((p) => p.historyEvents)) },
        }
      : {}),
  };
}

// --- Plans: what the text became, here or in an activity ---

interface DocumentPlan {
  chunks: number;
  characters: number;
  breaks: BreakAfter[];
  headings: ChapterStart[];
  parts: Array<PartSpan & { characters: number }>;
  /** Chunked here (workflows from before books): the texts. */
  texts?: string[];
  /** Chunked by prepareText: the stored plan. */
  ref?: ContentRef;
}

/** Workflows from before books: the inline text, chunked here, in one run. */
function inlinePlan(input: ResolvedDocumentInput): DocumentPlan {
  const chunks = chunkText(input.text!, { maxChunkChars: input.maxChunkChars });
  return {
    chunks: chunks.length,
    characters: chunks.reduce((sum, chunk) => sum + chunk.text.length, 0),
    breaks: chunks.map((chunk) => chunk.breakAfter),
    headings: chunks.flatMap((chunk, index) => (chunk.breakAfter === 'heading' ? [{ chunk: index, title: chunk.text.trim() }] : [])),
    parts: [{ from: 0, to: chunks.length, characters: 0 }],
    texts: chunks.map((chunk) => chunk.text),
  };
}

async function preparedPlan(input: ResolvedDocumentInput): Promise<DocumentPlan> {
  const prepared = await prepareText({
    ...(input.textRef ? { textRef: input.textRef } : { text: input.text! }),
    maxChunkChars: input.maxChunkChars,
    maxPartChunks: input.maxPartChunks ?? MAX_PART_CHUNKS,
    ...(input.links ? { links: input.links } : {}),
  });
  return { ...prepared, breaks: decodeBreaks(prepared.breaks), ref: prepared.plan };
}

// --- Parts: a book spoken by child workflows ---

interface Spoken extends ChunkTotals {
  /** In one run: every chunk's ref. */
  chunks: ChunkRef[];
  /** In parts: each part's stored list of refs, in order. */
  lists?: ContentRef[];
  parts?: PartResult[];
}

/**
 * One part after the other, each a child with the document's whole concurrency: at most C chunks
 * are ever in flight for the document, as in one run. Each part reports its progress by signal.
 */
async function speakInParts(
  plan: DocumentPlan,
  input: ResolvedDocumentInput,
  textInPlan: boolean,
  progress: DocumentProgress,
): Promise<Spoken> {
  const { engine, voice, speed, engineOptions, mode, schedule, concurrency, retry, tenant, tenantWeight } = input;
  const settings: SynthesisSettings = {
    engine,
    ...(voice ? { voice } : {}),
    ...(speed ? { speed } : {}),
    engineOptions,
    mode,
    schedule,
    concurrency,
    retry,
    ...(tenant ? { tenant, ...(tenantWeight === undefined ? {} : { tenantWeight }) } : {}),
    ...(textInPlan ? { textInPlan } : {}),
  };
  // Parts report every few dozen chunks: the ETA's window is a few reports, not chunks.
  const eta = new EtaEstimator(plan.characters, Date.now(), 4);
  const before = { done: 0, failedAttempts: 0, characters: 0 };
  let current: PartProgress = { part: 0, done: 0, inFlight: 0, failedAttempts: 0, characters: 0 };
  const report = (latest: PartProgress) => {
    const characters = latest.characters - (latest.part === current.part ? current.characters : 0);
    current = latest;
    progress.done = before.done + latest.done;
    progress.inFlight = latest.inFlight;
    progress.failedAttempts = before.failedAttempts + latest.failedAttempts;
    const etaMs = eta.chunkFinished(characters, Date.now());
    if (etaMs !== undefined) progress.etaMs = etaMs;
  };
  // A part's last signals may come after its result: only the running part's count.
  setHandler(partProgressSignal, (latest) => {
    if (latest.part === current.part) report(latest);
  });
  const parts: PartResult[] = [];
  for (const [i, span] of plan.parts.entries()) {
    const part = i + 1;
    current = { part, done: 0, inFlight: 0, failedAttempts: 0, characters: 0 };
    const result = await executeChild(audioDocumentPart, {
      args: [{ part, plan: plan.ref!, ...span, settings }],
      workflowId: `${workflowInfo().workflowId}/part-${part}`,
    });
    report({ part, done: result.chunks, inFlight: 0, failedAttempts: result.failedAttempts, characters: span.characters });
    before.done += result.chunks;
    before.failedAttempts += result.failedAttempts;
    parts.push(result);
  }
  const sum = (key: 'cachedChunks' | 'characters') => parts.reduce((total, part) => total + part[key], 0);
  const predicted = parts.filter((part) => part.predictTimeSec !== undefined);
  return {
    chunks: [],
    lists: parts.map((part) => part.list),
    parts,
    cachedChunks: sum('cachedChunks'),
    characters: sum('characters'),
    ...(predicted.length > 0 ? { predictTimeSec: predicted.reduce((total, part) => total + part.predictTimeSec!, 0) } : {}),
  };
}

// --- Helpers ---

/** How the stitcher (and so the live stream) joins the chunks. */
function joinOf({ output }: ResolvedDocumentInput) {
  return {
    trim: true,
    crossfadeMs: output.crossfadeMs,
    ...(output.preset === 'acx' ? { leadInMs: ACX.leadInMs, tailMs: ACX.tailMs } : {}),
  };
}

/** What the stitch makes of the output options: tags, chapters at the headings, loudness, joins, captions. */
/** The title tag, and what lists show: as given, else the first heading, else the file's name. */
function documentTitle({ output }: ResolvedDocumentInput, headings: ChapterStart[], name: string): string {
  return output.title ?? headings[0]?.title ?? fileStem(name);
}

function fileStem(name: string): string {
  return name.replace(/^.*\//u, '').replace(/\.\w+$/u, '');
}

function listenerOutput(input: ResolvedDocumentInput, headings: ChapterStart[], name: string): Partial<StitchInput['output']> {
  const { output } = input;
  const fileName = fileStem(name);
  const title = documentTitle(input, headings, name);
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
