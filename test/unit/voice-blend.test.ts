// Kokoro voice blends: the notation ("af_bella(2)+af_sky(1)"), its one spelling (the chunk key's),
// the style mixing the threads do, and which engine accepts which voice names.

import { describe, expect, it } from 'vitest';
import { canonicalBlend, isBlend, MAX_BLEND_PARTS, parseBlend } from '../../src/cast/index.ts';
import { EngineInputError } from '../../src/engines/engine.ts';
import { KokoroEngine, kokoroPin } from '../../src/engines/kokoro/kokoro-engine.ts';
import { mixStyles } from '../../src/engines/kokoro/mix-styles.ts';
import { checkVoice, engineVoices } from '../../src/engines/voices/index.ts';
import { rejection } from '../helpers/async.ts';

const canonical = (voice: string) => {
  const parts = parseBlend(voice);
  if ('problem' in parts) throw new Error(parts.problem);
  return canonicalBlend(parts);
};

describe('parseBlend', () => {
  it('reads weights; a part without one weighs 1; names are lowercased, spaces ignored', () => {
    expect(parseBlend('af_bella(2)+af_sky(1)')).toEqual([
      { voice: 'af_bella', weight: 2 },
      { voice: 'af_sky', weight: 1 },
    ]);
    expect(parseBlend('AF_Bella(0.25) + am_adam')).toEqual([
      { voice: 'af_bella', weight: 0.25 },
      { voice: 'am_adam', weight: 1 },
    ]);
    expect(parseBlend('af_heart')).toEqual([{ voice: 'af_heart', weight: 1 }]);
  });

  it('the same voice twice adds up', () => {
    expect(parseBlend('af_bella+af_sky(2)+af_bella(1.5)')).toEqual([
      { voice: 'af_bella', weight: 2.5 },
      { voice: 'af_sky', weight: 2 },
    ]);
  });

  it('says what is wrong with a blend that is not one', () => {
    expect(parseBlend('af_bella(0)+af_sky')).toEqual({ problem: 'gives af_bella the weight 0; weights must be above 0' });
    expect(parseBlend('af_bella(x)')).toEqual({ problem: 'has "af_bella(x)", not a voice with an optional weight such as af_bella(2)' });
    expect(parseBlend('af_bella(-1)')).toHaveProperty('problem', expect.stringContaining('"af_bella(-1)"'));
    expect(parseBlend('af_bella+')).toHaveProperty('problem', expect.stringContaining('has ""'));
    expect(parseBlend('af_bella(2')).toHaveProperty('problem', expect.stringContaining('"af_bella(2"'));
    const many = Array.from({ length: MAX_BLEND_PARTS + 1 }, (_, i) => `v${i}`).join('+');
    expect(parseBlend(many)).toEqual({ problem: `mixes ${MAX_BLEND_PARTS + 1} voices; at most ${MAX_BLEND_PARTS}` });
  });

  it('isBlend: a "+" or a weight', () => {
    expect(isBlend('af_bella+af_sky')).toBe(true);
    expect(isBlend('af_bella(2)')).toBe(true);
    expect(isBlend('af_bella')).toBe(false);
    expect(isBlend('en-gb')).toBe(false);
  });
});

describe('canonicalBlend', () => {
  it('one spelling whatever the order and scale: parts by name, weights as shares', () => {
    expect(canonical('af_bella(2)+af_sky(1)')).toBe('af_bella(0.6667)+af_sky(0.3333)');
    expect(canonical('af_sky+af_bella(2)')).toBe('af_bella(0.6667)+af_sky(0.3333)');
    expect(canonical('af_sky(0.5)+AF_BELLA(1)')).toBe('af_bella(0.6667)+af_sky(0.3333)');
    expect(canonical('af_sky(3)+af_bella(3)')).toBe(canonical('af_bella+af_sky'));
    expect(canonical('af_bella+af_sky')).toBe('af_bella(0.5)+af_sky(0.5)');
    expect(canonical('bm_george(1)+af_heart(1)+am_adam(2)')).toBe('af_heart(0.25)+am_adam(0.5)+bm_george(0.25)');
  });

  it('a single voice, weighted or not, is its name', () => {
    expect(canonical('af_bella(3)')).toBe('af_bella');
    expect(canonical('af_bella(1)+af_bella(2)')).toBe('af_bella');
  });

  it('is the Kokoro pin voice; a plain voice pins as before (lowercase)', () => {
    expect(kokoroPin('af_sky+af_bella(2)').voice).toBe('af_bella(0.6667)+af_sky(0.3333)');
    expect(kokoroPin('af_sky+af_bella(2)')).toEqual(kokoroPin('af_bella(4)+af_sky(2)'));
    expect(kokoroPin('AF_Bella').voice).toBe('af_bella');
    expect(kokoroPin('af_bella(1)').voice).toBe('af_bella');
    expect(kokoroPin().voice).toBe('af_heart');
  });
});

describe('mixStyles', () => {
  const mix = (...parts: [number, Float32Array][]) => mixStyles(parts.map(([weight, styles]) => ({ weight, styles })));

  it('sum(weight * styles) / sum(weights), element by element', () => {
    const a = Float32Array.of(1, 2, 3, -4);
    const b = Float32Array.of(4, 8, 0, 2);
    expect([...mix([2, a], [1, b])]).toEqual([2, 4, 2, -2]);
    expect([...mix([1, a], [1, b])]).toEqual([2.5, 5, 1.5, -1]);
    // Only the shares matter; the canonical spelling's rounded shares (0.6667, 0.3333) come within 1e-3.
    expect(mix([4, a], [2, b])).toEqual(mix([2, a], [1, b]));
    const shares = mix([0.6667, a], [0.3333, b]);
    for (const [i, value] of shares.entries()) expect(Math.abs(value - mix([2, a], [1, b])[i]!)).toBeLessThan(1e-3);
  });

  it('a whole 510 x 256 matrix, a new array, the parts untouched; one part gives itself back', () => {
    const size = 510 * 256;
    const a = Float32Array.from({ length: size }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: size }, (_, i) => Math.cos(i));
    const mixed = mix([3, a], [1, b]);
    expect(mixed).toHaveLength(size);
    for (const i of [0, 1, 256, 130_000, size - 1]) expect(mixed[i]).toBeCloseTo(0.75 * a[i]! + 0.25 * b[i]!, 6);
    expect(a[1]).toBeCloseTo(Math.sin(1), 6);
    expect(mix([2, a])).toEqual(a);
    expect(mix([2, a])).not.toBe(a);
  });

  it('refuses matrices of other sizes', () => {
    expect(() => mix([1, new Float32Array(4)], [1, new Float32Array(5)])).toThrow(/size/u);
  });
});

describe('checkVoice and engineVoices', () => {
  it('names an unknown voice, alone or in a blend', async () => {
    const alone = await checkVoice('kokoro', 'klingon');
    expect(alone).toHaveProperty('problem', expect.stringContaining('"klingon" is not one of the kokoro engine\'s voices'));
    const blended = await checkVoice('kokoro', 'af_bella(2)+klingon');
    expect(blended).toHaveProperty('problem', expect.stringContaining('unknown Kokoro voice "klingon"'));
    const malformed = await checkVoice('kokoro', 'af_bella(0)+af_sky');
    expect(malformed).toHaveProperty('problem', expect.stringContaining('weights must be above 0'));
  });

  it('gives a blend its canonical spelling, a Kokoro voice its lowercase name', async () => {
    expect(await checkVoice('kokoro', 'af_sky+af_bella(2)')).toEqual({ voice: 'af_bella(0.6667)+af_sky(0.3333)' });
    expect(await checkVoice('kokoro', 'AF_Bella')).toEqual({ voice: 'af_bella' });
  });

  it('a blend is refused by every engine but kokoro', async () => {
    for (const engine of ['espeak', 'replicate', 'simulated'] as const) {
      const result = await checkVoice(engine, 'af_bella(2)+af_sky(1)', {});
      expect(result).toHaveProperty('problem', expect.stringContaining('only the kokoro engine mixes voices'));
    }
  });

  it('eSpeak names are taken in any case and spelled lowercase', { timeout: 30_000 }, async () => {
    expect(await checkVoice('espeak', 'EN-GB')).toEqual({ voice: 'en-gb' });
    expect(await checkVoice('espeak', 'en-us')).toEqual({ voice: 'en-us' });
    expect(await checkVoice('espeak', 'af_bella')).toHaveProperty(
      'problem',
      expect.stringContaining('"af_bella" is not one of the espeak engine\'s voices'),
    );
    const names = (await engineVoices('espeak'))!.map((voice) => voice.name);
    expect(names).toEqual(expect.arrayContaining(['en-us', 'en-gb']));
  });

  it('the simulated engine takes any name; Kokoro lists its 28 voices', async () => {
    expect(await engineVoices('simulated')).toBeUndefined();
    expect(await checkVoice('simulated', 'anyone')).toEqual({ voice: 'anyone' });
    const kokoro = (await engineVoices('kokoro'))!;
    expect(kokoro).toHaveLength(28);
    expect(kokoro.find((voice) => voice.name === 'bm_george')).toEqual({
      name: 'bm_george',
      engine: 'kokoro',
      language: 'en-gb',
      gender: 'male',
    });
  });
});

describe('the Kokoro engine, before loading anything', () => {
  it('refuses a blend with an unknown part, or one that is not a blend, naming it', async () => {
    const engine = new KokoroEngine({ modelDir: '/nonexistent/never-read' });
    const signal = new AbortController().signal;
    const unknown = await rejection(engine.synthesize({ text: 'Hi.', voice: 'af_bella(2)+klingon', options: {}, signal }));
    expect(unknown).toBeInstanceOf(EngineInputError);
    expect(unknown.message).toContain('unknown Kokoro voice "klingon"');
    expect(unknown.message).toContain('af_heart');
    const malformed = await rejection(engine.synthesize({ text: 'Hi.', voice: 'af_bella(0)+af_sky', options: {}, signal }));
    expect(malformed).toBeInstanceOf(EngineInputError);
    expect(malformed.message).toContain('gives af_bella the weight 0');
    await engine.close();
  });
});
