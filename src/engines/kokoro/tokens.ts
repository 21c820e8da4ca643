// Kokoro's phoneme ids: the phoneme string through vocab.json, cut into pieces the model accepts
// (at most 510 ids a call), and the model's per-id durations turned back into word timings.

import { DEFAULT_PAUSES } from '../../contract/input-schema.ts';
import type { Phonemes } from './phonemes.ts';

/** The model takes at most 510 ids between its two padding zeros (and has a style row per length). */
export const MAX_TOKENS = 510;
/** The duration tensor counts frames of this many samples (they sum to the audio's length). */
export const SAMPLES_PER_FRAME = 600;

export type Vocab = Record<string, number>;

export interface Tokens {
  ids: number[];
  /** For each id, the index of the word it speaks, or -1 (space, punctuation). */
  owners: number[];
}

/** One call of the model: ids [start, end), then this much silence before the next piece. */
export interface TokenPiece {
  start: number;
  end: number;
  pauseAfterMs: number;
}

/** Word timings in samples of the returned audio. */

/** Symbols missing from the vocabulary are dropped (KOKORO-NOTES). */
export function tokenize(phonemes: Phonemes, vocab: Vocab): Tokens {
  const ids: number[] = [];
  const owners: number[] = [];
  phonemes.symbols.forEach((symbol, i) => {
    const id = vocab[symbol];
    if (id === undefined) return;
    ids.push(id);
    owners.push(phonemes.owners[i]!);
  });
  return { ids, owners };
}

/** True when some id is spoken (not only spaces and punctuation). */
export const hasSpeech = (tokens: Tokens) => tokens.owners.some((owner) => owner >= 0);

/**
 * Cuts ids into pieces of at most `max`: after the last sentence end, else the last clause mark, else
 * the last space (none of them in the first third of a piece), else anywhere. The pause after a piece
 * is the stitcher's for the same kind of break.
 */
export function splitTokens(ids: number[], vocab: Vocab, max = MAX_TOKENS): TokenPiece[] {
  const idsOf = (symbols: string) => new Set([...symbols].map((symbol) => vocab[symbol]).filter((id) => id !== undefined));
  const kinds: Array<[Set<number>, number, boolean]> = [
    [idsOf('.!?…'), DEFAULT_PAUSES.sentenceMs, true],
    [idsOf(',;:—'), DEFAULT_PAUSES.clauseMs, true],
    [idsOf(' '), DEFAULT_PAUSES.wordMs, false],
  ];
  const space = vocab[' '];
  const pieces: TokenPiece[] = [];
  let start = 0;
  while (ids.length - start > max) {
    let cut: { end: number; pauseAfterMs: number } = { end: start + max, pauseAfterMs: 0 };
    for (const [set, pauseAfterMs, after] of kinds) {
      const at = lastIndexIn(ids, set, start + Math.floor(max / 3), start + max - (after ? 1 : 0));
      if (at >= 0) {
        cut = { end: after ? at + 1 : at, pauseAfterMs };
        break;
      }
    }
    pieces.push({ start, ...cut });
    start = cut.end;
    while (start < ids.length && ids[start] === space) start++;
  }
  if (start < ids.length) pieces.push({ start, end: ids.length, pauseAfterMs: 0 });
  return pieces;
}

function lastIndexIn(ids: number[], set: Set<number>, from: number, to: number): number {
  for (let i = Math.min(to, ids.length - 1); i >= from; i--) if (set.has(ids[i]!)) return i;
  return -1;
}

/**
 * Per-word [start, end) in samples of one model call's raw audio, from the duration of each id
 * (`durations` has one more at each end: the padding zeros, i.e. the leading and trailing silence).
 */
export function wordSpansOfPiece(owners: number[], durations: ArrayLike<number | bigint>): Map<number, [number, number]> {
  const spans = new Map<number, [number, number]>();
  let frame = Number(durations[0] ?? 0);
  owners.forEach((owner, i) => {
    const start = frame;
    frame += Number(durations[i + 1] ?? 0);
    if (owner < 0) return;
    const span = spans.get(owner);
    if (span) span[1] = frame * SAMPLES_PER_FRAME;
    else spans.set(owner, [start * SAMPLES_PER_FRAME, frame * SAMPLES_PER_FRAME]);
  });
  return spans;
}
