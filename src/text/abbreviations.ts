// English abbreviations and initials after which a sentence does not end ("Dr. Smith", "Mr. D. Holloway").
//
// Intl.Segmenter ends a sentence at any ". " before a capital or a digit. ICU has a fix for that
// (sentence-break suppressions, locale key "-u-ss-standard"), but V8 drops the key: in Node 20
// (ICU 78) 'en-u-ss-standard' splits "Mr. Smith went." after "Mr." just as 'en' does. So the
// segmenter's sentences are merged again here, with an explicit list. A merge costs little (a
// longer sentence, perhaps split at a comma); a wrong end puts a pause inside a name.

/** Titles and Latin abbreviations that come before a name, a number or the rest of the sentence: never a sentence end. */
const NEVER_END = new Set([
  // Titles before a name. "Jr." and "Sr." can end a sentence ("… King Jr. He …"), but a missing pause
  // there is a smaller fault than one inside "Sr. Garcia".
  'mr',
  'mrs',
  'ms',
  'mx',
  'messrs',
  'mme',
  'mlle',
  'dr',
  'prof',
  'rev',
  'hon',
  'sr',
  'jr',
  'capt',
  'col',
  'gen',
  'lt',
  'sgt',
  'gov',
  'sen',
  'rep',
  'pres',
  'fr',
  // Places before a name: "St. Paul", "Mt. Everest", "Ft. Worth".
  'st',
  'mt',
  'ft',
  // Latin and legal: always followed by more of the same sentence.
  'e.g',
  'i.e',
  'cf',
  'viz',
  'vs',
  'v',
]);

/** Abbreviations that end a sentence unless a number follows ("No. 5", "p. 4", "Fig. 3"). */
const BEFORE_NUMBER = new Set(['no', 'nos', 'vol', 'p', 'pp', 'ch', 'fig', 'sec']);

/**
 * Abbreviations that often end a sentence: they continue it only before a lower-case word
 * ("etc. and then", "Acme Inc. was"), and "etc. Then we left." has two sentences.
 */
const BEFORE_LOWER_CASE = new Set(['etc', 'inc', 'ltd', 'co', 'corp', 'bros', 'al', 'approx', 'dept']);
/** Dotted acronyms ("U.S.", "U.K.", "a.m."), treated like BEFORE_LOWER_CASE: "in the U.S. Then …" is a sentence end. */
const DOTTED_ACRONYM = /^(?:\p{L}\.)+\p{L}$/u;

const OPENING_MARKS = /^["'\u2018\u201c\u00ab([{\u300c\u300e]+/u;
const SPACE = /\s/u;

/**
 * Whether the sentence goes on after `word` (a whitespace-delimited word ending in ".") when `next`
 * is the word that follows it.
 */
export function continuesAfter(word: string, next: string): boolean {
  const bare = word.replace(OPENING_MARKS, '');
  if (!bare.endsWith('.') || bare.length < 2 || next === '') return false;
  const key = bare.slice(0, -1).toLowerCase();
  const following = next.replace(OPENING_MARKS, '');
  if (NEVER_END.has(key)) return true;
  if (BEFORE_NUMBER.has(key) && /^\p{N}/u.test(following)) return true;
  if (/^\p{Ll}/u.test(following) && (BEFORE_LOWER_CASE.has(key) || DOTTED_ACRONYM.test(key))) return true;
  // An initial before a name or another initial: "D. Holloway", "J. R. R. Tolkien". Not "I.":
  // "So did I. Then …" is far more common than an initial I.
  if (/^\p{Lu}\.$/u.test(bare)) return key === 'i' ? /^\p{Lu}\./u.test(following) : /^\p{Lu}/u.test(following);
  return false;
}

/** Joins the sentences (Intl.Segmenter's, with their trailing spaces) that end on an abbreviation or initial to the next one. */
export function mergeAbbreviationBreaks(sentences: readonly string[]): string[] {
  const merged: string[] = [];
  for (const sentence of sentences) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && continuesAfter(lastWord(previous), firstWord(sentence))) merged[merged.length - 1] = previous + sentence;
    else merged.push(sentence);
  }
  return merged;
}

/**
 * Joins each word piece (a word with the spaces after it) that ends on an abbreviation or initial to
 * the next piece, so no chunk ends between "Dr." and "Smith" while the group fits.
 */
export function glueAbbreviations(pieces: readonly string[]): string[] {
  const glued: string[] = [];
  let holds = false;
  pieces.forEach((piece, i) => {
    if (holds) glued[glued.length - 1] += piece;
    else glued.push(piece);
    const next = pieces[i + 1];
    const word = piece.trim();
    holds = next !== undefined && word.endsWith('.') && continuesAfter(word, firstWord(next));
  });
  return glued;
}

function lastWord(text: string): string {
  let end = text.length;
  while (end > 0 && SPACE.test(text[end - 1]!)) end--;
  // Only a word ending in "." can be an abbreviation: most sentences are rejected here.
  if (text[end - 1] !== '.') return '';
  let start = end;
  while (start > 0 && !SPACE.test(text[start - 1]!)) start--;
  return text.slice(start, end);
}

function firstWord(text: string): string {
  return /^\s*(\S*)/u.exec(text)![1]!;
}
