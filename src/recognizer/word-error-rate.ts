// How far what was heard is from what was written: the word error rate (substitutions, deletions
// and insertions over the written words), after both sides are made comparable. Engines say
// "forty-two" where Whisper writes "42", and Whisper adds or drops case, punctuation and hyphens:
// those are formatting, not speech, and must not count.

/** (substitutions + deletions + insertions) / written words; 0 when both are empty. */
export function wordErrorRate(written: string, heard: string): number {
  const reference = comparableWords(written);
  const hypothesis = comparableWords(heard);
  if (reference.length === 0) return hypothesis.length === 0 ? 0 : 1;
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = previous[j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[hypothesis.length]! / reference.length;
}

/** Lower case, numbers as words, no punctuation, hyphens and dashes as spaces, apostrophes dropped ("don't" = "dont"). */
export function comparableWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/gu, '$1') // 1,000 -> 1000
    .replace(/\d+(?:\.\d+)?/gu, (number) => numberWords(number))
    .replace(/['’‘]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

const ONES =
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'.split(
    ' ',
  );
const TENS = ' ten twenty thirty forty fifty sixty seventy eighty ninety'.split(' ');
const SCALES: Array<[number, string]> = [
  [1e9, 'billion'],
  [1e6, 'million'],
  [1e3, 'thousand'],
  [100, 'hundred'],
];

/** "42" -> "forty two", "3.5" -> "three point five"; very long digit runs are read digit by digit. */
function numberWords(number: string): string {
  const [whole, fraction] = number.split('.') as [string, string | undefined];
  const integer = whole.length > 12 ? [...whole].map((digit) => ONES[Number(digit)]).join(' ') : integerWords(Number(whole));
  return ` ${integer}${fraction ? ` point ${[...fraction].map((digit) => ONES[Number(digit)]).join(' ')}` : ''} `;
}

function integerWords(n: number): string {
  if (n < 20) return ONES[n]!;
  if (n < 100) return `${TENS[Math.floor(n / 10)]}${n % 10 ? ` ${ONES[n % 10]}` : ''}`;
  const [scale, name] = SCALES.find(([size]) => n >= size)!;
  const rest = n % scale;
  return `${integerWords(Math.floor(n / scale))} ${name}${rest ? ` ${integerWords(rest)}` : ''}`;
}
