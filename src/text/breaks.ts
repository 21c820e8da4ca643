// Chunk breaks written one letter each: a book's 20,000 breaks stay a 20 KB string in the history.

import type { BreakAfter } from './chunker.ts';

const LETTERS: Record<BreakAfter, string> = { word: 'w', clause: 'c', sentence: 's', paragraph: 'p', heading: 'h', end: 'e' };
const BREAKS = Object.fromEntries(Object.entries(LETTERS).map(([name, letter]) => [letter, name])) as Record<string, BreakAfter>;

export function encodeBreaks(breaks: BreakAfter[]): string {
  return breaks.map((b) => LETTERS[b]).join('');
}

export function decodeBreaks(letters: string): BreakAfter[] {
  return Array.from(letters, (letter) => BREAKS[letter]!);
}
