// A long document is spoken in parts, each a child workflow with a history of its own. A part ends
// at a chapter heading when one lies inside it (several short chapters share a part), else where
// the limits force it; no part has more chunks or characters than one history comfortably holds.

import { MAX_PART_CHARACTERS, MAX_PART_CHUNKS } from '../contract/text-limits.ts';

export interface PartSpan {
  /** Chunk indexes [from, to). */
  from: number;
  to: number;
}

export interface PartLimits {
  chunks: number;
  characters: number;
}

/** `lengths[i]`: chunk i's characters; `headings`: the chunks that start a chapter. */
export function splitIntoParts(
  lengths: number[],
  headings: ReadonlySet<number>,
  limits: PartLimits = { chunks: MAX_PART_CHUNKS, characters: MAX_PART_CHARACTERS },
): PartSpan[] {
  const parts: PartSpan[] = [];
  const before = [0]; // characters before chunk i
  for (const length of lengths) before.push(before.at(-1)! + length);
  const fits = (from: number, to: number) => to - from <= limits.chunks && before[to]! - before[from]! <= limits.characters;
  let from = 0;
  let lastHeading = -1;
  for (let i = 0; i < lengths.length; i++) {
    if (i > from && !fits(from, i + 1)) {
      // Back to the last chapter start inside the part, if there is one.
      const cut = lastHeading > from ? lastHeading : i;
      parts.push({ from, to: cut });
      from = cut;
      lastHeading = -1;
      if (from < i && !fits(from, i + 1)) {
        parts.push({ from, to: i });
        from = i;
      }
    }
    if (headings.has(i) && i > from) lastHeading = i;
  }
  if (lengths.length > from) parts.push({ from, to: lengths.length });
  return parts;
}
