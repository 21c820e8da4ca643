// A finished document's files as the API names them: URLs, never paths; saved under the title.

import { describe, expect, it } from 'vitest';
import type { Artifact, AudioDocumentResult } from '../../src/contract/result.ts';
import { contentDisposition, downloadName, fileUrl, publicResult } from '../../src/server/document-files.ts';

const artifact = (name: string, kind: Artifact['kind'] = 'audio'): Artifact => ({
  kind,
  name,
  path: `/srv/output/${name}`,
  uri: `file:///srv/output/${name}`,
  mediaType: 'audio/mpeg',
  bytes: 10,
  sha256: 'a'.repeat(64),
});

describe('document files', () => {
  it('names a saved file after the title, keeping what tells the files apart', () => {
    const main = artifact('doc-1a2b.mp3');
    expect(downloadName('Genesis', main, main)).toBe('Genesis.mp3');
    expect(downloadName('Genesis', main, artifact('doc-1a2b.timings.json', 'timings'))).toBe('Genesis.timings.json');
    const playlist = artifact('books/doc-1a2b.m3u8', 'playlist');
    expect(downloadName('A/B: "C"', playlist, artifact('books/doc-1a2b/01 Day one.mp3'))).toBe('A B C - 01 Day one.mp3');
    expect(downloadName('', main, main)).toBe('doc-1a2b.mp3');
  });

  it('says any name in Content-Disposition, with an ASCII fallback', () => {
    expect(contentDisposition('attachment', 'Über (1).mp3')).toBe(
      `attachment; filename="Uber (1).mp3"; filename*=UTF-8''%C3%9Cber%20%281%29.mp3`,
    );
    // Quotes, line breaks, percent signs and semicolons cannot end the header or its parameter early.
    expect(contentDisposition('inline', 'a"b\r\nc%;d\\e.mp3')).toBe(
      `inline; filename="abc;de.mp3"; filename*=UTF-8''a%22b%0D%0Ac%25%3Bd%5Ce.mp3`,
    );
  });

  it('shows a result with URLs in place of paths and store URIs', () => {
    const files = [artifact('talk.mp3'), artifact('talk.vtt', 'captions'), artifact('talk/01 A b.mp3')];
    const result = {
      name: 'talk.mp3',
      path: '/srv/output/talk.mp3',
      uri: 'file:///srv/output/talk.mp3',
      artifacts: files,
    } as AudioDocumentResult;
    const shown = publicResult(result, 'doc 1', 'Talk');
    expect(JSON.stringify(shown)).not.toContain('/srv/');
    expect(shown.url).toBe('/v1/documents/doc%201/audio');
    expect(shown.artifacts.map((a) => a.url)).toEqual([
      '/v1/documents/doc%201/files/talk.mp3',
      '/v1/documents/doc%201/files/talk.vtt',
      `/v1/documents/doc%201/files/talk/01%20A%20b.mp3`,
    ]);
    expect(shown.artifacts.map((a) => a.saveAs)).toEqual(['Talk.mp3', 'Talk.vtt', 'Talk - 01 A b.mp3']);
    expect(fileUrl('d', 'a/b c')).toBe('/v1/documents/d/files/a/b%20c');
  });
});
