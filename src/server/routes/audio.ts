// The finished file of a document, found by its id only (never by a path from the request), with
// Range support so players can seek, and its sha256 as the ETag.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import { defaultOutputName } from '../../document/input.ts';
import type { AudioDocumentResult } from '../../document/result.ts';
import type { Documents } from '../documents.ts';
import { HttpProblem } from '../problem.ts';
import { IdParams, problems } from '../schemas.ts';

export function audioRoutes(app: FastifyInstance, documents: Documents, outputDir: string): void {
  const root = resolve(outputDir);
  app.get(
    '/documents/:id/audio',
    {
      schema: {
        summary: 'The finished audio file',
        description: 'WAV, with `ETag` (its sha256) and `Accept-Ranges`; a `Range` header gets 206 with `Content-Range`, or 416 when it cannot be satisfied. `?download=1` asks the browser to save it.',
        params: IdParams,
        querystring: Type.Object({ download: Type.Optional(Type.String()), access_token: Type.Optional(Type.String()) }),
        response: {
          200: { description: 'audio/wav', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
          206: { description: 'A byte range of the file', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
          304: { description: 'Not modified (If-None-Match matched the ETag)', type: 'null' },
          ...problems(401, 404, 409, 410, 416),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const result = await documents.result(id);
      const path = outputPath(root, result, id);
      const size = await stat(path).then(
        (s) => s.size,
        () => {
          throw new HttpProblem(410, 'Audio gone', `the audio of document ${id} is no longer in the output directory (deleted?); start the document again`);
        },
      );
      const etag = `"${result.sha256}"`;
      const download = (request.query as { download?: string }).download !== undefined;
      void reply
        .header('Content-Type', 'audio/wav')
        .header('Accept-Ranges', 'bytes')
        .header('ETag', etag)
        .header('Cache-Control', 'private, max-age=0, must-revalidate')
        .header('Content-Disposition', `${download ? 'attachment' : 'inline'}; filename="${basename(path).replace(/"/gu, '')}"`);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();

      const header = request.headers.range;
      const ranges = header && (!request.headers['if-range'] || request.headers['if-range'] === etag) ? parseRange(size, header, { combine: true }) : undefined;
      if (ranges === -1) {
        void reply.header('Content-Range', `bytes */${size}`);
        throw new HttpProblem(416, 'Range not satisfiable', `the file has ${size} bytes; the range "${header}" lies outside it`);
      }
      // A malformed header (-2) or several ranges are answered with the whole file, as RFC 9110 allows.
      if (ranges === undefined || ranges === -2 || ranges.length !== 1) {
        void reply.header('Content-Length', size);
        return reply.send(createReadStream(path));
      }
      const { start, end } = ranges[0]!;
      void reply.code(206).header('Content-Range', `bytes ${start}-${end}/${size}`).header('Content-Length', end - start + 1);
      return reply.send(createReadStream(path, { start, end }));
    },
  );
}

/** The output file of a result in this server's output directory (the one the workers share). */
function outputPath(root: string, result: AudioDocumentResult, id: string): string {
  // Results from before `name` existed: the path's place under the output directory, else the default name.
  const fromPath = result.path && !relative(root, result.path).startsWith('..') ? relative(root, result.path) : undefined;
  const name = result.name ?? fromPath ?? defaultOutputName(id);
  const path = resolve(root, name);
  if (isAbsolute(name) || !path.startsWith(root + sep)) throw new HttpProblem(404, 'Audio not here', `the audio of document ${id} is not in this server's output directory`);
  return path;
}
