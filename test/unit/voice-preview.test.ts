// A voice's preview document: a safe file name under previews/ for any voice (a Kokoro blend, an
// eSpeak path), valid input, and one workflow id per engine, voice and task queue.

import { describe, expect, it } from 'vitest';
import { resolveDocumentInput } from '../../src/document/input.ts';
import { isPreviewId, PREVIEW_TEXT, previewDocument } from '../../src/server/previews.ts';

describe('previewDocument', () => {
  it('names the file after a plain voice, and a blend or an eSpeak path by a hash, always inside previews/', () => {
    const plain = previewDocument('kokoro', 'af_heart', 'q');
    const blend = previewDocument('kokoro', 'af_bella(0.6667)+af_sky(0.3333)', 'q');
    const path = previewDocument('espeak', 'gmw/en-us', 'q');
    expect(plain.input.output!.name).toMatch(/^previews\/kokoro-af_heart-[0-9a-f]{12}\.mp3$/u);
    expect(blend.input.output!.name).toMatch(/^previews\/kokoro-voice-[0-9a-f]{12}\.mp3$/u);
    expect(path.input.output!.name).toMatch(/^previews\/espeak-voice-[0-9a-f]{12}\.mp3$/u);
    for (const { input } of [plain, blend, path]) {
      expect(input).toMatchObject({ text: PREVIEW_TEXT, output: { format: 'mp3', captions: false } });
      expect(() => resolveDocumentInput(input)).not.toThrow();
    }
  });

  it('gives one id per engine, voice and task queue, and only previews have such ids', () => {
    const id = previewDocument('kokoro', 'af_heart', 'q').workflowId;
    expect(previewDocument('kokoro', 'af_heart', 'q').workflowId).toBe(id);
    expect(isPreviewId(id)).toBe(true);
    const others = [
      previewDocument('kokoro', 'af_sky', 'q'),
      previewDocument('replicate', 'af_heart', 'q'),
      previewDocument('kokoro', 'af_heart', 'other'),
    ];
    expect(new Set([id, ...others.map((o) => o.workflowId)]).size).toBe(4);
    expect(new Set([plainName('af_heart'), plainName('af_sky')]).size).toBe(2);
    expect(isPreviewId('doc-0123456789abcdef')).toBe(false);
  });
});

const plainName = (voice: string) => previewDocument('kokoro', voice, 'q').input.output!.name;
