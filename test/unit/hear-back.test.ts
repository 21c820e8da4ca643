// The retake loop of `verify`, with its steps faked: takes heard wrong are spoken again up to the
// limit, the best is kept, and a take that is the same audio again ends the loop.

import { describe, expect, it } from 'vitest';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { hearBack, verificationOf } from '../../src/workflows/hear-back.ts';

const ref = (sha256: string): ChunkRef => ({
  index: 4,
  uri: `file:///${sha256}.wav`,
  sampleRate: 24_000,
  channels: 1,
  frames: 100,
  durationSec: 1,
  sha256,
  attempt: 1,
  cached: false,
  characters: 10,
});

/** Steps whose takes have the given shas and are heard with the given word error rates. */
function steps(takes: Array<[string, number]>) {
  const spoken: number[] = [];
  return {
    spoken,
    speak: async (take: number) => {
      spoken.push(take);
      return ref(takes[take]![0]);
    },
    hear: async (r: ChunkRef) => ({ wordErrorRate: takes.find(([sha]) => sha === r.sha256)![1], heard: `heard ${r.sha256}` }),
  };
}

const settings = { maxWordErrorRate: 0.3, maxTakes: 3 };

describe('hearBack', () => {
  it('keeps a first take heard well, and speaks nothing again', async () => {
    const s = steps([['a', 0.1]]);
    expect((await hearBack(ref('a'), settings, s)).hearing).toEqual({ wordErrorRate: 0.1, takes: 1, passed: true });
    expect(s.spoken).toEqual([]);
  });

  it('speaks again a take heard wrong, up to the limit, and keeps the best', async () => {
    const s = steps([
      ['a', 0.6],
      ['b', 0.4],
      ['c', 0.5],
    ]);
    const kept = await hearBack(ref('a'), settings, s);
    expect(s.spoken).toEqual([1, 2]);
    expect(kept.sha256).toBe('b');
    expect(kept.hearing).toEqual({ wordErrorRate: 0.4, takes: 3, passed: false, heard: 'heard b' });
    expect(verificationOf([kept, { ...ref('x'), hearing: { wordErrorRate: 0, takes: 1, passed: true } }])).toEqual({
      checked: 2,
      resynthesized: 1,
      unresolved: [{ index: 4, wer: 0.4, heard: 'heard b' }],
    });
  });

  it('stops when a new take is the same audio (a deterministic engine): one retake, not counted', async () => {
    const s = steps([
      ['a', 0.6],
      ['a', 0.6],
    ]);
    const kept = await hearBack(ref('a'), settings, s);
    expect(s.spoken).toEqual([1]);
    expect(kept.hearing).toMatchObject({ takes: 1, passed: false });
  });
});
