// The lighthouse EPUB 3 fixture with what a published book says of itself besides its text: a
// cover image (EPUB 3 cover-image), a blurb, and its place in a series (calibre's meta, which
// Audiobookshelf reads too). Made here, from the fixture, so the fixture stays pandoc's.

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { ffmpegPath } from '../../src/audio/ffmpeg.ts';

const FIXTURES = new URL('../fixtures/books/', import.meta.url);
const OPF = 'EPUB/content.opf';

export const BOOK_DETAILS = {
  title: 'The Lighthouse Keeper',
  author: 'Mara Quill',
  description: 'A keeper, a storm & the light that stays on.',
  series: 'Harbour Lights',
  seriesPart: '2',
} as const;
/** The cover's size: portrait, as printed books' are. */
export const COVER_SIZE = { width: 300, height: 450 };

/** A real PNG (orange), made by ffmpeg. */
export function coverPng(): Buffer {
  const size = `${COVER_SIZE.width}x${COVER_SIZE.height}`;
  return execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `color=c=orange:s=${size}`,
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-f',
    'image2',
    'pipe:1',
  ]);
}

export async function lighthouseWithCover(): Promise<Uint8Array> {
  const files = unzipSync(await readFile(new URL('lighthouse-epub3.epub', FIXTURES)));
  const opf = strFromU8(files[OPF]!)
    .replace(
      '<meta property="dcterms:modified">',
      `<dc:description>&lt;p&gt;A keeper, a storm &amp;amp; the light that stays on.&lt;/p&gt;</dc:description>
    <meta name="calibre:series" content="${BOOK_DETAILS.series}"/>
    <meta name="calibre:series_index" content="2.0"/>
    <meta property="dcterms:modified">`,
    )
    .replace('<manifest>', '<manifest>\n    <item id="cover" href="images/cover.png" media-type="image/png" properties="cover-image" />');
  const { mimetype, ...rest } = files;
  return zipSync({
    mimetype: [mimetype!, { level: 0 }],
    ...rest,
    [OPF]: strToU8(opf),
    'EPUB/images/cover.png': coverPng(),
  });
}
