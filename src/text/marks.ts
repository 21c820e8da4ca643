// Marks: private-use characters placed in a text to label what follows them (src/cast uses them for
// voices and pauses). The chunker carries them through Markdown reading, starts a new chunk at each
// one and hands them over with that chunk; none is ever read aloud. A text's own private-use
// characters must be removed before marks go in (they are nothing an engine can say).

const MARK_RANGE = '\\uE000-\\uF8FF';
export const MARK = new RegExp(`[${MARK_RANGE}]`, 'u');
const MARKS = new RegExp(`[${MARK_RANGE}]`, 'gu');
const RUN = new RegExp(`[${MARK_RANGE}]+`, 'gu');
/** Marks at a text's end, with the spaces among them. */
export const TRAILING_MARKS = new RegExp(`[${MARK_RANGE}][\\s${MARK_RANGE}]*$`, 'u');

export const withoutMarks = (text: string): string => text.replace(MARKS, '');

/** `text` cut before each run of marks: every segment with the marks before it (none for a text that starts with words). */
export function splitAtMarks(text: string): Array<{ marks: string; text: string }> {
  const segments: Array<{ marks: string; text: string }> = [];
  let marks = '';
  let from = 0;
  for (const run of text.matchAll(RUN)) {
    segments.push({ marks, text: text.slice(from, run.index) });
    marks = run[0];
    from = run.index + run[0].length;
  }
  segments.push({ marks, text: text.slice(from) });
  return segments;
}
