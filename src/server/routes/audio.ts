// The finished file of a document, found by its id only (never by a path from the request), with
// Range support so players can seek, and its sha256 as the ETag.

import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import { FORMAT_FACTS, mediaTypeOf, PLAYLIST_MEDIA_TYPE } from '../../formats/index.ts';
import { outputSize, readOutput } from '../../storage/output-reader.ts';
import type { Documents } from '../documents.ts';
import { resultLocation } from '../output-location.ts';
import { HttpProblem } from '../problem.ts';
import { IdParams, problems } from '../schemas.ts';

// A document split by chapter is served as its playlist.
const AUDIO_MEDIA_TYPES = [...new Set([...Object.values(FORMAT_FACTS).map((facts) => facts.mediaType), PLAYLIST_MEDIA_TYPE])];

export function audioRoutes(app: FastifyInstance, documents: Documents, outputDir: string, libraryDir?: string): void {
  const root = resolve(outputDir);
  const library = libraryDir ? resolve(libraryDir) : undefined;
  app.get(
    '/documents/:id/audio',
    {
      schema: {
        summary: 'The finished audio file',
        description:
          'The audio in its format (WAV, MP3, M4B, Opus or FLAC; split by chapter, its M3U playlist), ' +
          'with `ETag` (its sha256) and `Accept-Ranges`; a `Range` header gets 206 with `Content-Range`, ' +
          'or 416 when it cannot be satisfied. `?download=1` asks the browser to save it.',
        params: IdParams,
        querystring: Type.Object({ download: Type.Optional(Type.String()), access_token: Type.Optional(Type.String()) }),
        response: { ...audioResponses(AUDIO_MEDIA_TYPES), ...problems(401, 404, 409, 410, 416) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const result = await documents.result(id);
      const path = resultLocation(root, result, id, library);
      const size = await outputSize(path).catch((error: unknown) => {
        throw new HttpProblem(502, `the audio of document ${id} cannot be read now: ${(error as Error).message}`);
      });
      // Another run may have written a file of the same name since (e.g. two `--out speech.wav`).
      if (size !== result.bytes) {
        throw new HttpProblem(
          410,
          `the audio of document ${id} is no longer where it was written` +
            `${size === undefined ? '' : ' (a file of another document has its name)'}; start the document again`,
        );
      }
      const download = (request.query as { download?: string }).download !== undefined;
      return sendAudioFile(request, reply, {
        path,
        size,
        etag: `"${result.sha256}"`,
        cacheControl: 'private, max-age=0, must-revalidate',
        disposition: download ? 'attachment' : 'inline',
      });
    },
  );
}

export interface AudioFile {
  /** A path in the output directory, or an s3:// URI. */
  path: string;
  size: number;
  /** Quoted, strong. */
  etag: string;
  cacheControl: string;
  disposition?: 'inline' | 'attachment';
}

/** Sends a file with its ETag, honouring If-None-Match, Range (206, 416), If-Range and HEAD. */
export async function sendAudioFile(request: FastifyRequest, reply: FastifyReply, file: AudioFile): Promise<FastifyReply> {
  const { path, size, etag } = file;
  const header = request.headers.range;
  const ranges =
    header && ifRangeHolds(request.headers['if-range'] as string | undefined, etag)
      ? parseRange(size, header, { combine: true })
      : undefined;
  if (ranges === -1) {
    void reply.header('Content-Range', `bytes */${size}`);
    throw new HttpProblem(416, `the file has ${size} bytes; the range "${header}" lies outside it`);
  }
  void reply
    .header('Content-Type', mediaTypeOf(path))
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Cache-Control', file.cacheControl)
    .header('Content-Disposition', `${file.disposition ?? 'inline'}; filename="${basename(path).replace(/"/gu, '')}"`);
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
  // A malformed header (-2), another unit or several ranges get the whole file, as RFC 9110 allows.
  const range = ranges !== undefined && ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0]! : undefined;
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) void reply.code(206).header('Content-Range', `bytes ${start}-${end}/${size}`);
  void reply.header('Content-Length', end - start + 1);
  // HEAD: the headers only (Fastify keeps our Content-Length for a stream, and drains it).
  if (request.method === 'HEAD') return reply.send(Readable.from([]));
  return reply.send(await readOutput(path, { start, end }));
}

/** The 200, 206 and 304 answers of a route that serves files of these media types, for the OpenAPI description. */
export function audioResponses(mediaTypes: readonly string[]) {
  const content = Object.fromEntries(mediaTypes.map((type) => [type, { schema: Type.String({ format: 'binary' }) }]));
  return {
    200: { description: 'The audio file', content },
    206: { description: 'A byte range of the file', content },
    304: { description: 'Not modified (If-None-Match matched the ETag)', type: 'null' },
  };
}

/** If-None-Match: a list of tags, weak or strong, or `*` (RFC 9110 weak comparison). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//u, '') === etag;
  });
}

/** If-Range with our ETag (or none): the range applies; anything else (a date, another tag): the whole file. */
function ifRangeHolds(header: string | undefined, etag: string): boolean {
  return header === undefined || header === etag;
}
