// What the stitch activity is asked to make of a spoken document: the chunks in order, the pauses
// between them, and the output options resolved into one file's (or one folder's) layout. Pure.

import type { PreparedText, StitchInput } from '../activities/index.ts';
import type { ChunkRef, ContentRef } from '../contract/refs.ts';
import type { LivePrefix } from '../contract/result.ts';
import type { ResolvedDocumentInput } from '../document/input.ts';
import { chapterStarts, documentTitle } from '../document/title.ts';
import { ACX } from '../formats/acx.ts';

/** What synthesis left for the stitch: every ref (one run), or each part's stored list of refs (a book). */
export type SpokenChunks = { chunks: ChunkRef[] } | { chunkLists: ContentRef[] };

/** How the stitcher (and so the live stream) joins the chunks. */
export function joinOf({ output }: ResolvedDocumentInput): NonNullable<LivePrefix['join']> {
  return {
    trim: true,
    crossfadeMs: output.crossfadeMs,
    ...(output.preset === 'acx' ? { leadInMs: ACX.leadInMs, tailMs: ACX.tailMs } : {}),
  };
}

export function stitchRequest(
  input: ResolvedDocumentInput,
  plan: PreparedText,
  spoken: SpokenChunks,
  pausesAfterMs: number[],
  name: string,
  narrator?: string,
): StitchInput {
  const { output } = input;
  return {
    ...('chunks' in spoken ? { chunks: spoken.chunks } : { chunks: [], chunkLists: spoken.chunkLists }),
    plan: plan.plan,
    pausesAfterMs,
    // The voice of chunks the cast leaves to the document's voice, as the pin names it.
    ...(plan.cast ? { cast: { narrator: narrator ?? input.voice ?? 'default' } } : {}),
    output: {
      name,
      format: output.format,
      ...(output.sampleRate ? { sampleRate: output.sampleRate } : {}),
      ...(output.channels ? { channels: output.channels } : {}),
      ...(output.bitrateKbps ? { bitrateKbps: output.bitrateKbps } : {}),
      title: documentTitle(output.title, plan.headings, name),
      ...(output.author ? { author: output.author } : {}),
      ...bookDetails(output),
      trim: true,
      crossfadeMs: output.crossfadeMs,
      ...(output.loudness ? { loudness: output.loudness } : {}),
      ...(output.preset === 'acx' ? { acx: true } : {}),
      ...(output.split ? { split: output.split } : {}),
      captions: output.captions,
      chapters: chapterStarts(output.title, plan.headings, name),
    },
  };
}

/** What the book says of itself beyond title and author, passed on only when given (older histories hold none). */
function bookDetails(output: ResolvedDocumentInput['output']): Partial<StitchInput['output']> {
  const { narrator, description, language, series, seriesPart, cover, library } = output;
  return Object.fromEntries(
    Object.entries({ narrator, description, language, series, seriesPart, cover, library }).filter(([, value]) => value !== undefined),
  );
}
