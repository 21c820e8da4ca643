// The word error rate counts speech, not formatting: numbers, case, punctuation and hyphens are
// made comparable on both sides first.

import { describe, expect, it } from 'vitest';
import { windows } from '../../src/recognizer/index.ts';
import { comparableWords, wordErrorRate } from '../../src/recognizer/word-error-rate.ts';

describe('wordErrorRate', () => {
  it('ignores case, punctuation, hyphens, apostrophes and how numbers are written', () => {
    expect(wordErrorRate('Forty-two ships, at 3.5 knots; don’t stop!', '42 ships at three point five knots. Dont stop')).toBe(0);
    expect(wordErrorRate('It cost 1,000 pounds.', 'It cost one thousand pounds')).toBe(0);
    expect(comparableWords('In 1984, 21 people')).toEqual([
      'in',
      'one',
      'thousand',
      'nine',
      'hundred',
      'eighty',
      'four',
      'twenty',
      'one',
      'people',
    ]);
  });

  it('counts substitutions, deletions and insertions against the written words', () => {
    expect(wordErrorRate('the ship will come tonight', 'the ship will come tonight')).toBe(0);
    expect(wordErrorRate('the ship will come tonight', 'the sheep will come tonight')).toBeCloseTo(0.2);
    expect(wordErrorRate('the ship will come tonight', 'the ship will')).toBeCloseTo(0.4); // a take cut short
    expect(wordErrorRate('the ship will come tonight', 'the ship will come here tonight')).toBeCloseTo(0.2);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });
});

describe('windows', () => {
  it('cuts audio over 30 s at its quietest point of the last 10 s of each window, and keeps every sample', () => {
    const rate = 16_000;
    const samples = new Float32Array(70 * rate).fill(0.5);
    samples.fill(0, 25 * rate, 25 * rate + 800); // a pause at 25 s
    const parts = windows(samples);
    expect(parts.map((p) => p.length).reduce((a, b) => a + b, 0)).toBe(samples.length);
    expect(parts.every((p) => p.length <= 30 * rate)).toBe(true);
    expect(Math.abs(parts[0]!.length - 25 * rate)).toBeLessThan(400);
    expect(windows(new Float32Array(10 * rate))).toHaveLength(1);
  });
});
