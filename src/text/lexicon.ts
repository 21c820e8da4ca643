// A pronunciation dictionary: a word or phrase as written -> how to say it, as a respelling
// ("sir come VEN shun") or as IPA ("/ˈnwɪn/"). Whole words only, case-insensitive unless the entry
// says otherwise. Pure: the workflow picks each chunk's entries with it (only those enter the chunk's
// key), and the engines find where they are in the chunk's text.

/** A respelling, "/IPA/", or both with the case to match. */
export type LexiconValue = string | { say?: string; ipa?: string; matchCase?: boolean };
export type Lexicon = Record<string, LexiconValue>;

/** One occurrence of an entry in a text: what is written there and how to say it. */
export interface PronouncedSpan {
  /** Offset in the text (UTF-16 units) and length of what is written. */
  index: number;
  length: number;
  written: string;
  say?: string;
  /** Without its slashes. */
  ipa?: string;
}

export interface Pronunciation {
  say?: string;
  ipa?: string;
  matchCase: boolean;
}

/** The entries of `lexicon` that occur in `text`, or undefined when none does. */
export function lexiconIn(text: string, lexicon: Lexicon | undefined): Lexicon | undefined {
  if (!lexicon) return undefined;
  const found = Object.entries(lexicon).filter(([written, value]) => patternOf(written, pronunciationOf(value)).test(text));
  return found.length > 0 ? Object.fromEntries(found) : undefined;
}

/** Every occurrence in `text`, in order, without overlaps: where two entries overlap, the longer one wins ("lead pipe" over "lead"). */
export function pronouncedSpans(text: string, lexicon: Lexicon | undefined): PronouncedSpan[] {
  if (!lexicon) return [];
  // Longest first; equal lengths by their written form, so that the file's order never matters.
  const entries = Object.entries(lexicon).sort(([a], [b]) => b.length - a.length || compare(a, b));
  const taken: PronouncedSpan[] = [];
  for (const [written, value] of entries) {
    const pronunciation = pronunciationOf(value);
    for (const match of text.matchAll(patternOf(written, pronunciation, 'g'))) {
      const span = { index: match.index, length: match[0].length };
      if (taken.some((t) => span.index < t.index + t.length && t.index < span.index + span.length)) continue;
      taken.push({
        ...span,
        written: match[0],
        ...(pronunciation.say ? { say: pronunciation.say } : {}),
        ...(pronunciation.ipa ? { ipa: pronunciation.ipa } : {}),
      });
    }
  }
  return taken.sort((a, b) => a.index - b.index);
}

/** The entries as a chunk key sees them: sorted, and each said the one way it means ("/wɪn/" and { ipa: "wɪn" } alike). */
export function lexiconKey(lexicon: Lexicon): Array<[string, Pronunciation]> {
  return Object.entries(lexicon)
    .map(([written, value]): [string, Pronunciation] => [written, pronunciationOf(value)])
    .sort(([a], [b]) => compare(a, b));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A dictionary file's JSON; throws, saying what a dictionary looks like, when it is not a JSON object. */
export function parseLexicon(json: string): Lexicon {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('must be a JSON object, e.g. {"circumvention": "sir come VEN shun", "Nguyen": "/wɪn/"}');
  return value as Lexicon;
}

/** What is wrong with an entry, or undefined: for input validation, naming the entry. */
export function lexiconEntryProblem(written: string, value: LexiconValue): string | undefined {
  if (!/[\p{L}\p{N}]/u.test(written)) return `"${written}" has no letter or digit to match`;
  const { say, ipa } = pronunciationOf(value);
  if (!say && !ipa) return `"${written}" says neither how to say it ("say" or "/IPA/") nor "ipa"`;
  if (say !== undefined && !/[\p{L}\p{N}]/u.test(say)) return `"${written}": "${say}" has nothing to say`;
  return undefined;
}

function pronunciationOf(value: LexiconValue): Pronunciation {
  if (typeof value === 'string') {
    const ipa = /^\/(.+)\/$/su.exec(value.trim())?.[1]?.trim();
    return ipa ? { ipa, matchCase: false } : { say: value.trim(), matchCase: false };
  }
  const ipa = value.ipa
    ?.trim()
    .replace(/^\/(.*)\/$/su, '$1')
    .trim();
  return { ...(value.say?.trim() ? { say: value.say.trim() } : {}), ...(ipa ? { ipa } : {}), matchCase: value.matchCase === true };
}

/** Patterns made once: a book's every chunk is matched against every entry (in the workflow, too). */
const patterns = new Map<string, RegExp>();

/** The written form as whole words: any run of spaces between its words, either apostrophe, no letter or digit on either side. */
function patternOf(written: string, { matchCase }: Pronunciation, flags = ''): RegExp {
  const key = `${written}\0${matchCase}\0${flags}`;
  let pattern = patterns.get(key);
  if (!pattern) {
    pattern = makePattern(written, matchCase, flags);
    patterns.set(key, pattern);
  }
  return pattern;
}

function makePattern(written: string, matchCase: boolean, flags: string): RegExp {
  const words = written
    .trim()
    .split(/\s+/u)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&').replace(/['’]/gu, "['’]"));
  return new RegExp(`(?<![\\p{L}\\p{N}])${words.join('\\s+')}(?![\\p{L}\\p{N}])`, `u${matchCase ? '' : 'i'}${flags}`);
}
