// A text's sentences as a listener hears them: Intl.Segmenter's, rejoined where one ends on an
// abbreviation or initial ("Dr." / "Smith"), as the chunker reads them. Captions time these.

import { mergeAbbreviationBreaks } from './abbreviations.ts';

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Each sentence with its offset in `text` (they follow one another, spaces included). */
export function sentencesOf(text: string): Array<{ segment: string; index: number }> {
  let index = 0;
  return mergeAbbreviationBreaks(Array.from(segmenter.segment(text), (s) => s.segment)).map((segment) => {
    const sentence = { segment, index };
    index += segment.length;
    return sentence;
  });
}
