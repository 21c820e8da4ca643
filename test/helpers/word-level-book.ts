// A word-level variant of a read-along EPUB, to see how readers take one: every word the engine
// timed (the chapter's .timings.json beside the book) becomes a <span id> inside its sentence's
// span, and each sentence's <par> becomes a <seq> of one <par> per word (EPUBCheck 4.2.6 allows no
// <par> inside a <par>). The audio, the package document and everything else stay as they were.

import { decodeXML, encodeXML } from 'entities';
import { strFromU8, strToU8, unzipSync, type Zippable, zipSync } from 'fflate';

interface Timed {
  text: string;
  startMs: number;
  endMs: number;
}

export interface ChapterTimings {
  sentences: Array<Timed & { words?: Timed[] }>;
}

const clock = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

/** The book in `epub` with word-level overlays; `chapters[i]` are the timings of chapter i + 1. */
export function wordLevelBook(epub: Uint8Array, chapters: ChapterTimings[]): Uint8Array {
  const files = unzipSync(epub);
  chapters.forEach((timings, c) => {
    const n = String(c + 1).padStart(3, '0');
    const [textName, smilName] = [`OEBPS/text/c${n}.xhtml`, `OEBPS/smil/c${n}.smil`];
    let xhtml = strFromU8(files[textName]!);
    const body: string[] = [];
    const par = (id: string, clip: Timed) =>
      `<par id="p-${id}"><text src="../text/c${n}.xhtml#${id}"/>` +
      `<audio src="../audio/c${n}.mp3" clipBegin="${clock(clip.startMs)}" clipEnd="${clock(clip.endMs)}"/></par>`;
    timings.sentences.forEach((sentence, s) => {
      const id = `c${n}-s${s + 1}`;
      const span = new RegExp(`<span id="${id}">([^<]*)</span>`, 'u').exec(xhtml);
      if (!span) throw new Error(`${textName} has no sentence ${id}`);
      const text = decodeXML(span[1]!);
      // Each timed word where it is in the sentence, in order; a word not found, or with no length, stays plain text.
      const words: Array<Timed & { id: string }> = [];
      let markup = '';
      let at = 0;
      for (const word of sentence.words ?? []) {
        const found = text.indexOf(word.text, at);
        if (found < 0 || word.endMs <= word.startMs) continue;
        const wordId = `${id}-w${words.length + 1}`;
        markup += `${encodeXML(text.slice(at, found))}<span id="${wordId}">${encodeXML(word.text)}</span>`;
        at = found + word.text.length;
        words.push({ ...word, id: wordId });
      }
      xhtml = xhtml.replace(span[0], `<span id="${id}">${markup}${encodeXML(text.slice(at))}</span>`);
      if (words.length > 0)
        body.push(`<seq id="q-${id}" epub:textref="../text/c${n}.xhtml#${id}">\n${words.map((w) => par(w.id, w)).join('\n')}\n</seq>`);
      else if (sentence.endMs > sentence.startMs) body.push(par(id, sentence));
    });
    files[textName] = strToU8(xhtml);
    const smil = strFromU8(files[smilName]!).replace(
      /(<seq id="seq-[^"]+"[^>]*>\n)[\s\S]*(\n<\/seq>\n<\/body>)/u,
      (_whole, open: string, close: string) => `${open}${body.join('\n')}${close}`,
    );
    files[smilName] = strToU8(smil);
  });
  // The mimetype first and stored, as the container requires.
  const zip: Zippable = { mimetype: [files.mimetype!, { level: 0 }] };
  for (const [name, bytes] of Object.entries(files)) if (name !== 'mimetype') zip[name] = [bytes, { level: name.endsWith('.mp3') ? 0 : 9 }];
  return zipSync(zip);
}
