// Errors as RFC 9457 problem details (application/problem+json), naming the field when there is one.

import type { FastifyError, FastifyInstance } from 'fastify';
import { InvalidInputError } from '../document/input.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The input field at fault, as a dotted path (`output.pauses.wordMs`). */
  field?: string;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** Every error leaves as problem+json; unexpected ones as a 500 without internals. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem | InvalidInputError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('application/problem+json').send(problem(404, 'Not found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

function toProblem(error: FastifyError | HttpProblem | InvalidInputError): Problem {
  if (error instanceof HttpProblem) return problem(error.status, error.title, error.message, error.field);
  if (error instanceof InvalidInputError) return problem(400, 'Invalid input', error.message, error.field);
  const status = (error as FastifyError).statusCode ?? 500;
  if (status === 413) return problem(413, 'Request too large', error.message);
  if (status === 415) return problem(415, 'Unsupported media type', error.message);
  if ((error as FastifyError).validation) return problem(400, 'Invalid request', error.message, validationField(error as FastifyError));
  if (status < 500) return problem(status, 'Bad request', error.message);
  return problem(500, 'Internal error', 'the server failed to handle the request; see its log');
}

/** `params/id` or `querystring.limit` from a Fastify (ajv) validation error, as a field name. */
function validationField(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (!first) return undefined;
  const path = first.instancePath.replace(/^\//u, '').replaceAll('/', '.');
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  return [path, missing].filter(Boolean).join('.') || error.validationContext;
}

export function problem(status: number, title: string, detail: string, field?: string): Problem {
  return { type: 'about:blank', title, status, detail, ...(field ? { field } : {}) };
}
