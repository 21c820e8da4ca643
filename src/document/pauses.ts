// The silence after each chunk, from the break the chunker found there and the document's pauses.

import type { PauseSettings } from '../contract/input-schema.ts';
import type { BreakAfter } from '../text/chunker.ts';

export function pauseAfter(breakAfter: BreakAfter, pauses: PauseSettings): number {
  switch (breakAfter) {
    case 'word':
      return pauses.wordMs;
    case 'clause':
      return pauses.clauseMs;
    case 'sentence':
      return pauses.sentenceMs;
    case 'paragraph':
      return pauses.paragraphMs;
    case 'heading':
      return pauses.headingMs;
    case 'end':
      return 0;
  }
}

export function pausesAfter(breaks: readonly BreakAfter[], pauses: PauseSettings): number[] {
  return breaks.map((breakAfter) => pauseAfter(breakAfter, pauses));
}
