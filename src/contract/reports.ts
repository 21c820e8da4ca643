// What a document reports about its audio: chapters, loudness and the ACX checks.

/** A chapter as the workflow asks for it: the chunk it starts at, and its title. */
export interface ChapterStart {
  chunk: number;
  title: string;
}

/** A chapter as the result lists it. */
export interface Chapter {
  title: string;
  startMs: number;
  durationMs: number;
}

export interface LoudnessFigures {
  /** Gated integrated loudness, LUFS; null for silence (below the absolute gate). */
  integratedLufs: number | null;
  /** Loudness range, LU. */
  rangeLu: number;
  /** True peak, dBTP; null for digital silence. */
  truePeakDb: number | null;
}

/** What a normalisation found and did: one gain for the whole document, and the figures around it. */
export interface LoudnessReport {
  targetLufs: number;
  truePeakDb: number;
  gainDb: number;
  /** Audio the limiter held more than 1 dB down to keep the peaks under the ceiling, ms (0: none). */
  limitedMs: number;
  before: LoudnessFigures;
  after: LoudnessFigures;
}

export interface AcxRule {
  rule: 'format' | 'rms' | 'peak' | 'noiseFloor' | 'roomToneStart' | 'roomToneEnd';
  /** A number (dB or ms), or a description for the format; null for digital silence (no noise at all). */
  measured: number | string | null;
  expected: string;
  pass: boolean;
}

export interface AcxReport {
  pass: boolean;
  rules: AcxRule[];
}
