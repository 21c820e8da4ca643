// Joins chunk audio, one chunk at a time, as the listener hears it: each chunk trimmed to its speech
// (speech-bounds.ts), converted to the output format, followed by the pause its break calls for,
// and optionally crossfaded into the next. It records where every chunk's first sample lands, so
// captions and chapters are exact to the sample. The stitcher and the live stream both use it.

import { clampInt16, convertPcm, resampledFrameCount } from '../audio/pcm.ts';
import type { PcmAudio } from '../contract/audio.ts';
import type { PlacedChunk } from '../formats/placed-chunk.ts';
import { keptBounds, speechBounds } from './speech-bounds.ts';

type KeptBounds = ReturnType<typeof keptBounds>;

/** A piece's first and last audible frame (-1: none), as its levels record holds them. */
export interface AudibleFrames {
  first: number;
  last: number;
}

export type { PlacedChunk } from '../formats/placed-chunk.ts';

export interface StitchPiece {
  sampleRate: number;
  channels: number;
  frames: number;
  /** Silence after this piece, in milliseconds. */
  pauseAfterMs: number;
  /** The pause is exact ([pause:…]): from this piece's last audible frame to the next one's first, edges included. */
  exactPause?: boolean;
}

export interface StitchFormat {
  sampleRate: number;
  channels: number;
}

export interface JoinOptions {
  /** Cut each chunk's edge silence down to a small floor, so that only the pauses set the gaps. */
  trim: boolean;
  /** Equal-power crossfade where chunks meet without a pause, in ms (0: none); a pause is kept whole. */
  crossfadeMs: number;
  /** Silence before the first chunk and after the last (room tone), in ms. */
  leadInMs?: number;
  tailMs?: number;
}

export const NO_JOIN_EFFECTS: JoinOptions = { trim: false, crossfadeMs: 0 };

/** Frames of silence for a pause at the given rate. */
export function pauseFrames(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}

export class Joiner {
  readonly placed: PlacedChunk[] = [];
  /** Output frames handed out so far. */
  private emitted = 0;
  /** The end of the last piece, held back to be crossfaded into the next. */
  private held = new Int16Array(0);
  /** An exact pause still to come, less the silent end of the piece before it: the next piece's silent start is taken off too. */
  private exactGap?: number;
  private readonly crossfadeFrames: number;
  private zeros = new Int16Array(0);

  /**
   * A dry joiner only places the chunks: it skips the rate conversion and emits silence of the
   * right length, which is all a planning pass needs.
   */
  constructor(
    private readonly format: StitchFormat,
    private readonly options: JoinOptions,
    private readonly dry = false,
  ) {
    this.crossfadeFrames = pauseFrames(options.crossfadeMs, format.sampleRate);
  }

  /**
   * Adds the next piece; returns the output samples now final (interleaved 16-bit). `audible`, the
   * first and last audible frame as the piece's levels record gives them, spares the scan.
   */
  push(piece: StitchPiece & { index: number }, audio: PcmAudio, audible?: AudibleFrames): Int16Array[] {
    const sourceFrames = audio.samples.length / audio.channels;
    if (sourceFrames !== piece.frames || audio.sampleRate !== piece.sampleRate || audio.channels !== piece.channels) {
      throw new Error(
        `chunk ${piece.index} holds ${sourceFrames} frames at ${audio.sampleRate} Hz x${audio.channels}, ` +
          `its ref promised ${piece.frames} at ${piece.sampleRate} Hz x${piece.channels}`,
      );
    }
    const bounds = audible ? keptBounds(audible.first, audible.last, sourceFrames, audio.sampleRate) : speechBounds(audio);
    return this.join(piece, audio, bounds);
  }

  /**
   * Places the next piece from its audible frames alone (a dry joiner: no samples read), with the
   * same arithmetic as `push`; returns the output frames it added.
   */
  place(piece: StitchPiece & { index: number }, audible: AudibleFrames): number {
    if (!this.dry) throw new Error('only a dry joiner places pieces without their audio');
    const before = this.emitted;
    this.join(piece, undefined, keptBounds(audible.first, audible.last, piece.frames, piece.sampleRate));
    return this.emitted - before;
  }

  /**
   * Passes over a piece already written (a stitch going on from its prefix stitched ahead): the
   * same arithmetic as `push`, nothing emitted. Only where nothing is held back (no crossfade).
   */
  skip(piece: StitchPiece & { index: number }, audible: AudibleFrames): void {
    if (this.crossfadeFrames > 0) throw new Error('a crossfaded join holds back the end of each piece: none can be skipped');
    this.join(piece, undefined, keptBounds(audible.first, audible.last, piece.frames, piece.sampleRate));
  }

  private join(piece: StitchPiece & { index: number }, audio: PcmAudio | undefined, bounds: KeptBounds): Int16Array[] {
    const { channels, sampleRate } = this.format;
    const sourceRate = piece.sampleRate;
    const { start, end } = this.options.trim ? bounds : { start: 0, end: piece.frames };
    const toOutput = (frames: number) => resampledFrameCount(Math.max(0, frames), sourceRate, sampleRate);
    const speech =
      this.dry || !audio
        ? this.silence(resampledFrameCount(end - start, sourceRate, sampleRate) * channels)
        : convertPcm({ ...audio, samples: audio.samples.subarray(start * audio.channels, end * audio.channels) }, sampleRate, channels)
            .samples;
    const speechFrames = speech.length / channels;

    const out: Int16Array[] = [];
    if (this.placed.length === 0) this.emit(out, new Int16Array(pauseFrames(this.options.leadInMs ?? 0, sampleRate) * channels));
    if (this.exactGap !== undefined) {
      this.emit(out, new Int16Array(Math.max(0, this.exactGap - toOutput(bounds.first - start)) * channels));
      this.exactGap = undefined;
    }
    const heldFrames = this.held.length / channels;
    const overlap = Math.min(heldFrames, speechFrames);
    this.emit(out, this.held.subarray(0, (heldFrames - overlap) * channels));
    this.placed.push({
      index: piece.index,
      startFrame: this.emitted,
      frames: speechFrames,
      trimmedFrames: start,
      sourceRate,
    });
    if (overlap > 0)
      this.emit(out, crossfade(this.held.subarray((heldFrames - overlap) * channels), speech.subarray(0, overlap * channels), channels));

    // The rest of the piece, then its pause; with no pause, its end is held back to be crossfaded
    // into the next piece's start (audio only ever overlaps audio).
    const body = speech.subarray(overlap * channels);
    const pause = pauseFrames(piece.pauseAfterMs, sampleRate);
    const hold = pause === 0 && !piece.exactPause ? Math.min(this.crossfadeFrames, body.length / channels) : 0;
    this.emit(out, body.subarray(0, body.length - hold * channels));
    // An exact pause waits for the next piece, whose silent start it includes.
    if (piece.exactPause) this.exactGap = pause - toOutput(end - 1 - bounds.last);
    else this.emit(out, new Int16Array(pause * channels));
    this.held = body.slice(body.length - hold * channels);
    return out;
  }

  /** The held-back end of the last piece. */
  finish(): Int16Array[] {
    const out: Int16Array[] = [];
    if (this.exactGap !== undefined) this.emit(out, new Int16Array(Math.max(0, this.exactGap) * this.format.channels));
    this.exactGap = undefined;
    this.emit(out, this.held);
    this.emit(out, new Int16Array(pauseFrames(this.options.tailMs ?? 0, this.format.sampleRate) * this.format.channels));
    this.held = new Int16Array(0);
    return out;
  }

  /** Output frames so far (all of them after `finish`). */
  get frames(): number {
    return this.emitted;
  }

  /** A dry joiner's stand-in for speech: zeros from one buffer, grown as needed (only counted, never changed). */
  private silence(length: number): Int16Array {
    if (this.zeros.length < length) this.zeros = new Int16Array(Math.max(length, this.zeros.length * 2));
    return this.zeros.subarray(0, length);
  }

  private emit(out: Int16Array[], samples: Int16Array): void {
    if (samples.length === 0) return;
    out.push(samples);
    this.emitted += samples.length / this.format.channels;
  }
}

/** Equal-power: the outgoing end fades by cos, the incoming start rises by sin, so loudness holds. */
function crossfade(outgoing: Int16Array, incoming: Int16Array, channels: number): Int16Array {
  const frames = outgoing.length / channels;
  const mixed = new Int16Array(outgoing.length);
  for (let f = 0; f < frames; f++) {
    const angle = ((f + 0.5) / frames) * (Math.PI / 2);
    const fadeOut = Math.cos(angle);
    const fadeIn = Math.sin(angle);
    for (let c = 0; c < channels; c++) {
      const i = f * channels + c;
      mixed[i] = clampInt16(outgoing[i]! * fadeOut + incoming[i]! * fadeIn);
    }
  }
  return mixed;
}
