// Documents: start one, list them, read one, cancel one.

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AudioDocumentInputSchema, MAX_TEXT_CHARS, resolveDocumentInput } from '../../document/input.ts';
import { castVoicesProblem } from '../../engines/voices/cast-voices.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { Documents } from '../documents.ts';
import { HttpProblem } from '../problem.ts';
import { FORM_OPTIONS, requestedDocument } from '../request-input.ts';
import { Accepted, DocumentDetail, DocumentList, IdParams, ListQuery, problems, TokenQuery } from '../schemas.ts';

const MAX_IDEMPOTENCY_KEY_CHARS = 255;

export function documentRoutes(app: FastifyInstance, documents: Documents, blobStore: BlobStore): void {
  app.post(
    '/documents',
    {
      schema: {
        summary: 'Start a document',
        description:
          'The workflow input as JSON, or a text file as `text/plain` (options in the query string), ' +
          'or a multipart upload (a `file` part or a `text` field, options as fields). ' +
          'Validated as the workflow validates it before anything starts. ' +
          'An `Idempotency-Key` header makes a retried POST return the same document.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_CHARS })) }),
        querystring: Type.Object(Object.fromEntries(FORM_OPTIONS.map((name) => [name, Type.Optional(Type.String())]))),
        body: {
          content: {
            'application/json': { schema: AudioDocumentInputSchema },
            'text/plain': { schema: Type.String({ description: 'The text to speak' }) },
            'multipart/form-data': {
              schema: Type.Object({
                file: Type.Optional(Type.String({ format: 'binary', description: 'A text, Markdown, HTML or EPUB file' })),
                text: Type.Optional(Type.String()),
                ...Object.fromEntries(FORM_OPTIONS.map((name) => [name, Type.Optional(Type.String())])),
              }),
            },
          },
        },
        response: { 202: Accepted, ...problems(400, 401, 409, 413, 415) },
      },
      // The body (in whichever form) is checked by the workflow's own validation below (same messages,
      // same verdicts), not by ajv; so are the query options. Only the header is checked here.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const { input, title, fingerprint } = await requestedDocument(request, {
        blobStore,
        ...(documents.libraryDir ? { libraryDir: documents.libraryDir } : {}),
      });
      if (typeof input.text === 'string' && input.text.length > MAX_TEXT_CHARS) {
        throw new HttpProblem(413, `Invalid input: text has ${input.text.length} characters; the maximum is ${MAX_TEXT_CHARS}`, 'text');
      }
      // Throws InvalidInputError naming the field: a 400, and nothing started. Values it adjusted are said in the answer.
      const { notices } = resolveDocumentInput(input);
      // Every voice it names (tags in the text, dialogue voice, voice map) must be the engine's.
      const problem = await castVoicesProblem(input);
      if (problem) throw new HttpProblem(400, `Invalid input: ${problem.message}`, problem.field);
      const key = request.headers['idempotency-key'];
      if (typeof key === 'string' && (key === '' || key.length > MAX_IDEMPOTENCY_KEY_CHARS)) {
        throw new HttpProblem(400, `Idempotency-Key must have 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} characters`, 'Idempotency-Key');
      }
      const { id, status, created } = await documents.start(input, title, fingerprint, typeof key === 'string' ? key : undefined);
      const self = `/v1/documents/${encodeURIComponent(id)}`;
      void reply.code(202).header('Location', self);
      const links = { self, events: `${self}/events`, audio: `${self}/audio`, live: `${self}/live` };
      return { id, title, status, created, links, ...(notices.length > 0 ? { notices } : {}) };
    },
  );

  app.get(
    '/documents',
    { schema: { summary: 'List documents, newest first', querystring: ListQuery, response: { 200: DocumentList, ...problems(400, 401) } } },
    async (request) => {
      const { offset, limit } = request.query as { offset: number; limit: number };
      return documents.list(offset, limit);
    },
  );

  app.get(
    '/documents/:id',
    {
      schema: {
        summary: 'A document: status, progress, and its result once done',
        params: IdParams,
        querystring: TokenQuery,
        response: { 200: DocumentDetail, ...problems(401, 404) },
      },
    },
    async (request) => documents.detail((request.params as { id: string }).id),
  );

  app.post(
    '/documents/:id/cancel',
    {
      schema: {
        summary: 'Cancel a running document',
        params: IdParams,
        response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('cancelling') }), ...problems(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      await documents.cancel(id);
      void reply.code(202);
      return { id, status: 'cancelling' as const };
    },
  );
}
