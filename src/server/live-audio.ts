// A running document's audio as it is spoken: the finished contiguous prefix of its chunks, then
// each next chunk as it lands, joined exactly as the stitcher joins them (src/stitch/joiner.ts),
// before the document's one loudness gain (known only once the whole document is). The live WAV
// route and the OpenAI-compatible speech route stream it.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryNotRegisteredError, type WorkflowHandle } from '@temporalio/client';
import type { LivePrefix } from '../contract/result.ts';
import { Joiner, NO_JOIN_EFFECTS, type StitchFormat } from '../stitch/joiner.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { loadChunkAudio } from '../storage/chunk-audio.ts';
import { livePrefixQuery } from '../workflows/definitions.ts';
import type { Documents } from './documents.ts';
import { HttpProblem } from './problem.ts';

/** How often the workflow is asked for newly finished chunks; more often for the first, which a listener waits on. */
const POLL_MS = 250;
const FIRST_POLL_MS = 100;

/** Where a running document's finished chunks are asked for, for as long as the listener is there. */
export function liveSource(documents: Documents, handle: WorkflowHandle, gone: AbortSignal): LiveSource {
  // The client adds a listener to the signal for every query and keeps it: a long stream makes many.
  setMaxListeners(0, gone);
  return {
    prefix: (from) => handle.client.withAbortSignal(gone, () => handle.query(livePrefixQuery, from)),
    running: async () => (await documents.find(handle.workflowId)).status === 'running',
    gone,
  };
}

/** The stream's format: the document's output format when its input fixes one, else its first chunk's. */
export function liveFormat(first: LivePrefix): StitchFormat {
  return { sampleRate: first.sampleRate ?? first.pieces[0]!.sampleRate, channels: first.channels ?? first.pieces[0]!.channels };
}

export interface LiveSource {
  /** The finished prefix from piece `from` on. */
  prefix(from: number): Promise<LivePrefix>;
  running(): Promise<boolean>;
  gone: AbortSignal;
}

/** Waits for chunk 0, before any byte is sent, so that problems can still be answered as such. */
export async function firstChunk(live: LiveSource, handle: WorkflowHandle): Promise<LivePrefix> {
  for (;;) {
    let prefix: LivePrefix;
    try {
      prefix = await live.prefix(0);
    } catch (error) {
      if (live.gone.aborted) throw error;
      if (error instanceof QueryNotRegisteredError) {
        throw new HttpProblem(
          409,
          `document ${handle.workflowId} runs on workflow code from before live audio; fetch its audio when it is done`,
        );
      }
      throw new HttpProblem(503, `no worker answers for document ${handle.workflowId} just now (${(error as Error).message}); try again`);
    }
    if (prefix.parts) {
      throw new HttpProblem(
        409,
        `document ${handle.workflowId} is a book spoken in ${prefix.parts} parts, which is not heard live ` +
          '(live audio plays documents of up to 1,000 chunks); its audio is at /audio once done',
      );
    }
    if (prefix.ready > 0) return prefix;
    if (!(await live.running())) throw new HttpProblem(409, `document ${handle.workflowId} stopped before its first chunk was done`);
    await sleep(FIRST_POLL_MS, undefined, { signal: live.gone });
  }
}

/** The joined samples of a running document, from its first chunk to its last, as they are spoken. */
export async function* livePcm(
  first: LivePrefix,
  format: StitchFormat,
  live: LiveSource,
  blobStore: BlobStore,
): AsyncGenerator<Int16Array> {
  const joiner = new Joiner(format, first.join ?? NO_JOIN_EFFECTS);
  let prefix = first;
  let sent = 0;
  for (;;) {
    for (const piece of prefix.pieces) {
      yield* joiner.push(piece, await loadChunkAudio(blobStore, piece));
      sent++;
    }
    if (sent === prefix.total) {
      yield* joiner.finish();
      return;
    }
    // Nothing new: a document that stopped (failed, cancelled) must not look complete to the player.
    if (prefix.pieces.length === 0 && !(await live.running())) throw new Error('the document stopped before its end');
    await sleep(POLL_MS, undefined, { signal: live.gone });
    prefix = await nextPrefix(live, sent);
  }
}

/** The next pieces; a worker restarting meanwhile (the query fails) is waited out while the document runs. */
async function nextPrefix(live: LiveSource, sent: number): Promise<LivePrefix> {
  for (;;) {
    try {
      return await live.prefix(sent);
    } catch (error) {
      if (live.gone.aborted || !(await live.running())) throw error;
      await sleep(1_000, undefined, { signal: live.gone });
    }
  }
}
