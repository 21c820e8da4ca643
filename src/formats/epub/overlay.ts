// A chapter's media overlay (EPUB 3 Media Overlays, SMIL 3.0): one <par> per sentence, in reading
// order, pairing its <span> with its clip of the chapter's audio. A sentence with no length (an
// engine that said nothing for it) has no clip: epubcheck refuses clipBegin == clipEnd.

import { chapterNames, type ReadAlongChapter } from './book.ts';
import { smilClock } from './xml.ts';

/** The overlay of chapter `index`; none when no sentence has a clip (a SMIL body may not be empty). */
export function overlaySmil(chapter: ReadAlongChapter, index: number): string | undefined {
  const names = chapterNames(index);
  const text = `../${names.text}`;
  const pars = chapter.sentences.flatMap((sentence, i) => {
    if (Math.round(sentence.endMs) <= Math.round(sentence.startMs)) return [];
    const [begin, end] = [smilClock(sentence.startMs), smilClock(sentence.endMs)];
    const id = names.sentenceId(i);
    return [`<par id="p-${id}"><text src="${text}#${id}"/><audio src="../${names.audio}" clipBegin="${begin}" clipEnd="${end}"/></par>`];
  });
  if (pars.length === 0) return undefined;
  return `<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq id="seq-${names.id}" epub:textref="${text}#${names.id}" epub:type="chapter">
${pars.join('\n')}
</seq>
</body>
</smil>
`;
}
