// Stitching ahead: while a document's last chunks are still spoken, its first ones are already
// levelled and written, so after the last chunk only the rest is (the tail the user waits for).
// That needs the gain before the whole document is known: the gain of its first chunks stands
// for the document's when it is within PREFIX_GAIN_TOLERANCE_DB of the whole's (the loudness is
// then within as much of the target), else the whole's. Every one-pass stitch of one file applies
// this rule, stitched ahead or not, so a document gives the same file either way. Pure: the
// workflow asks it when to start the stitch ahead.

import type { Levelling } from '../audio/loudness.ts';

/** Documents of fewer chunks are stitched after their last one: a prefix of them saves little. */
export const MIN_AHEAD_CHUNKS = 10;

/** How far the whole document's gain may be from its first chunks' for theirs to stand. */
export const PREFIX_GAIN_TOLERANCE_DB = 0.05;

/** The chunks that may be stitched ahead: all but the last tenth; none in a short document. */
export function aheadPrefix(chunks: number): number {
  return chunks < MIN_AHEAD_CHUNKS ? 0 : chunks - Math.ceil(chunks / 10);
}

/**
 * The document's gain: its first chunks' when near enough to the whole's, neither needs the limiter,
 * and the whole's true peak (`peak`, dBTP) stays under the ceiling with it (its loudest peak may come later).
 */
export function documentGain(
  whole: Levelling,
  prefix: Levelling | undefined,
  peak: { truePeakDb: number | null; ceilingDb: number },
): Levelling {
  if (!prefix || whole.limiterCeilingDb !== undefined || prefix.limiterCeilingDb !== undefined) return whole;
  if (peak.truePeakDb !== null && peak.truePeakDb + prefix.gainDb > peak.ceilingDb) return whole;
  // Both are to 0.01 dB: compared in hundredths, so no float rounding decides.
  return Math.abs(Math.round(prefix.gainDb * 100) - Math.round(whole.gainDb * 100)) <= PREFIX_GAIN_TOLERANCE_DB * 100 ? prefix : whole;
}

/** What the stitch is asked to make, as far as stitching ahead cares. */
export interface AheadOutput {
  format: string;
  loudness?: unknown;
  crossfadeMs?: number;
  acx?: boolean;
  split?: string;
  library?: boolean;
}

/**
 * Whether a document's stitch can start ahead: one WAV file, levelled from the chunks' records (no
 * crossfade, no ACX), not into a library, no cast (its pauses come from the plan), long enough.
 */
export function stitchesAhead(output: AheadOutput, chunks: number, cast: boolean): boolean {
  return (
    output.format === 'wav' &&
    !!output.loudness &&
    !output.crossfadeMs &&
    !output.acx &&
    !output.split &&
    !output.library &&
    !cast &&
    aheadPrefix(chunks) > 0
  );
}
