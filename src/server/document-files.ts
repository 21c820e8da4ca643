// A finished document's files as the API hands them over: each artifact (audio, captions, timings,
// chapter files, playlist, book) by a URL of its own, named after the document's title when saved,
// found on this server from the result (never from a path in a request).

import { resolve, sep } from 'node:path';
import type { Artifact, AudioDocumentResult } from '../contract/result.ts';
import { defaultOutputName } from '../document/input.ts';
import { fileStem } from '../document/title.ts';
import { mediaTypeOf } from '../formats/index.ts';
import { HttpProblem } from './problem.ts';

/** An artifact as the API shows it: where to fetch it, not where it lies. */
export type PublicArtifact = Omit<Artifact, 'path' | 'uri'> & {
  url: string;
  /** The name it is saved under: after the document's title. */
  saveAs: string;
};

/** The result as the API shows it: `url` and each artifact's `url` instead of paths and store URIs. */
export type PublicResult = Omit<AudioDocumentResult, 'path' | 'uri' | 'artifacts'> & { url: string; artifacts: PublicArtifact[] };

function documentUrl(id: string): string {
  return `/v1/documents/${encodeURIComponent(id)}`;
}

/** `/v1/documents/{id}/files/{name}`, each segment of the name encoded. */
export function fileUrl(id: string, name: string): string {
  return `${documentUrl(id)}/files/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** Every file of a result, the main one first; a result from before artifacts has its audio only. */
export function artifactsOf(result: AudioDocumentResult, id: string): Artifact[] {
  if (result.artifacts && result.artifacts.length > 0) return result.artifacts;
  const name = result.name ?? defaultOutputName(id);
  return [
    { kind: 'audio', name, path: result.path, uri: result.uri, mediaType: mediaTypeOf(name), bytes: result.bytes, sha256: result.sha256 },
  ];
}

export function publicResult(result: AudioDocumentResult, id: string, title: string): PublicResult {
  const { path: _path, uri: _uri, artifacts: _artifacts, ...rest } = result;
  const artifacts = artifactsOf(result, id);
  return {
    ...rest,
    // Where it was written (in a library, under the book's folder), as the artifacts name it.
    name: artifacts[0]!.name,
    url: `${documentUrl(id)}/audio`,
    artifacts: artifacts.map((artifact) => {
      const { path: _p, uri: _u, ...shown } = artifact;
      return { ...shown, url: fileUrl(id, artifact.name), saveAs: downloadName(title, artifacts[0]!, artifact) };
    }),
  };
}

/**
 * Where an artifact is for this server: in S3, or by its name under the directory its document was
 * written to (the output directory this server shares with the workers, or the audiobook library).
 */
export function artifactLocation(artifact: Artifact, id: string, dir: string): string {
  if (artifact.uri?.startsWith('s3://')) return artifact.uri;
  const path = resolve(dir, artifact.name);
  if (!path.startsWith(dir + sep)) throw new HttpProblem(404, `the files of document ${id} are not in ${dir}`);
  return path;
}

/**
 * The name a file is saved under: the title where the document's own name was ("doc-1a2b.vtt" →
 * "Genesis.vtt"), and a chapter file after the title ("doc-1a2b/01 Day one.mp3" → "Genesis - 01 Day one.mp3").
 */
export function downloadName(title: string, main: Artifact, artifact: Artifact): string {
  const safeTitle =
    title
      .replace(/[\\/:*?"<>|\u0000-\u001f]+/gu, ' ')
      .replace(/\s+/gu, ' ')
      .trim()
      .slice(0, 150) || fileStem(main.name);
  const folder = main.name.replace(/\/?[^/]*$/u, '');
  const local = folder && artifact.name.startsWith(`${folder}/`) ? artifact.name.slice(folder.length + 1) : artifact.name;
  const stem = fileStem(main.name);
  if (local.startsWith(`${stem}.`)) return `${safeTitle}${local.slice(stem.length)}`;
  if (local.startsWith(`${stem}/`)) return `${safeTitle} - ${local.slice(stem.length + 1).replace(/\//gu, ' - ')}`;
  return local.replace(/\//gu, ' - ');
}

/** `Content-Disposition` for a name that may hold any character (RFC 6266: an ASCII fallback and `filename*`). */
export function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const ascii =
    name
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/gu, '')
      .replace(/["\\%]/gu, '') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
