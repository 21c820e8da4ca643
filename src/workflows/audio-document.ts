// The audioDocument workflow: chunk the text, synthesise every chunk (one at a time, or at most
// `concurrency` in flight), then stitch the chunks in order into one audio file. A book too long for
// one history is spoken in parts, one child workflow after the other (speak-in-parts.ts).
// Orchestration only: every side effect happens in an activity, and every mapping in a pure module.

import {
  ApplicationFailure,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PreparedText } from '../activities/index.ts';
import type { AudioDocumentResult } from '../contract/result.ts';
import { MAX_PART_CHUNKS } from '../contract/text-limits.ts';
import {
  type AudioDocumentInput,
  defaultOutputName,
  type EnginePin,
  InvalidInputError,
  type ResolvedDocumentInput,
  resolveDocumentInput,
} from '../document/input.ts';
import { pausesAfter } from '../document/pauses.ts';
import { decodeBreaks } from '../text/breaks.ts';
import { livePrefixQuery, progressQuery, REMOTE_ENGINES, ttsTaskQueue } from './definitions.ts';
import { documentSearchAttributes } from './document-attributes.ts';
import { DocumentProgressTracker } from './document-progress.ts';
import { documentResult, partTotals } from './document-result.ts';
import { readPlanChunks } from './plan-chunks.ts';
import { speakInParts } from './speak-in-parts.ts';
import { StitchAhead } from './stitch-ahead.ts';
import { joinOf, type SpokenChunks, stitchRequest } from './stitch-request.ts';
import { chunkTotals, type SynthesisSettings, synthesisSettings, synthesizeChunks } from './synthesize-chunks.ts';

// --- Activities ---

const { prepareText } = proxyActivities<Activities>({
  // Reading and chunking a 16 MB text takes seconds; reading a part's chunks, less.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

// The same, as local activities: on the workflow's own worker, inside its workflow task, with no
// server round trip before the first chunk (an inline text is at most MAX_TEXT_CHARS, chunked in
// well under a second; a run's chunk texts are one read of the store).
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

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
 * Turns the text into one audio file and returns where it is, how long it is, and how the run
 * went. Bad input fails at once, without retries, with a message naming the field.
 */
export async function audioDocument(rawInput: AudioDocumentInput): Promise<AudioDocumentResult> {
  const startedAt = Date.now();
  const input = validInput(rawInput);
  for (const notice of input.notices) log.warn(notice);
  const { sampleRate, channels } = input.output;
  const tracker = new DocumentProgressTracker(startedAt, { sampleRate, channels, join: joinOf(input) });
  setHandler(progressQuery, () => tracker.snapshot(Date.now()));
  setHandler(livePrefixQuery, (from = 0) => tracker.livePrefix(from));

  // An activity reads (a stored text) and chunks the text; the plan goes to the store. Meanwhile the
  // engine is pinned, unless the client did it: every chunk is then spoken by that model version.
  // An inline text is chunked by a local activity (no round trip); a stored one may be 16 MB.
  const prepare = input.textRef ? prepareText : local.prepareText;
  const [{ run, ...plan }, pin] = await Promise.all([
    prepare({
      ...(input.textRef ? { textRef: input.textRef } : { text: input.text! }),
      maxChunkChars: input.maxChunkChars,
      ...(input.firstChunkChars ? { firstChunkChars: input.firstChunkChars } : {}),
      maxPartChunks: input.maxPartChunks ?? MAX_PART_CHUNKS,
      ...(input.links ? { links: input.links } : {}),
      ...(input.dialogueVoice ? { dialogueVoice: input.dialogueVoice } : {}),
      ...(input.chapterVoices ? { chapterVoices: input.chapterVoices } : {}),
    }),
    input.pin ?? pinEngine(input),
  ]);
  tracker.pinned(pin);
  const chunkedAt = Date.now();
  const name = input.output.name ?? defaultOutputName(workflowInfo().workflowId, input.output.format);
  upsertSearchAttributes(documentSearchAttributes(input, plan, name)); // findable in `client list` and the UI
  const pausesAfterMs = pausesAfter(decodeBreaks(plan.breaks), input.output.pauses);
  for (const [chunk, ms] of plan.cast?.pauses ?? []) pausesAfterMs[chunk] = ms; // [pause:…] tags: exactly that
  tracker.planned(plan, pausesAfterMs, input.concurrency, chunkedAt);

  const request = (spoken: SpokenChunks) => stitchRequest(input, plan, spoken, pausesAfterMs, name, pin.voice);
  // One run's first chunks are stitched while its last ones are spoken (a book's parts are not).
  const ahead =
    plan.parts.length <= 1
      ? StitchAhead.of(plan.chunks, (refs) => ({ ...request({ chunks: refs }), pausesAfterMs: pausesAfterMs.slice(0, refs.length) }))
      : undefined;
  const spoken =
    plan.parts.length <= 1
      ? await speakInOneRun(plan, run, synthesisSettings(input, pin), tracker, ahead)
      : await speakInParts(plan, synthesisSettings(input, pin), tracker);
  const synthesizedAt = Date.now();

  tracker.phase = 'stitching';
  const aheadToken = await ahead?.token();
  const stitched = await stitch({ ...request(spoken), ...(aheadToken ? { ahead: aheadToken } : {}) });
  const finishedAt = Date.now();
  tracker.phase = 'done';
  log.info(
    `All ${plan.chunks} chunks done in ${((synthesizedAt - chunkedAt) / 1000).toFixed(1)}s (${input.mode}, ` +
      `${input.concurrency} concurrent)`,
  );

  return documentResult({
    input,
    pin,
    name,
    chunks: plan.chunks,
    ...('parts' in spoken ? { spoken: partTotals(spoken.parts), parts: spoken.parts } : { spoken: chunkTotals(spoken.chunks) }),
    failedAttempts: tracker.failedAttempts,
    stitched,
    timings: { synthesisMs: synthesizedAt - chunkedAt, stitchMs: finishedAt - synthesizedAt, totalMs: finishedAt - startedAt },
    historyEvents: workflowInfo().historyLength,
  });
}

// --- Helpers ---

/** A document short enough for one history: every chunk from this workflow, its refs kept here (heard live). */
async function speakInOneRun(
  plan: PreparedText,
  run: PreparedText['run'],
  settings: SynthesisSettings,
  tracker: DocumentProgressTracker,
  ahead?: StitchAhead,
) {
  // The texts came with the plan; a history from before they did reads them back (and replays as it ran).
  const { texts, voices } =
    run ??
    (await readPlanChunks(
      { readChunks: local.readChunks, readCastChunks: local.readCastChunks },
      { plan: plan.plan, from: 0, to: plan.chunks },
      !!plan.cast,
    ));
  const chunks = await synthesizeChunks({ texts, ...(voices ? { voices } : {}) }, 0, settings, {
    started: () => tracker.chunkStarted(),
    finished: (index, ref) => {
      tracker.chunkFinished(index, ref, texts[index]!.length, Date.now());
      ahead?.finished(index, ref);
    },
    ended: () => tracker.chunkEnded(),
  });
  return { chunks };
}

/**
 * The engine's model and version as a worker of that engine has them now (Replicate: "latest" resolved). A local engine runs
 * beside the workflow and its pin is pure: a local activity. A remote engine's is asked on its own queue.
 */
function pinEngine({ engine, voice, retry }: ResolvedDocumentInput): Promise<EnginePin> {
  const options = {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: retry.initialIntervalMs, maximumInterval: retry.maximumIntervalMs, maximumAttempts: retry.maximumAttempts },
  } as const;
  const remote = (REMOTE_ENGINES as readonly string[]).includes(engine);
  const { pinEngine } = remote
    ? proxyActivities<Activities>({ ...options, taskQueue: ttsTaskQueue(workflowInfo().taskQueue, engine) })
    : proxyLocalActivities<Activities>(options);
  return pinEngine({ engine, ...(voice ? { voice } : {}) });
}

/** Invalid input can never succeed: fail the workflow (not just this task) and do not retry. */
function validInput(rawInput: AudioDocumentInput): ResolvedDocumentInput {
  try {
    return resolveDocumentInput(rawInput);
  } catch (error) {
    if (error instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidInputError');
    throw error;
  }
}
