import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadAlongBook, writeReadAlongEpub } from '../../src/formats/epub/index.ts';
import { smilClock } from '../../src/formats/epub/xml.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'durable-tts-epub-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function book(audioPath: string): ReadAlongBook {
  return {
    identifier: 'urn:uuid:0b6f1a84-6c1e-4d0a-9f53-2f0d7c1e5a11',
    title: 'Light & <Dark>',
    author: 'A. Writer',
    language: 'en',
    narrator: 'af_heart',
    modified: new Date('2026-12-06T10:11:12.345Z'),
    chapters: [
      {
        title: 'Chapter 1',
        audioPath,
        durationMs: 6_000,
        sentences: [
          { text: 'Chapter 1.', startMs: 0, endMs: 900, paragraphEnd: true },
          { text: 'Light & dark were divided.', startMs: 1_000, endMs: 3_000 },
          { text: 'Nothing at all.', startMs: 3_000, endMs: 3_000 },
          { text: 'It was "good".', startMs: 3_000, endMs: 6_000, paragraphEnd: true },
        ],
      },
      { title: 'Silent', audioPath, durationMs: 0, sentences: [{ text: 'Unspoken.', startMs: 0, endMs: 0 }] },
    ],
  };
}

describe('the read-along EPUB writer', () => {
  it('writes the container as EPUB requires: mimetype first, stored, with no extra field', async () => {
    const audio = join(dir, 'a.mp3');
    await writeFile(audio, new Uint8Array(2_000).fill(7));
    const written = await writeReadAlongEpub(join(dir, 'book.epub'), book(audio));
    const bytes = await readFile(written.path);
    expect(written.bytes).toBe(bytes.length);
    // The first local header: signature, stored (method 0), name "mimetype", extra length 0, then the type itself.
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(bytes.readUInt16LE(8)).toBe(0);
    expect(bytes.readUInt16LE(28)).toBe(0);
    expect(bytes.subarray(30, 38).toString()).toBe('mimetype');
    expect(bytes.subarray(38, 58).toString()).toBe('application/epub+zip');
  });

  it('puts every timed sentence in its overlay, skips clips of no length, and escapes the text', async () => {
    const audio = join(dir, 'b.mp3');
    await writeFile(audio, new Uint8Array(2_000).fill(7));
    const files = unzipSync(await readFile((await writeReadAlongEpub(join(dir, 'b.epub'), book(audio))).path));
    const xhtml = strFromU8(files['OEBPS/text/c001.xhtml']!);
    expect(xhtml).toContain('<h1><span id="c001-s1">Chapter 1.</span></h1>');
    expect(xhtml).toContain('<span id="c001-s2">Light &amp; dark were divided.</span>');
    const smil = strFromU8(files['OEBPS/smil/c001.smil']!);
    const pars = [
      ...smil.matchAll(/<text src="\.\.\/text\/c001\.xhtml#([^"]+)"\/><audio src="([^"]+)" clipBegin="([^"]+)" clipEnd="([^"]+)"/gu),
    ];
    expect(pars.map((m) => [m[1], m[3], m[4]])).toEqual([
      ['c001-s1', '0:00:00.000', '0:00:00.900'],
      ['c001-s2', '0:00:01.000', '0:00:03.000'],
      ['c001-s4', '0:00:03.000', '0:00:06.000'],
    ]);
    expect(pars.every((m) => m[2] === '../audio/c001.mp3')).toBe(true);
    expect(files['OEBPS/audio/c001.mp3']!.length).toBe(2_000);
    // A chapter with no clip has its text, but no overlay and no audio.
    expect(files['OEBPS/text/c002.xhtml']).toBeDefined();
    expect(files['OEBPS/smil/c002.smil']).toBeUndefined();
    expect(files['OEBPS/audio/c002.mp3']).toBeUndefined();
    const opf = strFromU8(files['OEBPS/content.opf']!);
    expect(opf).toContain('<dc:title>Light &amp; &lt;Dark&gt;</dc:title>');
    expect(opf).toContain('<meta property="dcterms:modified">2026-12-06T10:11:12Z</meta>');
    expect(opf).toContain('<meta property="media:duration">0:00:06.000</meta>');
    expect(opf).toContain('<meta property="media:duration" refines="#mo-c001">0:00:06.000</meta>');
    expect(opf).toContain('media-overlay="mo-c001"');
    expect(opf).not.toContain('media-overlay="mo-c002"');
    // The contents lead the spine, outside the reading order: no chapter is foliate-js's section 0.
    expect(opf).toContain('<spine>\n<itemref idref="nav" linear="no"/>\n<itemref idref="c001"/>\n<itemref idref="c002"/>\n</spine>');
  });

  it('writes SMIL clock values from whole milliseconds, never with 60 seconds', () => {
    expect(smilClock(59_999.6)).toBe('0:01:00.000');
    expect(smilClock(3_723_004)).toBe('1:02:03.004');
    expect(smilClock(-5)).toBe('0:00:00.000');
  });
});
