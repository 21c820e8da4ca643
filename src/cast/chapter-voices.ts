// A voice map: the narrator of each chapter, by number ("3") or title ("The Storm"), for books whose
// chapters are read by different people. Chapters are numbered from 1 as the document's chapter
// marks are: an opening before the first heading is chapter 1 (it has no title of its own), then
// one chapter per heading; a text without headings is one chapter.

import { CastError, voiceName } from './voice-tags.ts';

export type ChapterVoices = Record<string, string>;

/** The same title however it is spaced, cased or ended: "The Storm." is "the storm". */
const titleKey = (title: string) =>
  title
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .replace(/[\s.:;,!?]+$/u, '')
    .trim();

/** The narrator of each chapter (index 0 is chapter 1); every key must name a chapter. `titles`: undefined for an opening. */
export function chapterNarrators(map: ChapterVoices, titles: ReadonlyArray<string | undefined>): Array<string | undefined> {
  const count = Math.max(1, titles.length);
  const narrators: Array<string | undefined> = new Array(count).fill(undefined);
  for (const [key, voice] of Object.entries(map)) {
    const name = voiceName(voice.trim(), `chapterVoices["${key}"]`);
    if (/^\d+$/u.test(key.trim())) {
      const number = Number(key.trim());
      if (number < 1 || number > count)
        throw new CastError(`chapterVoices: no chapter is numbered ${number} (the text has ${count} chapter${count === 1 ? '' : 's'})`);
      narrators[number - 1] = name;
      continue;
    }
    const wanted = titleKey(key);
    const found = titles.flatMap((title, i) => (title !== undefined && titleKey(title) === wanted ? [i] : []));
    if (found.length === 0) {
      const known = titles
        .filter((title) => title !== undefined)
        .slice(0, 5)
        .map((title) => `"${title}"`)
        .join(', ');
      throw new CastError(`chapterVoices: no chapter is titled "${key}" (chapters: ${known || 'none'}${titles.length > 5 ? ', …' : ''})`);
    }
    for (const i of found) narrators[i] = name;
  }
  return narrators;
}
