// A chapter's text as XHTML: each sentence a <span id> an overlay points at, sentences in paragraphs
// as they were written; a first sentence that is the chapter's title is its heading.

import { ACTIVE_CLASS, chapterNames, type ReadAlongBook, type ReadAlongChapter, STYLESHEET } from './book.ts';
import { xhtmlStart, xml } from './xml.ts';

export function chapterXhtml(book: ReadAlongBook, chapter: ReadAlongChapter, index: number): string {
  const names = chapterNames(index);
  const span = (sentence: number) => `<span id="${names.sentenceId(sentence)}">${xml(chapter.sentences[sentence]!.text)}</span>`;
  const blocks: string[] = [];
  let paragraph: string[] = [];
  chapter.sentences.forEach((sentence, i) => {
    if (i === 0 && sameWords(sentence.text, chapter.title)) {
      blocks.push(`<h1>${span(i)}</h1>`);
      return;
    }
    paragraph.push(span(i));
    if (sentence.paragraphEnd || i === chapter.sentences.length - 1) {
      blocks.push(`<p>${paragraph.join(' ')}</p>`);
      paragraph = [];
    }
  });
  return `${xhtmlStart(book.language)}
<head>
<meta charset="UTF-8"/>
<title>${xml(chapter.title || book.title)}</title>
<link rel="stylesheet" type="text/css" href="../${STYLESHEET}"/>
</head>
<body id="${names.id}">
<section epub:type="chapter">
${blocks.join('\n')}
</section>
</body>
</html>
`;
}

/** The book's stylesheet: readable text, and the sentence being read highlighted. */
export function stylesheet(): string {
  return `body { font-family: serif; line-height: 1.5; margin: 1em; }
h1 { font-size: 1.4em; margin: 1em 0; }
.${ACTIVE_CLASS} { background-color: #ffe58a; color: inherit; }
`;
}

/** The same words, whatever the case, spacing and punctuation ("CHAPTER 1." and "Chapter 1"). */
function sameWords(a: string, b: string): boolean {
  const words = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  return words(a) !== '' && words(a) === words(b);
}
