// Listening while a document renders: one growing WAV response. It waits for chunk 0, sends a
// header, then the finished contiguous prefix, then each next chunk as it lands, joined exactly as
// the stitcher joins them (src/stitch/joiner.ts): the samples heard live are the final file's,
// before its one loudness gain (known only once the whole document is).

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { encodeStream } from '../../formats/stream-encoder.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { Documents } from '../documents.ts';
import { firstChunk, liveFormat, livePcm, liveSource } from '../live-audio.ts';
import { clientGone } from '../polling.ts';
import { HttpProblem } from '../problem.ts';
import { IdParams, problems, TokenQuery } from '../schemas.ts';

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
      const live = liveSource(documents, handle, clientGone(reply));
      const first = await firstChunk(live, handle);
      const format = liveFormat(first);
      void reply.header('Content-Type', 'audio/wav').header('Cache-Control', 'no-store').header('X-Accel-Buffering', 'no');
      return reply.send(encodeStream(livePcm(first, format, live, blobStore), format, 'wav'));
    },
  );
}

function tokenQuery(url: string): string {
  const token = new URL(url, 'http://x').searchParams.get('access_token');
  return token ? `?access_token=${encodeURIComponent(token)}` : '';
}
