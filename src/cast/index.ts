// The cast: who speaks each chunk. A text's [voice:…] tags, its quotations (with a dialogue voice)
// and a voice map by chapter decide each chunk's voice; [pause:…] tags set exact silences. Chunks
// are cut at every change of voice, so no chunk is spoken by two. Pure and deterministic.

import { type ChunkOptions, chunkText, type TextChunk } from '../text/chunker.ts';
import { readMark } from './cast-marks.ts';
import { type ChapterVoices, chapterNarrators } from './chapter-voices.ts';
import { markDialogue } from './dialogue.ts';
import { readTags, voiceName } from './voice-tags.ts';

export type { ChapterVoices } from './chapter-voices.ts';
export { type BlendPart, canonicalBlend, isBlend, MAX_BLEND_PARTS, parseBlend } from './voice-blend.ts';
export { CastError, MAX_PAUSE_MS, readTags, voiceName } from './voice-tags.ts';

export interface CastOptions {
  /** Speaks what is inside quotation marks. */
  dialogueVoice?: string;
  /** The narrator of chapters, by number or title. */
  chapterVoices?: ChapterVoices;
}

export interface CastChunk extends Omit<TextChunk, 'marks' | 'marksAfter'> {
  /** Absent: the document's voice. */
  voice?: string;
  /** An exact silence after it, from [pause:…] tags: instead of its break's pause. */
  pauseAfterMs?: number;
}

export interface CastText {
  chunks: CastChunk[];
  /** Silence before the first chunk ([pause:…] before any words). */
  leadPauseMs?: number;
  /** Whether any chunk has its own voice or pause: if not, the chunks are what chunkText alone makes. */
  cast: boolean;
}

/** The text's chunks, each with its voice and exact pause. Throws CastError naming the line of a bad tag. */
export function castChunks(text: string, chunking: Omit<ChunkOptions, 'markPart' | 'speakable'>, options: CastOptions = {}): CastText {
  const tagged = readTags(text);
  const dialogueVoice = options.dialogueVoice ? voiceName(options.dialogueVoice.trim(), 'dialogueVoice') : undefined;
  const chunks = chunkText(tagged.text, { ...chunking, speakable: true, ...(dialogueVoice ? { markPart: markDialogue } : {}) });
  // Chapters as the chapter marks count them: an opening before the first heading is one of its own.
  const firstHeading = chunks.findIndex((chunk) => chunk.breakAfter === 'heading');
  const opening = firstHeading > 0;
  const titles = [
    ...(opening ? [undefined] : []),
    ...chunks.filter((chunk) => chunk.breakAfter === 'heading').map((chunk) => chunk.text.trim()),
  ];
  const narrators = options.chapterVoices ? chapterNarrators(options.chapterVoices, titles) : [];

  let taggedState = 0;
  let inDialogue = false;
  let headings = 0;
  let leadPauseMs: number | undefined;
  let cast = false;
  const cut: CastChunk[] = [];
  const addPause = (ms: number) => {
    cast = true;
    const previous = cut[cut.length - 1];
    if (previous) previous.pauseAfterMs = (previous.pauseAfterMs ?? 0) + ms;
    else leadPauseMs = (leadPauseMs ?? 0) + ms;
  };
  const read = (marks: string) => {
    for (const mark of marks) {
      const meaning = readMark(mark);
      if (meaning.kind === 'voice') taggedState = meaning.state;
      else if (meaning.kind === 'dialogue') inDialogue = meaning.open;
      else if (meaning.kind === 'pause') addPause(tagged.pausesMs[meaning.index]!);
    }
  };
  for (const { marks, marksAfter, ...chunk } of chunks) {
    read(marks ?? '');
    // A heading starts its chapter.
    if (chunk.breakAfter === 'heading') headings++;
    const narrator = narrators[opening ? headings : Math.max(0, headings - 1)];
    const voice = taggedState > 0 ? tagged.voices[taggedState - 1] : inDialogue ? dialogueVoice : narrator;
    if (voice) cast = true;
    cut.push({ ...chunk, ...(voice ? { voice } : {}) });
    read(marksAfter ?? '');
  }
  return { chunks: cut, ...(leadPauseMs ? { leadPauseMs } : {}), cast };
}
