// Listening while a document renders: one growing WAV response. It waits for chunk 0, sends a
// header, then the finished contiguous prefix, then each next chunk as it lands, joined exactly as
// the stitcher joins them (src/stitch/joiner.ts): the samples heard live are the final file's,
// before its one loudness gain (known only once the whole document is).

import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryNotRegisteredError, type WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { int16Bytes, wavHeader } from '../../audio/wav.ts';
import type { LivePrefix } from '../../contract/result.ts';
import { Joiner, NO_JOIN_EFFECTS, type StitchFormat } from '../../stitch/joiner.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { loadChunkAudio } from '../../storage/chunk-audio.ts';
import { livePrefixQuery } from '../../workflows/definitions.ts';
import type { Documents } from '../documents.ts';
import { clientGone } from '../polling.ts';
import { HttpProblem } from '../problem.ts';
import { IdParams, problems, TokenQuery } from '../schemas.ts';

/** How often the workflow is asked for newly finished chunks. */
const POLL_MS = 250;
/** The header's data size while the length is unknown: players read on until the stream ends. */
const UNKNOWN_DATA_BYTES = 0x7fff_fff0;

export function liveRoutes(app: FastifyInstance, documents: Documents, blobStore: BlobStore): void {
  app.get(
    '/documents/:id/live',
    {
      // A HEAD would render the whole stream with nobody listening.
      exposeHeadRoute: false,
      schema: {
        summary: 'Listen while it renders',
        description:
          'A WAV stream that starts as soon as the first chunk is done and grows by each next chunk in order; it ends with the last one. ' +
          'The samples are those of the final file before its loudness normalisation (one gain for the whole document). ' +
          'A document that fails or is cancelled ends the stream abruptly (an incomplete transfer). ' +
          'A completed document redirects to its audio.',
        params: IdParams,
        querystring: TokenQuery,
        response: {
          200: { description: 'audio/wav, chunked', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
          307: { description: 'Completed: see /audio', type: 'null' },
          ...problems(401, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { handle, status } = await documents.find(id);
      if (status === 'completed') return reply.redirect(`/v1/documents/${encodeURIComponent(id)}/audio${tokenQuery(request.url)}`, 307);
      if (status !== 'running') throw new HttpProblem(409, `document ${id} is ${status}; there is nothing to listen to`);
      const gone = clientGone(reply);
      const live: LiveSource = {
        prefix: (from) => handle.client.withAbortSignal(gone, () => handle.query(livePrefixQuery, from)),
        running: async () => (await documents.find(id)).status === 'running',
        gone,
      };
      const first = await firstChunk(live, handle);
      const format: StitchFormat = {
        sampleRate: first.sampleRate ?? first.pieces[0]!.sampleRate,
        channels: first.channels ?? first.pieces[0]!.channels,
      };
      void reply.header('Content-Type', 'audio/wav').header('Cache-Control', 'no-store').header('X-Accel-Buffering', 'no');
      return reply.send(Readable.from(liveWav(first, format, live, blobStore)));
    },
  );
}

interface LiveSource {
  /** The finished prefix from piece `from` on. */
  prefix(from: number): Promise<LivePrefix>;
  running(): Promise<boolean>;
  gone: AbortSignal;
}

/** Waits for chunk 0, before any byte is sent, so that problems can still be answered as such. */
async function firstChunk(live: LiveSource, handle: WorkflowHandle): Promise<LivePrefix> {
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
    await sleep(POLL_MS, undefined, { signal: live.gone });
  }
}

async function* liveWav(first: LivePrefix, format: StitchFormat, live: LiveSource, blobStore: BlobStore): AsyncGenerator<Uint8Array> {
  yield wavHeader(format.sampleRate, format.channels, UNKNOWN_DATA_BYTES);
  const joiner = new Joiner(format, first.join ?? NO_JOIN_EFFECTS);
  let prefix = first;
  let sent = 0;
  for (;;) {
    for (const piece of prefix.pieces) {
      for (const samples of joiner.push(piece, await loadChunkAudio(blobStore, piece))) yield int16Bytes(samples);
      sent++;
    }
    if (sent === prefix.total) {
      for (const samples of joiner.finish()) yield int16Bytes(samples);
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

function tokenQuery(url: string): string {
  const token = new URL(url, 'http://x').searchParams.get('access_token');
  return token ? `?access_token=${encodeURIComponent(token)}` : '';
}
