// Listening while a document renders: one growing WAV response. It waits for chunk 0, sends a
// header, then the finished contiguous prefix, then each next chunk as it lands, joined exactly as
// the stitcher joins them (src/stitch/joined-pcm.ts), so the bytes heard live are the final file's.

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { wavHeader } from '../../audio/wav.ts';
import type { LivePrefix } from '../../document/result.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { loadChunkAudio } from '../../storage/chunk-audio.ts';
import { pieceBytes, type StitchFormat } from '../../stitch/joined-pcm.ts';
import { livePrefixQuery } from '../../workflows/definitions.ts';
import type { Documents } from '../documents.ts';
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
      schema: {
        summary: 'Listen while it renders',
        description:
          'A WAV stream that starts as soon as the first chunk is done and grows by each next chunk in order; it ends with the last one. ' +
          'The samples are those of the final file. A completed document redirects to its audio.',
        params: IdParams,
        querystring: TokenQuery,
        response: {
          200: { description: 'audio/wav, chunked', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
          307: { description: 'Completed: see /audio', type: 'null' },
          ...problems(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { handle, status } = await documents.find(id);
      if (status === 'completed') return reply.redirect(`/v1/documents/${encodeURIComponent(id)}/audio${tokenQuery(request.url)}`, 307);
      if (status !== 'running') throw new HttpProblem(409, 'Not running', `document ${id} is ${status}; there is nothing to listen to`);
      const prefix = () => handle.query(livePrefixQuery, 0).catch(() => undefined);
      const first = await waitForFirstChunk(prefix, async () => (await documents.find(id)).status);
      const format: StitchFormat = { sampleRate: first.sampleRate ?? first.pieces[0]!.sampleRate, channels: first.channels ?? first.pieces[0]!.channels };
      const from = (sent: number) => handle.query(livePrefixQuery, sent);
      const stillRunning = async () => (await documents.find(id)).status === 'running';
      void reply.header('Content-Type', 'audio/wav').header('Cache-Control', 'no-store').header('X-Accel-Buffering', 'no');
      return reply.send(Readable.from(liveWav(first, format, from, stillRunning, blobStore)));
    },
  );
}

async function waitForFirstChunk(prefix: () => Promise<LivePrefix | undefined>, status: () => Promise<string>): Promise<LivePrefix> {
  for (;;) {
    const live = await prefix();
    if (live === undefined) throw new HttpProblem(409, 'No live audio', 'this document runs on workflow code from before live audio; fetch its audio when it is done');
    if (live.ready > 0) return live;
    if ((await status()) !== 'running') throw new HttpProblem(409, 'Not running', 'the document stopped before its first chunk was done');
    await sleep(POLL_MS);
  }
}

async function* liveWav(
  first: LivePrefix,
  format: StitchFormat,
  from: (sent: number) => Promise<LivePrefix>,
  stillRunning: () => Promise<boolean>,
  blobStore: BlobStore,
): AsyncGenerator<Uint8Array> {
  yield wavHeader(format.sampleRate, format.channels, UNKNOWN_DATA_BYTES);
  let live = first;
  let sent = 0;
  for (;;) {
    for (const piece of live.pieces) {
      for (const bytes of pieceBytes(piece, await loadChunkAudio(blobStore, piece), format, piece.index)) yield bytes;
      sent++;
    }
    if (sent === live.total) return;
    // Nothing new: a document that stopped (failed, cancelled) ends the stream where it is.
    if (live.pieces.length === 0 && !(await stillRunning())) return;
    await sleep(POLL_MS);
    live = await from(sent);
  }
}

function tokenQuery(url: string): string {
  const token = new URL(url, 'http://x').searchParams.get('access_token');
  return token ? `?access_token=${encodeURIComponent(token)}` : '';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
