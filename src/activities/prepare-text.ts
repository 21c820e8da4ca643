// The text of a document, stored or inline, read and chunked by an activity (books): the chunk
// plan goes to the chunk store, and the workflow gets only what it orchestrates with (how many
// chunks, their breaks, the headings, the parts). The parts read their chunk texts back.

import { ApplicationFailure } from '@temporalio/common';
import { CastError, type ChapterVoices, castChunks } from '../cast/index.ts';
import type { ContentRef } from '../contract/refs.ts';
import type { ChapterStart } from '../contract/reports.ts';
import { type LinkReading, MAX_PART_CHARACTERS } from '../contract/text-limits.ts';
import { checkText, InvalidInputError, MAX_STORED_TEXT_CHARS, type TextRef } from '../document/input.ts';
import { BlobOutsideStoreError, type BlobStore } from '../storage/blob-store.ts';
import { ContentChangedError, loadJson, storeJson } from '../storage/stored-content.ts';
import { loadText } from '../storage/stored-text.ts';
import { encodeBreaks } from '../text/breaks.ts';
import type { BreakAfter } from '../text/chunker.ts';
import { type PartSpan, splitIntoParts } from '../text/parts.ts';

export interface PrepareTextInput {
  /** One of the two. */
  text?: string;
  textRef?: TextRef;
  maxChunkChars: number;
  /** A shorter first chunk; absent: as long as any. */
  firstChunkChars?: number;
  maxPartChunks: number;
  links?: LinkReading;
  /** The cast beside the text's own tags (src/cast). */
  dialogueVoice?: string;
  chapterVoices?: ChapterVoices;
}

/** Who speaks what, when the text has a cast: absent, every chunk is the document's voice and every pause its break's. */
export interface PlanCast {
  /** The voices chunks have of their own, in order of first use. */
  voices: string[];
  /** [chunk, ms]: an exact silence after the chunk ([pause:…] tags). */
  pauses: Array<[number, number]>;
  /** Silence before the first chunk. */
  leadPauseMs?: number;
}

export interface PreparedText {
  /** The chunks' texts and breaks, stored. */
  plan: ContentRef;
  chunks: number;
  /** Of all chunk texts (the ETA's measure). */
  characters: number;
  /** Each chunk's break, one letter each (src/text/breaks.ts). */
  breaks: string;
  headings: ChapterStart[];
  /** With each part's characters (the parent's ETA counts them when a part ends). */
  parts: Array<PartSpan & { characters: number }>;
  cast?: PlanCast;
  /**
   * A document of one part: its chunks' texts (and a cast's voices) here, so the workflow starts
   * its first chunk without reading them back from the plan (a local activity less before it).
   */
  run?: { texts: string[]; voices?: CastChunks['voices'] };
}

export interface ReadChunksInput {
  plan: ContentRef;
  from: number;
  to: number;
}

/** A part of a cast document's chunks: their texts, and each one's voice (null: the document's). */
export interface CastChunks {
  texts: string[];
  voices: Array<string | null>;
}

export interface StoredPlan {
  chunks: Array<{ text: string; breakAfter: BreakAfter; voice?: string; pauseAfterMs?: number }>;
  leadPauseMs?: number;
}

export function createTextPlanActivities({ blobStore }: { blobStore: BlobStore }) {
  return {
    async prepareText({
      text,
      textRef,
      maxChunkChars,
      firstChunkChars,
      maxPartChunks,
      links,
      dialogueVoice,
      chapterVoices,
    }: PrepareTextInput): Promise<PreparedText> {
      const source = text ?? (await stored(blobStore, textRef!));
      // Read as a person would: markup left out, lists and table rows as sentences, URLs by their host, abbreviations kept whole;
      // cut at every change of voice.
      const { chunks, leadPauseMs, cast } = castOf(
        source,
        { maxChunkChars, ...(firstChunkChars ? { firstChunkChars } : {}), ...(links ? { links } : {}) },
        { dialogueVoice, chapterVoices },
      );
      if (chunks.length === 0) throw ApplicationFailure.nonRetryable('Invalid input: text has nothing to read aloud', 'InvalidInputError');
      const plan = await storeJson(blobStore, 'plans', {
        chunks: chunks.map(({ text, breakAfter, voice, pauseAfterMs }) => ({
          text,
          breakAfter,
          ...(voice ? { voice } : {}),
          ...(pauseAfterMs === undefined ? {} : { pauseAfterMs }),
        })),
        ...(leadPauseMs ? { leadPauseMs } : {}),
      } satisfies StoredPlan);
      const headings = chunks.flatMap((chunk) =>
        chunk.breakAfter === 'heading' ? [{ chunk: chunk.index, title: chunk.text.trim() }] : [],
      );
      const lengths = chunks.map((chunk) => chunk.text.length);
      const parts = splitIntoParts(lengths, new Set(headings.map((h) => h.chunk)), {
        chunks: maxPartChunks,
        characters: MAX_PART_CHARACTERS,
      }).map((span) => ({ ...span, characters: lengths.slice(span.from, span.to).reduce((sum, n) => sum + n, 0) }));
      const texts = chunks.map((chunk) => chunk.text);
      return {
        plan,
        chunks: chunks.length,
        characters: lengths.reduce((sum, n) => sum + n, 0),
        breaks: encodeBreaks(chunks.map((chunk) => chunk.breakAfter)),
        headings,
        parts,
        ...(parts.length > 1 ? {} : { run: cast ? spokenWithVoices(chunks) : { texts } }),
        ...(cast
          ? {
              cast: {
                voices: [...new Set(chunks.flatMap((chunk) => (chunk.voice ? [chunk.voice] : [])))],
                pauses: chunks.flatMap((chunk) =>
                  chunk.pauseAfterMs === undefined ? [] : [[chunk.index, chunk.pauseAfterMs] as [number, number]],
                ),
                ...(leadPauseMs ? { leadPauseMs } : {}),
              },
            }
          : {}),
      };
    },

    async readChunks({ plan, from, to }: ReadChunksInput): Promise<string[]> {
      return (await loadPlan(blobStore, plan)).chunks.slice(from, to).map((chunk) => chunk.text);
    },

    async readCastChunks({ plan, from, to }: ReadChunksInput): Promise<CastChunks> {
      return spokenWithVoices((await loadPlan(blobStore, plan)).chunks.slice(from, to));
    },
  };
}

/** Chunks of a cast document as the workflow speaks them: their texts and voices. */
function spokenWithVoices(chunks: ReadonlyArray<{ text: string; voice?: string | undefined }>): CastChunks {
  return { texts: chunks.map((chunk) => chunk.text), voices: chunks.map((chunk) => chunk.voice ?? null) };
}

/** The chunks with their voices; a tag or voice map that cannot work fails the document at once. */
function castOf(...args: Parameters<typeof castChunks>) {
  try {
    return castChunks(...args);
  } catch (error) {
    if (error instanceof CastError) throw ApplicationFailure.nonRetryable(`Invalid input: ${error.message}`, 'InvalidInputError');
    throw error;
  }
}

/** A stored plan: every chunk's text, break, and (cast) voice and exact pause. */
export function loadPlan(blobStore: BlobStore, plan: ContentRef): Promise<StoredPlan> {
  return verified(() => loadJson<StoredPlan>(blobStore, plan));
}

/** A stored text, checked as an inline one is; what can never work fails at once. */
async function stored(blobStore: BlobStore, ref: TextRef): Promise<string> {
  const text = await verified(() => loadText(blobStore, ref));
  try {
    checkText(text, 'textRef', MAX_STORED_TEXT_CHARS);
  } catch (error) {
    if (error instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidInputError');
    throw error;
  }
  return text;
}

/** A changed or missing blob will not come back by retrying. */
async function verified<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ContentChangedError) throw ApplicationFailure.nonRetryable(error.message, 'ContentChanged');
    if (error instanceof BlobOutsideStoreError) {
      throw ApplicationFailure.nonRetryable(
        `${error.message}: the client that stored the text must use the workers' chunk store (AUDIO_BLOB_URL or AUDIO_BLOB_DIR)`,
        'ContentMissing',
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw ApplicationFailure.nonRetryable(`${(error as Error).message}: the stored text or plan is gone`, 'ContentMissing');
    throw error;
  }
}
