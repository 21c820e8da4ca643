import { describe, expect, it } from 'vitest';
import type { LinkReading } from '../../src/contract/text-limits.ts';
import { type ChunkOptions, chunkText, type TextChunk } from '../../src/text/chunker.ts';

const speak = (text: string, options: ChunkOptions = {}) => chunkText(text, { ...options, speakable: true });
const pairs = (chunks: TextChunk[]) => chunks.map((chunk) => [chunk.text, chunk.breakAfter]);
const spoken = (text: string, options: ChunkOptions = {}) =>
  speak(text, options)
    .map((chunk) => chunk.text)
    .join(' ');
const withoutWhitespace = (text: string) => text.replace(/\s/gu, '');

const MANUSCRIPT = `# The Garden

## Chapter 1

*Marguerite* walked in with **Mr. D. Holloway**. See [the map](https://maps.example.com/garden?id=3) or visit https://www.example.com/path?q=1. Write to ann@example.com today.

Things to bring:
- apples
- pears, if ripe
- a \`snake_case\` label; 2*3 boxes

| Fruit | Colour |
|-------|:------:|
| Apple | red |
| Pear | *green* |

---

> She said **no**. ![a rose](rose.png)
> Then she left.
`;

describe('speakable: a Markdown manuscript', () => {
  it('reads headings, emphasis, links, URLs, an e-mail, a list and a table as words', () => {
    expect(pairs(speak(MANUSCRIPT))).toEqual([
      ['The Garden', 'heading'],
      ['Chapter 1', 'heading'],
      ['Marguerite walked in with Mr. D. Holloway. See the map or visit example.com. Write to ann at example.com today.', 'paragraph'],
      ['Things to bring: apples. pears, if ripe. a snake_case label; 2*3 boxes.', 'paragraph'],
      ['Fruit, Colour. Apple, red. Pear, green.', 'paragraph'],
      ['She said no. Then she left.', 'end'],
    ]);
  });

  it('breaks at sentences and items at 60 characters', () => {
    expect(pairs(speak(MANUSCRIPT, { maxChunkChars: 60 }))).toEqual([
      ['The Garden', 'heading'],
      ['Chapter 1', 'heading'],
      ['Marguerite walked in with Mr. D. Holloway.', 'sentence'],
      ['See the map or visit example.com.', 'sentence'],
      ['Write to ann at example.com today.', 'paragraph'],
      ['Things to bring: apples. pears, if ripe.', 'sentence'],
      ['a snake_case label; 2*3 boxes.', 'paragraph'],
      ['Fruit, Colour. Apple, red. Pear, green.', 'paragraph'],
      ['She said no. Then she left.', 'end'],
    ]);
  });

  it('starts a sentence too long for one chunk in a chunk of its own, at 30 characters', () => {
    expect(pairs(speak(MANUSCRIPT, { maxChunkChars: 30 }))).toEqual([
      ['The Garden', 'heading'],
      ['Chapter 1', 'heading'],
      ['Marguerite walked in with', 'word'],
      ['Mr. D. Holloway.', 'sentence'],
      ['See the map or visit', 'word'],
      ['example.com.', 'sentence'],
      ['Write to ann at example.com', 'word'],
      ['today.', 'paragraph'],
      ['Things to bring: apples.', 'sentence'],
      ['pears, if ripe.', 'sentence'],
      ['a snake_case label; 2*3 boxes.', 'paragraph'],
      ['Fruit, Colour. Apple, red.', 'sentence'],
      ['Pear, green.', 'paragraph'],
      ['She said no. Then she left.', 'end'],
    ]);
  });

  it('reads URLs as the word "link" with links: "word"', () => {
    expect(speak(MANUSCRIPT)[2]!.text).toBe(
      'Marguerite walked in with Mr. D. Holloway. See the map or visit example.com. Write to ann at example.com today.',
    );
    expect(speak(MANUSCRIPT, { links: 'word' })[2]!.text).toBe(
      'Marguerite walked in with Mr. D. Holloway. See the map or visit link. Write to ann at example.com today.',
    );
  });

  it('leaves chunking as it was without speakable (recorded workflows replay it)', () => {
    const today = chunkText(MANUSCRIPT);
    expect(chunkText(MANUSCRIPT, { speakable: false })).toEqual(today);
    expect(chunkText(MANUSCRIPT, { links: 'word' })).toEqual(today);
    expect(today.slice(0, 2).map((chunk) => chunk.text)).toEqual(['# The Garden', '## Chapter 1']);
  });
});

describe('speakable: abbreviations and initials', () => {
  const PARAGRAPH =
    'The lamps were lit along the lane when the carriage stopped at last. It was the house of Mr. D. Holloway, who had lived there alone since the war ended. ' +
    'Dr. Smith came by every morning, e.g. when it rained, and stayed for tea with Mrs. Holloway. They walked to St. Paul on Sundays. ' +
    'Prof. J. R. Tolkien wrote to them, i.e. once a year, from Oxford.';
  /** A chunk ending on one of these, with more text after it, puts a pause inside a name or a phrase. */
  const ENDS_ON_ABBREVIATION = /(?:^|\s)(?:Mr|Mrs|Dr|St|Prof|e\.g|i\.e|\p{Lu})\.$/u;

  it('splits a name today (the problem), at 150 and 100 characters', () => {
    expect(chunkText(PARAGRAPH, { maxChunkChars: 150 })[0]!.text).toMatch(/of Mr\. D\.$/u);
    expect(chunkText(PARAGRAPH, { maxChunkChars: 100 })[1]!.text).toMatch(/ Dr\.$/u);
  });

  it('never ends a chunk after a title, an initial, "e.g." or "i.e." at any limit from 20 to 200', () => {
    for (let max = 20; max <= 200; max++) {
      const chunks = speak(PARAGRAPH, { maxChunkChars: max });
      for (const chunk of chunks.slice(0, -1)) {
        expect(chunk.text.length).toBeLessThanOrEqual(max);
        expect(chunk.text, `max ${max}`).not.toMatch(ENDS_ON_ABBREVIATION);
      }
      expect(withoutWhitespace(chunks.map((chunk) => chunk.text).join(''))).toBe(withoutWhitespace(PARAGRAPH));
      // A sentence pause only where a sentence ends.
      for (const chunk of chunks.filter((c) => c.breakAfter === 'sentence'))
        expect(chunk.text).toMatch(/(?:last|ended|Holloway|Sundays)\.$/u);
    }
  });

  it('keeps "Dr. Smith" and "Mr. D. Holloway" together at 150 characters and below', () => {
    for (const max of [150, 100, 60, 40, 20]) {
      const texts = speak(PARAGRAPH, { maxChunkChars: max }).map((chunk) => chunk.text);
      expect(texts.some((text) => text.includes('Mr. D. Holloway'))).toBe(true);
      expect(texts.some((text) => text.startsWith('Dr. Smith'))).toBe(true);
    }
    expect(pairs(speak(PARAGRAPH, { maxChunkChars: 150 }))).toEqual([
      ['The lamps were lit along the lane when the carriage stopped at last.', 'sentence'],
      ['It was the house of Mr. D. Holloway, who had lived there alone since the war ended.', 'sentence'],
      [
        'Dr. Smith came by every morning, e.g. when it rained, and stayed for tea with Mrs. Holloway. They walked to St. Paul on Sundays.',
        'sentence',
      ],
      ['Prof. J. R. Tolkien wrote to them, i.e. once a year, from Oxford.', 'end'],
    ]);
  });

  it('splits a group like "Mr. D. Holloway" only when it does not fit in one chunk', () => {
    expect(speak('Mr. D. Holloway', { maxChunkChars: 10 }).map((chunk) => chunk.text)).toEqual(['Mr. D.', 'Holloway']);
  });

  it('reads "e.g." and "i.e." as the middle of a sentence, before a capital too', () => {
    expect(pairs(speak('Bring tools, e.g. Hammers and saws. Then go.', { maxChunkChars: 40 }))).toEqual([
      ['Bring tools, e.g. Hammers and saws.', 'sentence'],
      ['Then go.', 'end'],
    ]);
    expect(pairs(speak('Bring tools, e.g. Hammers and saws. Then go.', { maxChunkChars: 20 }))).toEqual([
      ['Bring tools,', 'clause'],
      ['e.g. Hammers and', 'word'],
      ['saws. Then go.', 'end'],
    ]);
    expect(pairs(speak('Pack light, i.e. one bag each, and leave early.', { maxChunkChars: 12 }))).toEqual([
      ['Pack light,', 'clause'],
      ['i.e. one bag', 'word'],
      ['each, and', 'word'],
      ['leave early.', 'end'],
    ]);
  });

  it('ends a sentence after "etc." before a capital, and not before a lower-case word', () => {
    expect(pairs(speak('We packed pots, pans, and so on, etc. Then we left.', { maxChunkChars: 40 }))).toEqual([
      ['We packed pots, pans, and so on, etc.', 'sentence'],
      ['Then we left.', 'end'],
    ]);
    expect(pairs(speak('We packed pots, etc. and then we left.', { maxChunkChars: 20 }))).toEqual([
      ['We packed pots,', 'clause'],
      ['etc. and then we', 'word'],
      ['left.', 'end'],
    ]);
  });

  it('keeps numbers after "No." and "p.", and lower case after "U.S." and "Inc."', () => {
    for (const text of [
      'He lived at No. 5 Downing Street.',
      'Read the note on p. 4 today.',
      'The U.S. team and Acme Inc. staff won.',
      'Roe v. Wade was decided.',
    ]) {
      for (let max = 8; max <= text.length; max++) {
        for (const chunk of speak(text, { maxChunkChars: max }).slice(0, -1))
          expect(chunk.breakAfter, `${text} at ${max}`).not.toBe('sentence');
      }
    }
  });

  it('ends a sentence after "I." ("So did I. Then …") and after a word that only looks like an initial run', () => {
    expect(speak('So did I. Then we left.', { maxChunkChars: 13 }).map((chunk) => chunk.text)).toEqual(['So did I.', 'Then we left.']);
    expect(speak('He moved to the U.S. Then he wrote.', { maxChunkChars: 20 }).map((chunk) => chunk.text)).toEqual([
      'He moved to the U.S.',
      'Then he wrote.',
    ]);
  });
});

describe('speakable: markup', () => {
  it('removes inline Markdown and keeps the words', () => {
    expect(spoken('Read **bold**, __also bold__, *it*, _it_, ***both***, ~~gone~~ and `code` here. ![a rose](rose.png)The end.')).toBe(
      'Read bold, also bold, it, it, both, gone and code here. The end.',
    );
    expect(spoken('**a *b* c** and *a **b** c*')).toBe('a b c and a b c');
  });

  it('leaves snake_case, 2*3, a lone asterisk and escaped markup alone', () => {
    expect(spoken('Keep snake_case_name, 2*3*4, a * b, x_1 and * alone; un*frig*gable.')).toBe(
      'Keep snake_case_name, 2*3*4, a * b, x_1 and * alone; un*frig*gable.',
    );
    expect(spoken('\\*not emphasis\\* and 2\\*3')).toBe('*not emphasis* and 2*3');
  });

  it('removes HTML tags and comments and decodes entities', () => {
    expect(spoken('<p>One<br>two <em>three</em> &amp; four&nbsp;five &#8212; six</p> a < b > c <!-- note -->')).toBe(
      'One two three & four five \u2014 six a < b > c',
    );
  });

  it('reads a link as its text, drops images and reference definitions', () => {
    expect(
      spoken('[ref]: https://example.com\nSee [docs][ref], [the map](https://example.com/map "Map"), ![img][ref] [sic] and [1].'),
    ).toBe('See docs, the map, [sic] and [1].');
  });

  it('drops quote markers, rules and setext underlines', () => {
    expect(pairs(speak('Title\n=====\n\n> Text *one*.\n> > Quoted.\n\n***\n\nSection\n-------\n\n- - -\n\nText two.'))).toEqual([
      ['Title', 'heading'],
      ['Text one. Quoted.', 'paragraph'],
      ['Section', 'heading'],
      ['Text two.', 'end'],
    ]);
  });
});

describe('speakable: headings, lists and tables', () => {
  it('reads a line starting with hashes as a heading, with or without blank lines around it', () => {
    expect(pairs(speak('## Chapter 1 ##\nIt began.\n### What now?\n#hashtag stays'))).toEqual([
      ['Chapter 1', 'heading'],
      ['It began.', 'paragraph'],
      ['What now?', 'heading'],
      ['#hashtag stays', 'end'],
    ]);
  });

  it('reads short dialogue as dialogue, not as headings: a line in quotes, or one that breaks off on a dash', () => {
    // From The War of the Worlds (EPUB): these lines were chapter marks before.
    const text =
      'Chapter 13\n\n\u201cOnly this morning I officiated at early celebration\u2014\u2014\u201d\n\n"You mean\u2014\u2014"\n\nHe stopped\u2014\n\nThe Thunder Child\n\nIt sank.';
    expect(pairs(speak(text))).toEqual([
      ['Chapter 13', 'heading'],
      ['\u201cOnly this morning I officiated at early celebration\u2014\u2014\u201d', 'paragraph'],
      ['"You mean\u2014\u2014"', 'paragraph'],
      ['He stopped\u2014', 'paragraph'],
      ['The Thunder Child', 'heading'],
      ['It sank.', 'end'],
    ]);
  });

  it('reads each list item as a sentence: markers removed, a period added where none ends it', () => {
    expect(
      pairs(speak('Steps:\n1. Mix the flour\n2) Add water;\n   slowly\n3. Bake\nThen we ate.\n\n* apples\n+ pears\n- plums!')),
    ).toEqual([
      ['Steps: Mix the flour. Add water; slowly. Bake. Then we ate.', 'paragraph'],
      ['apples. pears. plums!', 'end'],
    ]);
  });

  it('never joins two items without a sentence break, at any limit', () => {
    const list = 'Bring these\n- fresh apples\n- ripe pears\n- a basket of plums, washed\n- bread';
    const items = ['Bring these.', 'fresh apples.', 'ripe pears.', 'a basket of plums, washed.', 'bread.'];
    // Where each item ends, counted in non-space characters.
    const itemEnds = new Set(items.map((_, i) => withoutWhitespace(items.slice(0, i + 1).join('')).length));
    for (let max = 8; max <= 80; max++) {
      const chunks = speak(list, { maxChunkChars: max });
      expect(withoutWhitespace(chunks.map((chunk) => chunk.text).join(''))).toBe(withoutWhitespace(items.join('')));
      let at = 0;
      for (const chunk of chunks.slice(0, -1)) {
        at += withoutWhitespace(chunk.text).length;
        // A chunk ending at an item's end has a sentence break; one ending inside an item has none.
        const expected = itemEnds.has(at) ? 'sentence' : chunk.text.endsWith(',') ? 'clause' : 'word';
        expect(chunk.breakAfter, `max ${max}: ${chunk.text}`).toBe(expected);
      }
    }
  });

  it('keeps a number that starts prose: "1984. It was cold."', () => {
    expect(speak('In the year\n1984. It was cold.\n\n1984. It was cold.\n\n2. Second item alone').map((chunk) => chunk.text)).toEqual([
      'In the year 1984. It was cold.',
      '1984. It was cold.',
      'Second item alone.',
    ]);
  });

  it('reads a table row as its cells joined by commas, without the separator row', () => {
    expect(spoken('| Name | Qty |\n| --- | ---: |\n| *Apples* | 3 |\n| | |\n| Pears | |')).toBe('Name, Qty. Apples, 3. Pears.');
    expect(spoken('Name | Qty\n--- | ---\nApples | 3')).toBe('Name, Qty. Apples, 3.');
  });
});

describe('speakable: URLs and e-mail addresses', () => {
  const TEXT =
    'Go to https://www.example.com/path?q=1, or see https://x.org/a. Try www.Example.com! (https://en.wikipedia.org/wiki/Foo_(bar)) ' +
    '<https://docs.rs/x> http://user:pw@host.io:8080/x Mail ann@example.com or <mailto:bob.lee@mail.example.co.uk>.';

  it.each<[LinkReading, string]>([
    [
      'host',
      'Go to example.com, or see x.org. Try example.com! (en.wikipedia.org) docs.rs host.io Mail ann at example.com or bob.lee at mail.example.co.uk.',
    ],
    ['word', 'Go to link, or see link. Try link! (link) link link Mail ann at example.com or bob.lee at mail.example.co.uk.'],
  ])('reads URLs by %s, e-mail addresses with "at"', (links, expected) => {
    expect(spoken(TEXT, { links })).toBe(expected);
  });

  it('reads the host by default, keeps the sentence end after a URL and the underscores inside one', () => {
    expect(spoken('see https://x.org/a.')).toBe('see x.org.');
    expect(spoken('Visit *https://x.org/a_b_c*, and [https://y.org/q](https://y.org/q).')).toBe('Visit x.org, and y.org.');
  });

  it('rejects an unknown links value', () => {
    expect(() => speak('x', { links: 'url' as LinkReading })).toThrow(RangeError);
  });
});
