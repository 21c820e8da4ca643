// API_TOKEN: every /v1 route wants `Authorization: Bearer <token>`. Browsers cannot set headers on
// <audio src> or EventSource, so those GETs may carry `?access_token=` instead (never logged: the
// request log drops query strings).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

export function bearerTokenCheck(token: string) {
  // Compared as fixed-length digests: timingSafeEqual needs equal lengths, and no length leaks.
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = /^bearer +(.+)$/iu.exec(request.headers.authorization ?? '')?.[1]; // the scheme is case-insensitive (RFC 9110)
    const fromQuery = request.method === 'GET' ? (request.query as { access_token?: unknown } | undefined)?.access_token : undefined;
    const given = header ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      void reply.header('WWW-Authenticate', 'Bearer realm="durable-tts"');
      throw new HttpProblem(
        401,
        given === undefined ? 'this server needs `Authorization: Bearer <API_TOKEN>`' : 'the bearer token is not valid',
      );
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
