// Which word of the text each phoneme of a clause speaks. eSpeak phonemizes a clause as a whole (so
// stress and linking follow the context) but its words are not the text's: it merges "of the" into
// one, reads "42" as two. So the clause's IPA words are aligned with the words phonemized one by one
// (each labelled with its text word), allowing merges and splits, by edit distance.

export interface LabelledIpa {
  ipa: string;
  owner: number;
}

/** Groups of 1..3 words on either side that may stand for each other; [0, 1] and [1, 0] keep a solution. */
const STEPS: Array<[number, number]> = [
  [1, 1],
  [1, 2],
  [2, 1],
  [1, 3],
  [3, 1],
  [1, 0],
  [0, 1],
];
const UNMATCHED_COST = 1.5;

/** For each code point of each clause word, the owner of the isolated word it comes from. */
export function alignIpaWords(clause: string[][], isolated: LabelledIpa[]): number[][] {
  const iso = isolated.map((word) => ({ ...word, chars: [...word.ipa] }));
  const n = clause.length;
  const m = iso.length;
  const cost: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(Infinity));
  const from: Array<Array<[number, number]>> = Array.from({ length: n + 1 }, () => new Array(m + 1));
  cost[0]![0] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const here = cost[i]![j]!;
      if (here === Infinity) continue;
      for (const [di, dj] of STEPS) {
        if (i + di > n || j + dj > m) continue;
        const step =
          di === 0 || dj === 0
            ? UNMATCHED_COST
            : distance(
                clause.slice(i, i + di).flat(),
                iso.slice(j, j + dj).flatMap((word) => word.chars),
              ) +
              (di + dj - 2) * 0.05;
        if (here + step < cost[i + di]![j + dj]!) {
          cost[i + di]![j + dj] = here + step;
          from[i + di]![j + dj] = [di, dj];
        }
      }
    }
  }
  const owners: number[][] = clause.map((word) => word.map(() => -1));
  let lastOwner = iso[0]?.owner ?? -1;
  const groups: Array<[number, number, number, number]> = [];
  for (let i = n, j = m; i > 0 || j > 0; ) {
    const [di, dj] = from[i]![j]!;
    groups.unshift([i - di, i, j - dj, j]);
    i -= di;
    j -= dj;
  }
  for (const [i0, i1, j0, j1] of groups) {
    if (j1 === j0) {
      // A clause word with no isolated counterpart belongs with the word before it.
      for (let i = i0; i < i1; i++) owners[i]!.fill(lastOwner);
      continue;
    }
    // The group's code points shared out in proportion to the isolated words' lengths.
    const lengths = iso.slice(j0, j1).map((word) => word.chars.length);
    const total = lengths.reduce((sum, length) => sum + length, 0) || 1;
    const count = clause.slice(i0, i1).reduce((sum, word) => sum + word.length, 0);
    let k = 0;
    for (let i = i0; i < i1; i++) {
      owners[i] = clause[i]!.map(() => {
        let position = ((k++ + 0.5) / count) * total;
        let j = j0;
        while (j < j1 - 1 && position >= lengths[j - j0]!) position -= lengths[j++ - j0]!;
        return iso[j]!.owner;
      });
    }
    lastOwner = iso[j1 - 1]!.owner;
  }
  return owners;
}

/** Levenshtein distance over code points, stress marks ignored, relative to the longer side. */
function distance(a: string[], b: string[]): number {
  const x = a.filter((char) => char !== 'ˈ' && char !== 'ˌ');
  const y = b.filter((char) => char !== 'ˈ' && char !== 'ˌ');
  if (x.length === 0 || y.length === 0) return x.length === y.length ? 0 : 1;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[y.length]! / Math.max(x.length, y.length);
}
