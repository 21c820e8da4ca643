// With `verify`: each chunk is heard back as soon as it is spoken; a take heard with too many word
// errors is spoken again (a new take: a new key, a new prediction), up to the document's limit,
// and the take heard best is kept. A chunk still off is kept too, and listed, never hidden.

import type { HeardChunk } from '../activities/index.ts';
import type { ChunkHearing, ChunkRef } from '../contract/refs.ts';
import type { Verification } from '../contract/result.ts';
import type { VerifySettings } from '../document/input.ts';

export interface HearBackSteps {
  /** Take `take` (1, 2, ...) of the chunk, spoken again. */
  speak(take: number): Promise<ChunkRef>;
  hear(ref: ChunkRef): Promise<HeardChunk>;
}

export async function hearBack(first: ChunkRef, { maxWordErrorRate, maxTakes }: VerifySettings, steps: HearBackSteps): Promise<ChunkRef> {
  let best = { ref: first, ...(await steps.hear(first)) };
  let takes = 1;
  while (best.wordErrorRate > maxWordErrorRate && takes < maxTakes) {
    const ref = await steps.speak(takes);
    // The same audio again (a local engine is deterministic): another take cannot do better.
    if (ref.sha256 === first.sha256) break;
    takes++;
    const heard = await steps.hear(ref);
    if (heard.wordErrorRate < best.wordErrorRate) best = { ref, ...heard };
  }
  const passed = best.wordErrorRate <= maxWordErrorRate;
  const hearing: ChunkHearing = { wordErrorRate: best.wordErrorRate, takes, passed, ...(passed ? {} : { heard: best.heard }) };
  return { ...best.ref, hearing };
}

/** What the refs' hearings add up to (without the threshold, which is the document's). */
export function verificationOf(refs: readonly ChunkRef[]): Omit<Verification, 'maxWordErrorRate'> | undefined {
  const heard = refs.filter((ref) => ref.hearing);
  if (heard.length === 0) return undefined;
  return {
    checked: heard.length,
    resynthesized: heard.filter((ref) => ref.hearing!.takes > 1).length,
    unresolved: heard
      .filter((ref) => !ref.hearing!.passed)
      .map((ref) => ({ index: ref.index, wer: ref.hearing!.wordErrorRate, heard: ref.hearing!.heard ?? '' })),
  };
}

/** Two runs of chunks (a book's parts) together. */
export function addVerifications(
  a: Omit<Verification, 'maxWordErrorRate'> | undefined,
  b: Omit<Verification, 'maxWordErrorRate'> | undefined,
): Omit<Verification, 'maxWordErrorRate'> | undefined {
  if (!a || !b) return a ?? b;
  return {
    checked: a.checked + b.checked,
    resynthesized: a.resynthesized + b.resynthesized,
    unresolved: [...a.unresolved, ...b.unresolved],
  };
}
