// Long responses (live audio, events) poll the workflow. They stop the moment the client goes away,
// not at their next write: the response's 'close' (the client left, or the response ended) aborts
// this signal, which ends their waits and their Temporal calls.

import type { FastifyReply } from 'fastify';

export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort(new Error('client gone')));
  return controller.signal;
}
