// Quoted speech in a paragraph, found for the dialogue voice: "…" and “…” always, ‘…’ when it is
// clearly speech (an apostrophe in ship’s, ’tis or the boys’ never opens or closes one). A
// quotation still open at the paragraph's end closes there: a speech that goes on in the next
// paragraph opens again with that paragraph's opening mark, as books print it.

import { DIALOGUE_CLOSE, DIALOGUE_OPEN } from './cast-marks.ts';

/** What may stand before an opening mark: the start, a space, an opening bracket or dash, or a mark. */
const OPENS_AFTER = /[\s([{\u2014\u2013\uE000-\uF8FF-]/u;
const LETTER = /[\p{L}\p{N}]/u;
/** Speech ends with punctuation before its closing ’: ‘Come here,’ she said. */
const SPEECH_END = /[.,!?;:\u2026\u2014\u2013-]/u;
/** Words that start with an apostrophe: ‘tis is no quotation. */
const ELISION = /^(?:tis|twas|twere|em|cause|til|till|n|neath|round|bout|ere)\b/iu;

interface Quote {
  close: string;
  /** ‘…’: where its closing mark is (found when it opened). */
  closeAt?: number;
}

/** `part` with DIALOGUE_OPEN before each quotation and DIALOGUE_CLOSE after it. */
export function markDialogue(part: string): string {
  let out = '';
  let quote: Quote | undefined;
  for (let i = 0; i < part.length; i++) {
    const char = part[i]!;
    if (quote) {
      if (quote.closeAt === undefined ? char === quote.close : i === quote.closeAt) {
        out += char + DIALOGUE_CLOSE;
        quote = undefined;
        continue;
      }
    } else {
      const opening = openingAt(part, i);
      if (opening) {
        out += DIALOGUE_OPEN + char;
        quote = opening;
        continue;
      }
    }
    out += char;
  }
  return quote ? out + DIALOGUE_CLOSE : out;
}

function openingAt(part: string, i: number): Quote | undefined {
  const char = part[i]!;
  const before = part[i - 1];
  const startsWord = before === undefined || OPENS_AFTER.test(before);
  if (char === '\u201c') return { close: '\u201d' };
  if (char === '"') return startsWord ? { close: '"' } : undefined; // 12" is inches
  if (char !== '\u2018' || !startsWord || !LETTER.test(part[i + 1] ?? '') || ELISION.test(part.slice(i + 1))) return undefined;
  const closeAt = singleCloseAfter(part, i + 1);
  if (closeAt !== undefined) return { close: '\u2019', closeAt };
  // Unclosed, at the paragraph's start: a speech going on into the next paragraph.
  return /^[\s\uE000-\uF8FF]*$/u.test(part.slice(0, i)) ? { close: '\u2019', closeAt: -1 } : undefined;
}

/** The ’ that closes a ‘ quotation: after the speech's punctuation, before no letter. */
function singleCloseAfter(part: string, from: number): number | undefined {
  for (let i = part.indexOf('\u2019', from); i >= 0; i = part.indexOf('\u2019', i + 1)) {
    if (SPEECH_END.test(part[i - 1] ?? '') && !LETTER.test(part[i + 1] ?? '')) return i;
  }
  return undefined;
}
