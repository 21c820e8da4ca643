// OpenAI's error shape on the OpenAI-compatible routes, `{ "error": { message, type, param, code } }`,
// which its clients parse (the official SDK raises BadRequestError, AuthenticationError… from it).
// Our own problems (HttpProblem, InvalidInputError) are translated, field to `param`.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../document/input.ts';
import { bearerToken, tokenMatcher } from '../auth.ts';
import { HttpProblem } from '../problem.ts';

export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A request OpenAI's way of refusing it: status, message, the parameter at fault, a code. */
export class OpenAiProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export function openAiError(status: number, message: string, param: string | null = null, code: string | null = null): OpenAiError {
  return { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code } };
}

/** Every error of the scope leaves in OpenAI's shape; unexpected ones as a 500 without internals. */
export function registerOpenAiErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem | InvalidInputError | OpenAiProblem, request, reply) => {
    const { status, body } = translate(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (error instanceof HttpProblem && error.headers) void reply.headers(error.headers);
    void reply.code(status).type('application/json').send(body);
  });
}

function translate(error: FastifyError | HttpProblem | InvalidInputError | OpenAiProblem): { status: number; body: OpenAiError } {
  if (error instanceof OpenAiProblem)
    return { status: error.status, body: openAiError(error.status, error.message, error.param, error.code) };
  if (error instanceof HttpProblem) return { status: error.status, body: openAiError(error.status, error.message, error.field ?? null) };
  // Our input's `text` is OpenAI's `input`.
  if (error instanceof InvalidInputError)
    return { status: 400, body: openAiError(400, error.message, error.field === 'text' ? 'input' : error.field) };
  const status = (error as FastifyError).statusCode ?? 500;
  if (status < 500) return { status, body: openAiError(status, error.message) };
  return { status: 500, body: openAiError(500, 'the server failed to handle the request; see its log') };
}

/** API_TOKEN as the API key (`Authorization: Bearer`), refused as OpenAI refuses a wrong key. */
export function apiKeyCheck(token: string) {
  const matches = tokenMatcher(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const given = bearerToken(request);
    if (!matches(given)) {
      void reply.header('WWW-Authenticate', 'Bearer realm="durable-tts"');
      throw new OpenAiProblem(
        401,
        given === undefined ? 'You didn\'t provide an API key: send "Authorization: Bearer <API_TOKEN>".' : 'Incorrect API key provided.',
        null,
        'invalid_api_key',
      );
    }
  };
}
