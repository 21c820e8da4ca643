// Where each chunk's audio landed in the output: what the joiner reports, and captions and chapters read.

/** Where a chunk's audio ended up in the output. */
export interface PlacedChunk {
  index: number;
  /** Output frame of the chunk's first kept sample. */
  startFrame: number;
  /** Its kept audio's length in output frames (the pause after it not included). */
  frames: number;
  /** Source frames trimmed off its start, and its source rate: an engine's own timings map through them. */
  trimmedFrames: number;
  sourceRate: number;
}
