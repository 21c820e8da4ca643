// Request and response schemas of the HTTP API (TypeBox, i.e. JSON Schema): Fastify validates and
// serialises with them and @fastify/swagger publishes them in /openapi.json. The document input
// itself is the workflow's own schema (src/contract/input-schema.ts), not a copy.

import { type Static, Type } from 'typebox';
import { ENGINES } from '../contract/input-schema.ts';
import type { DocumentProgress } from '../contract/result.ts';
import type { VoiceInfo } from '../engines/voices/index.ts';
import type { PublicResult } from './document-files.ts';

export const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;

export const DocumentId = Type.String({ minLength: 1, maxLength: 255, description: 'The document id (its Temporal workflow id)' });
export const IdParams = Type.Object({ id: DocumentId });

export const Status = Type.Enum(STATUSES, { description: 'Where the document is' });

export const Progress = Type.Object(
  {
    phase: Type.Union([Type.Literal('synthesizing'), Type.Literal('stitching'), Type.Literal('done')]),
    total: Type.Integer({ description: 'Chunks in the document' }),
    done: Type.Integer({ description: 'Chunks synthesised' }),
    inFlight: Type.Integer({ description: 'Chunks being synthesised now' }),
    failedAttempts: Type.Integer({ description: 'Failed attempts that Temporal retried' }),
    startedAt: Type.Number({ description: 'Epoch ms when the workflow started' }),
    elapsedMs: Type.Number(),
    etaMs: Type.Optional(Type.Number({ description: 'Estimated time left for synthesis' })),
    spokenBy: Type.Optional(Type.String({ description: 'The engine the document is pinned to: `engine model@version voice`' })),
  },
  { description: "The workflow's progress query" },
);

export const Result = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'File name in the output directory' })),
    durationSec: Type.Number(),
    bytes: Type.Integer(),
    sha256: Type.String(),
    sampleRate: Type.Integer(),
    channels: Type.Integer(),
    chunks: Type.Integer(),
    cachedChunks: Type.Integer(),
    failedAttempts: Type.Integer(),
    characters: Type.Integer(),
    url: Type.String({ description: 'The audio (or the playlist, or the book): `/v1/documents/{id}/audio`' }),
    artifacts: Type.Array(
      Type.Object({
        kind: Type.Enum(['audio', 'captions', 'timings', 'playlist', 'book', 'cover', 'metadata'] as const),
        name: Type.String({ description: 'File name in the output directory' }),
        mediaType: Type.String(),
        bytes: Type.Integer(),
        sha256: Type.String(),
        url: Type.String({ description: 'Where to fetch it: `/v1/documents/{id}/files/{name}`' }),
        saveAs: Type.String({ description: "The name it is saved under, after the document's title" }),
      }),
      { description: 'Every file the document made, the main one first' },
    ),
  },
  {
    additionalProperties: true,
    description: "The workflow's result (more fields: timings, mode, engine, notices, …); files by URL, never by a server's path",
  },
);

export const DocumentDetail = Type.Object({
  id: DocumentId,
  title: Type.String(),
  status: Status,
  startedAt: Type.String({ format: 'date-time' }),
  progress: Type.Optional(Progress),
  result: Type.Optional(Result),
  error: Type.Optional(Type.String({ description: 'Why it failed, was cancelled or terminated' })),
  olderBuild: Type.Optional(
    Type.Object(
      {
        startedOn: Type.String({ description: 'The build of the workflow code it started on, and is pinned to' }),
        current: Type.String({ description: 'The build new documents start on' }),
        message: Type.String(),
      },
      {
        description:
          'A running document left on an older build: it goes on only where a worker of that build runs; start it again to use this one',
      },
    ),
  ),
});

export type DocumentDetail = Static<typeof DocumentDetail>;

export const DocumentSummary = Type.Object({
  id: DocumentId,
  title: Type.String(),
  status: Status,
  startedAt: Type.String({ format: 'date-time' }),
  closedAt: Type.Optional(Type.String({ format: 'date-time' })),
  progress: Type.Optional(Progress),
  durationSec: Type.Optional(Type.Number({ description: 'Seconds of audio, once completed' })),
});

export type DocumentSummary = Static<typeof DocumentSummary>;

export const DocumentList = Type.Object({
  documents: Type.Array(DocumentSummary),
  nextOffset: Type.Optional(Type.Integer({ description: 'Pass as `offset` for the next page' })),
});

export const ListQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  access_token: Type.Optional(Type.String()),
});

export const Accepted = Type.Object({
  id: DocumentId,
  title: Type.String({ description: "The document's title, as lists, tags and download names show it" }),
  status: Status,
  created: Type.Boolean({ description: 'False when an Idempotency-Key found an earlier document' }),
  links: Type.Object({ self: Type.String(), events: Type.String(), audio: Type.String(), live: Type.String() }),
  notices: Type.Optional(
    Type.Array(Type.String(), { description: 'Values the server adjusted, e.g. "concurrency 1000000 capped to 100"' }),
  ),
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String({ description: 'The input field at fault, e.g. `output.pauses.wordMs`' })),
  },
  { description: 'application/problem+json (RFC 9457)' },
);

/** The error responses a route can give, for the OpenAPI description. */
export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));
}

export const TokenQuery = Type.Object({
  access_token: Type.Optional(
    Type.String({ description: 'The API token, for clients that cannot set headers (audio elements, EventSource)' }),
  ),
});

export const EngineSchema = Type.Enum(ENGINES, { description: 'A TTS engine' });

export const Voice = Type.Object({
  name: Type.String({ description: 'What a document names it by (`voice`)' }),
  engine: EngineSchema,
  language: Type.Optional(Type.String({ description: 'BCP 47, lowercase ("en-us")' })),
  gender: Type.Optional(Type.Union([Type.Literal('female'), Type.Literal('male')])),
});

export const VoiceList = Type.Object({
  voices: Type.Array(Voice),
  anyName: Type.Array(EngineSchema, {
    description: 'Engines that take any name, so have no list: the simulated engine, a Replicate model that is not Kokoro',
  }),
  defaultEngine: Type.Enum(ENGINES, { description: 'The engine a document that names neither engine nor voice is spoken by' }),
});

export const VoiceQuery = Type.Object({
  engine: Type.Optional(Type.String({ description: `One engine (${ENGINES.join(', ')}); default: every engine` })),
  access_token: Type.Optional(Type.String()),
});

// The response schemas restate the workflow's types for the API's description; these lines fail to
// compile when the two drift apart (fast-json-stringify would silently drop a new field).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const progressMatches: Same<Static<typeof Progress>, DocumentProgress> = true;
const resultFits: PublicResult extends Static<typeof Result> ? true : false = true;
const voiceMatches: Same<Static<typeof Voice>, VoiceInfo> = true;
void progressMatches;
void resultFits;
void voiceMatches;
