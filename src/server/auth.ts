// API_TOKEN: every /v1 route wants `Authorization: Bearer <token>`. Browsers cannot set headers on
// <audio src> or EventSource, so those GETs may carry `?access_token=` instead (never logged: the
// request log drops query strings).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

export function bearerTokenCheck(token: string) {
  const matches = tokenMatcher(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const fromQuery = request.method === 'GET' ? (request.query as { access_token?: unknown } | undefined)?.access_token : undefined;
    const given = bearerToken(request) ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
    if (!matches(given)) {
      void reply.header('WWW-Authenticate', 'Bearer realm="durable-tts"');
      throw new HttpProblem(
        401,
        given === undefined ? 'this server needs `Authorization: Bearer <API_TOKEN>`' : 'the bearer token is not valid',
      );
    }
  };
}

/** The token of an `Authorization: Bearer` header (the scheme is case-insensitive, RFC 9110). */
export function bearerToken(request: FastifyRequest): string | undefined {
  return /^bearer +(.+)$/iu.exec(request.headers.authorization ?? '')?.[1];
}

/** Whether a given token is `token`, compared as fixed-length digests: timingSafeEqual needs equal lengths, and no length leaks. */
export function tokenMatcher(token: string): (given: string | undefined) => boolean {
  const expected = digest(token);
  return (given) => given !== undefined && timingSafeEqual(digest(given), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
