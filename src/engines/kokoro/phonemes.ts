// Text -> Kokoro's phoneme string, remembering which word of the text each phoneme speaks (for word
// timings). The IPA comes from an IpaWords function (eSpeak-NG, see espeak-ipa.ts); here: number
// and title normalization, punctuation kept between clauses, and eSpeak's IPA fitted to Kokoro's
// vocabulary. The rules follow kokoro-js 1.2.1's phonemize step (Apache-2.0).

import { alignIpaWords } from './align-words.ts';

export type PhonemeLanguage = 'en-us' | 'en-gb';
/** IPA words of a text without punctuation, one string per word as the phonemizer groups them. */
export type IpaWords = (text: string, language: PhonemeLanguage) => string[];

export interface TextWord {
  /** The word as written, without surrounding punctuation. */
  text: string;
  /** Offset of the word (as written, with its punctuation) in the text, in UTF-16 units. */
  index: number;
}

/** A span of the text to say with these phonemes (a dictionary entry), not eSpeak's. */
export interface IpaOverride {
  index: number;
  length: number;
  ipa: string;
}

export interface Phonemes {
  /** Code points of the phoneme string: IPA, spaces and punctuation. */
  symbols: string[];
  /** For each symbol, the index in `words` of the word it speaks; -1 for spaces and punctuation. */
  owners: number[];
  words: TextWord[];
}

/** Punctuation Kokoro was trained with; kept between clauses for pauses and intonation. */
const PUNCTUATION = ';:,.!?¡¿—…"«»“”(){}[]';
const PUNCTUATION_CLASS = `[${PUNCTUATION.replace(/[\]\\[]/g, '\\$&')}]`;
const PUNCTUATION_RUN = new RegExp(`(?:\\s*${PUNCTUATION_CLASS}+\\s*)+`, 'gu');
/** What is stripped from a word as written for its timing: punctuation and quotes around it. */
const OUTER_PUNCTUATION = new RegExp(`^(?:${PUNCTUATION_CLASS}|['‘’])+|(?:${PUNCTUATION_CLASS}|['‘’])+$`, 'gu');

export function textToPhonemes(text: string, language: PhonemeLanguage, ipaWords: IpaWords, overrides: IpaOverride[] = []): Phonemes {
  // Each word of the text is normalized alone, so every normalized character knows its word.
  const words: TextWord[] = [];
  // For each word a dictionary entry covers: the entry's IPA for its first word, '' for the rest.
  const overridden = new Map<number, string>();
  const started = new Set<IpaOverride>();
  let normalized = '';
  const charOwners: number[] = [];
  for (const token of tokensOf(text, overrides)) {
    const word = normalizeWord(token.text);
    if (!word) continue;
    if (normalized) {
      normalized += ' ';
      charOwners.push(-1);
    }
    normalized += word;
    // A piece an entry cut off that has nothing to say (the quote before "Nguyen") is punctuation, no word.
    const spoken = overrides.length === 0 || token.override !== undefined || /[\p{L}\p{N}]/u.test(word);
    for (let i = 0; i < word.length; i++) charOwners.push(spoken ? words.length : -1);
    if (!spoken) continue;
    if (token.override) {
      overridden.set(words.length, started.has(token.override) ? '' : token.override.ipa);
      started.add(token.override);
    }
    words.push({ text: token.text.replace(OUTER_PUNCTUATION, '') || token.text, index: token.index });
  }

  const symbols: string[] = [];
  const owners: number[] = [];
  const emit = (chars: string[], owner: number[] | number) => {
    chars.forEach((char, i) => {
      symbols.push(char);
      owners.push(typeof owner === 'number' ? owner : owner[i]!);
    });
  };
  const clause = (from: number, to: number) => {
    const parts = [...normalized.slice(from, to).matchAll(/\S+/gu)].map((m) => ({ text: m[0], owner: charOwners[from + m.index]! }));
    // Runs of ordinary words are phonemized together; an overridden word says its dictionary IPA.
    let run: typeof parts = [];
    let afterOverride = false;
    const flush = () => {
      if (run.length === 0) return;
      if (afterOverride) emit([' '], -1);
      emit(...clauseToPhonemes(run, language, ipaWords));
      run = [];
      afterOverride = false;
    };
    for (const part of parts) {
      const ipa = overridden.get(part.owner);
      if (ipa === undefined) {
        run.push(part);
        continue;
      }
      const spaceBefore = run.length > 0 || afterOverride;
      flush();
      if (ipa === '') continue; // a later word of the same entry: said with the first
      if (spaceBefore) emit([' '], -1);
      emit([...fitToKokoro(ipa, language)], part.owner);
      afterOverride = true;
    }
    flush();
  };
  let at = 0;
  for (const match of normalized.matchAll(PUNCTUATION_RUN)) {
    clause(at, match.index);
    emit([...match[0].replace(/\s+/gu, ' ')], -1);
    at = match.index + match[0].length;
  }
  clause(at, normalized.length);
  // No space at either end: it would only lengthen the model's silence.
  while (symbols[0] === ' ') {
    symbols.shift();
    owners.shift();
  }
  while (symbols.at(-1) === ' ') {
    symbols.pop();
    owners.pop();
  }
  return { symbols, owners, words };
}

/**
 * The text's words (runs of non-space), each cut where a dictionary entry starts or ends, so that an
 * entry is words of its own: "Nguyen's" is "Nguyen" (the entry) and "'s", "“Nguyen,”" three pieces.
 */
function tokensOf(text: string, overrides: IpaOverride[]): Array<{ text: string; index: number; override?: IpaOverride }> {
  const tokens: Array<{ text: string; index: number; override?: IpaOverride }> = [];
  for (const match of text.matchAll(/\S+/gu)) {
    const end = match.index + match[0].length;
    const edges = overrides.flatMap((o) => [o.index, o.index + o.length]).filter((edge) => edge > match.index && edge < end);
    const cuts = [...new Set([match.index, ...edges, end])].sort((a, b) => a - b);
    for (let k = 0; k + 1 < cuts.length; k++) {
      const [from, to] = [cuts[k]!, cuts[k + 1]!];
      const override = overrides.find((o) => from >= o.index && from < o.index + o.length);
      tokens.push({ text: text.slice(from, to), index: from, ...(override ? { override } : {}) });
    }
  }
  return tokens;
}

/**
 * One clause (no punctuation) phonemized as a whole, so stress and linking follow the context; its IPA
 * words are aligned with the words phonemized one by one (eSpeak merges "of the", splits numbers, and
 * the counts may agree by accident: align-words.ts).
 */
function clauseToPhonemes(
  parts: Array<{ text: string; owner: number }>,
  language: PhonemeLanguage,
  ipaWords: IpaWords,
): [string[], number[]] {
  const ipa = joinLoneZ(ipaWords(parts.map((part) => part.text).join(' '), language)).map((word) => [...word]);
  const isolated = parts.flatMap((part) => joinLoneZ(ipaWords(part.text, language)).map((word) => ({ ipa: word, owner: part.owner })));
  const wordOwners = alignIpaWords(ipa, isolated);
  const symbols: string[] = [];
  const owners: number[] = [];
  ipa.forEach((word, w) => {
    if (w > 0) {
      symbols.push(' ');
      owners.push(-1);
    }
    const fitted = fitToKokoro(word.join(''), language);
    // fitToKokoro keeps the length, except for the space it may insert before "hundred".
    let source = 0;
    for (const char of fitted) {
      symbols.push(char);
      owners.push(char === ' ' ? -1 : wordOwners[w]![Math.min(source, word.length - 1)]!);
      if (char !== ' ' || word[source] === ' ') source++;
    }
  });
  return [symbols, owners];
}

/** eSpeak writes the "s" of "1990s" as a word of its own: it belongs to the word before. */
function joinLoneZ(words: string[]): string[] {
  const out: string[] = [];
  for (const word of words) {
    if (word === 'z' && out.length > 0) out[out.length - 1] += word;
    else out.push(word);
  }
  return out;
}

/** eSpeak's symbols that Kokoro's vocabulary lacks (KOKORO-NOTES), and kokoro-js's small fixes. */
function fitToKokoro(ipa: string, language: PhonemeLanguage): string {
  let out = ipa
    .replace(/ʲ/gu, 'j')
    .replace(/r/gu, 'ɹ')
    .replace(/x/gu, 'k')
    .replace(/ɬ/gu, 'l')
    .replace(/(?<=[a-zɹː])(?=hˈʌndɹɪd)/gu, ' ');
  if (language === 'en-us') out = out.replace(/(?<=nˈaɪn)ti(?!ː)/gu, 'di');
  return out;
}

// --- Normalization of one word (kokoro-js's rules, word by word) ---

/** Titles, years, times, money, decimals and ranges as eSpeak should read them. */
export function normalizeWord(word: string): string {
  return word
    .replace(/[‘’]/gu, "'")
    .replace(/[«»“”]/gu, '"')
    .replace(/^(?:–|--)$/u, '—')
    .replace(/^D[Rr]\./u, 'Doctor')
    .replace(/^(?:Mr|MR)\./u, 'Mister')
    .replace(/^(?:Ms|MS)\./u, 'Miss')
    .replace(/^(?:Mrs|MRS)\./u, 'Mrs')
    .replace(/\d*\.\d+|\b\d{4}s?\b|(?<!:)\b(?:[1-9]|1[0-2]):[0-5]\d\b(?!:)/gu, yearOrTime)
    .replace(/(?<=\d),(?=\d)/gu, '')
    .replace(/[$£]\d+(?:\.\d+)?/gu, money)
    .replace(/\d*\.\d+/gu, (decimal) => {
      const [whole, fraction] = decimal.split('.');
      return `${whole} point ${fraction!.split('').join(' ')}`;
    })
    .replace(/(?<=\d)-(?=\d)/gu, ' to ')
    .replace(/(?<=[A-Z])\.(?=[A-Z])/gu, '-');
}

function yearOrTime(text: string): string {
  if (text.includes('.')) return text;
  if (text.includes(':')) {
    const [hours, minutes] = text.split(':').map(Number) as [number, number];
    if (minutes === 0) return `${hours} o'clock`;
    return minutes < 10 ? `${hours} oh ${minutes}` : `${hours} ${minutes}`;
  }
  const year = parseInt(text.slice(0, 4), 10);
  if (year < 1100 || year % 1000 < 10) return text;
  const century = text.slice(0, 2);
  const rest = parseInt(text.slice(2, 4), 10);
  const plural = text.endsWith('s') ? 's' : '';
  if (year % 1000 >= 100 && year % 1000 <= 999) {
    if (rest === 0) return `${century} hundred${plural}`;
    if (rest < 10) return `${century} oh ${rest}${plural}`;
  }
  return `${century} ${rest}${plural}`;
}

function money(text: string): string {
  const unit = text[0] === '$' ? 'dollar' : 'pound';
  const amount = text.slice(1);
  if (!amount.includes('.')) return `${amount} ${unit}${amount === '1' ? '' : 's'}`;
  const [whole, fraction] = amount.split('.') as [string, string];
  const cents = parseInt(fraction.padEnd(2, '0').slice(0, 2), 10);
  const small = unit === 'dollar' ? (cents === 1 ? 'cent' : 'cents') : cents === 1 ? 'penny' : 'pence';
  return `${whole} ${unit}${whole === '1' ? '' : 's'} and ${cents} ${small}`;
}
