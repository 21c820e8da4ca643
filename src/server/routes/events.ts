// Server-Sent Events: a document's progress as it changes, then one `done` event with the outcome,
// so no client has to poll.

import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Documents } from '../documents.ts';
import { clientGone } from '../polling.ts';
import { IdParams, problems, TokenQuery } from '../schemas.ts';

/** How often the server asks the workflow; clients get an event only when something changed. */
const POLL_MS = 500;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export function eventRoutes(app: FastifyInstance, documents: Documents): void {
  app.get(
    '/documents/:id/events',
    {
      // A HEAD would run the stream with nobody reading it.
      exposeHeadRoute: false,
      schema: {
        summary: 'Follow a document (Server-Sent Events)',
        description:
          '`event: progress` with the progress query each time it changes; ' +
          'then `event: done` with `{ status, result?, error? }`, and the stream ends. ' +
          'A running document left on an older build (no worker of its build answers) ' +
          'ends the stream with `event: olderBuild` (`{ startedOn, current, message }`).',
        params: IdParams,
        querystring: TokenQuery,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } },
          ...problems(401, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      await documents.find(id); // 404 before the stream starts
      void reply
        .header('Content-Type', 'text/event-stream; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        .header('X-Accel-Buffering', 'no');
      return reply.send(Readable.from(progressEvents(documents, id, clientGone(reply))));
    },
  );
}

async function* progressEvents(documents: Documents, id: string, gone: AbortSignal): AsyncGenerator<string> {
  let last = '';
  let lastSent = Date.now();
  while (!gone.aborted) {
    // Polled: status and progress only; the title and result are read once, at the end.
    const { status, progress: current } = await documents.progress(id);
    const progress = JSON.stringify(current ?? null);
    if (current && progress !== last) {
      yield `event: progress\ndata: ${progress}\n\n`;
      last = progress;
      lastSent = Date.now();
    }
    const olderBuild = status === 'running' && !current ? await documents.leftOnOlderBuild(id) : undefined;
    if (olderBuild) {
      yield `event: olderBuild\ndata: ${JSON.stringify(olderBuild)}\n\n`;
      return;
    }
    if (status !== 'running') {
      const detail = await documents.detail(id);
      if (detail.progress && JSON.stringify(detail.progress) !== last)
        yield `event: progress\ndata: ${JSON.stringify(detail.progress)}\n\n`;
      const { result, error } = detail;
      yield `event: done\ndata: ` +
        `${JSON.stringify({ status: detail.status, ...(result ? { result } : {}), ...(error ? { error } : {}) })}\n\n`;
      return;
    }
    if (Date.now() - lastSent > KEEPALIVE_MS) {
      yield ': keep-alive\n\n';
      lastSent = Date.now();
    }
    await sleep(POLL_MS, undefined, { signal: gone }).catch(() => undefined);
  }
}
