// What `npm start` and `client speak` print at the end: the engine the document was pinned to, and
// with --verify, what hearing it back found, every chunk still off named with what was heard.

import { describe, expect, it } from 'vitest';
import { describeResult } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';

const result: AudioDocumentResult = {
  path: '/out/story.wav',
  uri: 'file:///out/story.wav',
  durationSec: 75.5,
  bytes: 3_000_000,
  sha256: 'ab'.repeat(32),
  sampleRate: 24_000,
  channels: 1,
  chunks: 12,
  cachedChunks: 0,
  failedAttempts: 0,
  characters: 900,
  timings: { synthesisMs: 10_000, stitchMs: 500, totalMs: 11_000 },
  mode: 'parallel',
  concurrency: 5,
  notices: [],
  schedule: 'window',
  engine: 'kokoro',
  spokenBy: 'kokoro kokoro-v1.0.fp32.onnx@3f2a9c1b7d0e af_heart',
};

describe('describeResult', () => {
  it('names the engine the document was spoken by', () => {
    expect(describeResult(result)).toContain('Engine:   kokoro kokoro-v1.0.fp32.onnx@3f2a9c1b7d0e af_heart');
    expect(describeResult(result)).not.toContain('Verified:');
  });

  it('says what hearing it back found, and lists every chunk still off', () => {
    const clean = { maxWordErrorRate: 0.3, checked: 12, resynthesized: 2, unresolved: [] };
    expect(describeResult({ ...result, verification: clean })).toContain(
      'Verified: 12 chunks heard back, 2 spoken again; all within 0.30 word errors',
    );
    const off = { ...clean, resynthesized: 3, unresolved: [{ index: 7, wer: 0.5, heard: 'the ship will' }] };
    const lines = describeResult({ ...result, verification: off }).split('\n');
    expect(lines).toContain('Verified: 12 chunks heard back, 3 spoken again; 1 still over 0.30:');
    expect(lines).toContain('          chunk 7 (word error rate 0.50), heard "the ship will"');
  });
});
