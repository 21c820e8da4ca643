// Without a token, anything that can reach the server may use it; on 127.0.0.1 that should mean
// programs on this machine, not any web page its user opens. Browsers send a cross-site POST of
// text/plain or a form without asking first, so a page could start (paid) documents or cancel
// them; and a page on a hostile name that resolves to 127.0.0.1 (DNS rebinding) could read them.
// So: no request from another site may change anything, and a loopback server without a token
// answers only to loopback names.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

const LOOPBACK_NAME = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/iu;

/** True for the addresses `HOST` may name that only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAME.test(host) || host === '::1';
}

export function sameOriginCheck(options: { loopbackOnly: boolean }) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const host = request.headers.host ?? '';
    if (options.loopbackOnly && !isLoopbackHost(host)) {
      throw new HttpProblem(
        403,
        `this server listens on a loopback address without API_TOKEN, so it answers only to localhost names, not "${host}"; ` +
          'set API_TOKEN to serve others',
      );
    }
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && hostOf(origin) !== host)) {
      throw new HttpProblem(
        403,
        `a ${request.method} from another site (${origin ?? site}) is refused: use this server's own page, ` +
          'or a client that is not a browser',
      );
    }
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
