// The joiner's placement with each chunk's levels record: the kept span of every chunk, where it
// lands in the document (files in a row, as the loudness of a split document is measured), ready
// for documentLoudness (src/audio/document-loudness.ts).

import type { PlacedLevels } from '../audio/document-loudness.ts';
import type { ChunkLevels } from '../audio/levels.ts';
import type { PlacedChunk } from './joiner.ts';
import { keptBounds } from './speech-bounds.ts';

export function placedLevels(
  files: ReadonlyArray<{ placed: readonly PlacedChunk[]; frames: number }>,
  levelsOf: (index: number) => ChunkLevels,
  trim: boolean,
): PlacedLevels[] {
  const pieces: PlacedLevels[] = [];
  let offset = 0;
  for (const file of files) {
    for (const chunk of file.placed) {
      const levels = levelsOf(chunk.index);
      const { start, end } = trim
        ? keptBounds(levels.first, levels.last, levels.frames, levels.sampleRate)
        : { start: 0, end: levels.frames };
      if (start !== chunk.trimmedFrames || levels.sampleRate !== chunk.sourceRate) {
        throw new Error(`chunk ${chunk.index}'s levels record does not describe the audio the joiner placed`);
      }
      pieces.push({ levels, start, end, startFrame: offset + chunk.startFrame, frames: chunk.frames });
    }
    offset += file.frames;
  }
  return pieces;
}
