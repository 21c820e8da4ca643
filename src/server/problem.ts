// Errors as RFC 9457 problem details (application/problem+json): the status's own phrase as the
// title (type about:blank), what went wrong in `detail`, and the input field at fault when there is one.

import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { InvalidInputError } from '../document/input.ts';

export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  /** The input field at fault, as a dotted path (`output.pauses.wordMs`). */
  field?: string;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly field?: string,
    /** Headers the answer carries too (Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

/** Every error leaves as problem+json; unexpected ones as a 500 without internals. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem | InvalidInputError, request, reply) => {
    const body = toProblem(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    if (error instanceof HttpProblem && error.headers) void reply.headers(error.headers);
    void reply.code(body.status).type('application/problem+json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

function toProblem(error: FastifyError | HttpProblem | InvalidInputError): Problem {
  if (error instanceof HttpProblem) return problem(error.status, error.message, error.field);
  if (error instanceof InvalidInputError) return problem(400, error.message, error.field);
  const status = (error as FastifyError).statusCode ?? 500;
  if ((error as FastifyError).validation) return problem(400, error.message, validationField(error as FastifyError));
  if (status < 500) return problem(status, error.message);
  return problem(500, 'the server failed to handle the request; see its log');
}

/** `limit` or `params.id` from a Fastify (ajv) validation error, as a field name. */
function validationField(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (!first) return undefined;
  const path = first.instancePath.replace(/^\//u, '').replaceAll('/', '.');
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  return [path, missing].filter(Boolean).join('.') || error.validationContext;
}

export function problem(status: number, detail: string, field?: string): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, ...(field ? { field } : {}) };
}
