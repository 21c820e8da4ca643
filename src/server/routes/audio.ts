// The finished files of a document, found by its id and its result (never by a path from the request),
// with Range support so players can seek, and each file's sha256 as its ETag.

import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import type { Artifact } from '../../contract/result.ts';
import { FORMAT_FACTS, mediaTypeOf, PLAYLIST_MEDIA_TYPE } from '../../formats/index.ts';
import { outputSize, readOutput } from '../../storage/output-reader.ts';
import { artifactLocation, artifactsOf, contentDisposition, downloadName } from '../document-files.ts';
import type { Documents } from '../documents.ts';
import { HttpProblem } from '../problem.ts';
import { IdParams, problems } from '../schemas.ts';

// A document split by chapter is served as its playlist.
const AUDIO_MEDIA_TYPES = [...new Set([...Object.values(FORMAT_FACTS).map((facts) => facts.mediaType), PLAYLIST_MEDIA_TYPE])];
const FILE_MEDIA_TYPES = [...AUDIO_MEDIA_TYPES, 'text/vtt', 'application/x-subrip', 'application/json', 'image/jpeg'];

export function audioRoutes(app: FastifyInstance, documents: Documents, outputDir: string, libraryDir?: string): void {
  const root = resolve(outputDir);
  const library = libraryDir ? resolve(libraryDir) : undefined;
  const query = Type.Object({ download: Type.Optional(Type.String()), access_token: Type.Optional(Type.String()) });
  app.get(
    '/documents/:id/audio',
    {
      schema: {
        summary: 'The finished audio file',
        description:
          'The audio in its format (WAV, MP3, M4B, Opus or FLAC; split by chapter, its M3U playlist; a read-along book, its EPUB), ' +
          'with `ETag` (its sha256) and `Accept-Ranges`; a `Range` header gets 206 with `Content-Range`, ' +
          "or 416 when it cannot be satisfied. `?download=1` asks the browser to save it, named after the document's title.",
        params: IdParams,
        querystring: query,
        response: { ...audioResponses(AUDIO_MEDIA_TYPES), ...problems(401, 404, 409, 410, 416) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { result, title, inLibrary } = await documents.finished(id);
      const [main] = artifactsOf(result, id);
      const download = (request.query as { download?: string }).download !== undefined;
      const dir = filesDir(id, inLibrary, root, library);
      return sendArtifact(request, reply, { dir, id, title, main: main!, artifact: main!, download });
    },
  );

  app.get(
    '/documents/:id/files/*',
    {
      schema: {
        summary: 'One file of a finished document',
        description:
          "Any file the document made, by the `url` its result's `artifacts` give: the audio, captions (WebVTT, SRT), " +
          'timings (JSON), chapter files, the playlist, the read-along EPUB. `ETag`, `Range` and `?download=1` as for the audio; ' +
          "the saved name follows the document's title.",
        params: Type.Object({ id: IdParams.properties.id, '*': Type.String({ description: 'The artifact name' }) }),
        querystring: query,
        response: { ...audioResponses(FILE_MEDIA_TYPES), ...problems(401, 404, 409, 410, 416) },
      },
    },
    async (request, reply) => {
      const { id, '*': name } = request.params as { id: string; '*': string };
      const { result, title, inLibrary } = await documents.finished(id);
      const artifacts = artifactsOf(result, id);
      const artifact = artifacts.find((candidate) => candidate.name === name);
      if (!artifact) throw new HttpProblem(404, `document ${id} has no file "${name}" (its files are listed in its result's artifacts)`);
      const download = (request.query as { download?: string }).download !== undefined;
      const dir = filesDir(id, inLibrary, root, library);
      return sendArtifact(request, reply, { dir, id, title, main: artifacts[0]!, artifact, download });
    },
  );
}

/** The directory a document's files are named from: the audiobook library's, or the output directory. */
function filesDir(id: string, inLibrary: boolean, root: string, library: string | undefined): string {
  if (!inLibrary) return root;
  if (!library) throw new HttpProblem(404, `document ${id} is in an audiobook library, and this server has none (AUDIO_LIBRARY_DIR)`);
  return library;
}

interface ArtifactRequest {
  /** Where its files are named from. */
  dir: string;
  id: string;
  title: string;
  main: Artifact;
  artifact: Artifact;
  download: boolean;
}

/** An artifact from where the workers put it, if it is still the one they wrote (its size), else 410. */
async function sendArtifact(request: FastifyRequest, reply: FastifyReply, asked: ArtifactRequest) {
  const { dir, id, title, main, artifact, download } = asked;
  const path = artifactLocation(artifact, id, dir);
  const size = await outputSize(path).catch((error: unknown) => {
    throw new HttpProblem(502, `the files of document ${id} cannot be read now: ${(error as Error).message}`);
  });
  // Another run may have written a file of the same name since (e.g. two `--out speech.wav`).
  if (size !== artifact.bytes) {
    throw new HttpProblem(
      410,
      `${artifact === main ? 'the audio' : `the file "${artifact.name}"`} of document ${id} is no longer where it was written` +
        `${size === undefined ? '' : ' (a file of another document has its name)'}; start the document again`,
    );
  }
  return sendAudioFile(request, reply, {
    path,
    size,
    etag: `"${artifact.sha256}"`,
    cacheControl: 'private, max-age=0, must-revalidate',
    disposition: download ? 'attachment' : 'inline',
    downloadName: downloadName(title, main, artifact),
    mediaType: artifact.mediaType,
  });
}

export interface AudioFile {
  /** A path in the output directory, or an s3:// URI. */
  path: string;
  size: number;
  /** Quoted, strong. */
  etag: string;
  cacheControl: string;
  disposition?: 'inline' | 'attachment';
  /** The name to save it under (default: the file's own). */
  downloadName?: string;
  /** Default: from the file's extension. */
  mediaType?: string;
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
    .header('Content-Type', file.mediaType ?? mediaTypeOf(path))
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Cache-Control', file.cacheControl)
    .header('Content-Disposition', contentDisposition(file.disposition ?? 'inline', file.downloadName ?? basename(path)));
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
