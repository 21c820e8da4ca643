// A gain followed by a look-ahead peak limiter, streaming: speech has peaks 15-20 dB above its
// average, so a gain that brings the average to a target can push a few syllables past the
// ceiling. The limiter lowers the gain just around those, fading down over the look-ahead before
// a peak and back up over the release after it, so nothing is clipped and the rest is untouched.
// Every frame comes out once, in order: the output is the input's length and timing.

const LOOKAHEAD_MS = 5;
const RELEASE_MS = 80;
const ONE_DB_DOWN = 10 ** (-1 / 20);

export class GainLimiter {
  private readonly gain: number;
  private readonly ceiling: number;
  private readonly lookahead: number;
  private readonly size: number;
  private readonly attack: number;
  private readonly release: number;
  /** The last lookahead + 1 frames, gained (ring, by frame number modulo size). */
  private readonly line: Float64Array;
  /** Frames that need less than unit gain, in a monotonic queue: the window's lowest is at the front. */
  private readonly queueFrame: Float64Array;
  private readonly queueGain: Float64Array;
  private queueHead = 0;
  private queueLength = 0;
  private taken = 0;
  private envelope = 1;
  /** Frames the limiter held down by more than 1 dB. */
  limitedFrames = 0;
  /** The largest |sample| it wrote. */
  samplePeak = 0;
  /** With `trackSteps`: per step of the document, the energy going into the limiter and coming out. */
  private steps?: { energyIn: Float64Array; energyOut: Float64Array; stepFrames: number; startFrame: number };

  constructor(
    gainDb: number,
    ceilingDb: number,
    sampleRate: number,
    private readonly channels: number,
  ) {
    this.gain = 10 ** (gainDb / 20);
    this.ceiling = 32_767 * 10 ** (ceilingDb / 20);
    this.lookahead = Math.max(1, Math.round((LOOKAHEAD_MS * sampleRate) / 1000));
    this.size = this.lookahead + 1;
    this.attack = 1 - Math.exp(-5 / this.lookahead); // 99 % of the way down within the look-ahead
    this.release = 1 - Math.exp(-1 / ((RELEASE_MS * sampleRate) / 1000));
    this.line = new Float64Array(this.size * channels);
    this.queueFrame = new Float64Array(this.size);
    this.queueGain = new Float64Array(this.size);
  }

  /**
   * Adds the energy of each frame before and after the limiting (the gain is in both) into
   * `energyIn` and `energyOut`, by step of `stepFrames` frames counted from `startFrame` (where its
   * first frame lands in the document): what the limiter took from each step, so the loudness after
   * it follows from the levels records.
   */
  trackSteps(energyIn: Float64Array, energyOut: Float64Array, stepFrames: number, startFrame: number): this {
    this.steps = { energyIn, energyOut, stepFrames, startFrame };
    return this;
  }

  /** The frames now ready (up to the look-ahead behind the input). */
  process(samples: Int16Array): Int16Array {
    const frames = samples.length / this.channels;
    const out = new Int16Array(frames * this.channels);
    let written = 0;
    for (let f = 0; f < frames; f++) written = this.step(samples, f * this.channels, out, written);
    return out.subarray(0, written * this.channels);
  }

  /** The frames still in the look-ahead. */
  finish(): Int16Array {
    const pending = Math.min(this.taken, this.lookahead);
    const out = new Int16Array(pending * this.channels);
    const silence = new Int16Array(this.channels);
    let written = 0;
    while (written < pending) written = this.step(silence, 0, out, written);
    return out;
  }

  private step(input: Int16Array, offset: number, out: Int16Array, written: number): number {
    const { channels, size } = this;
    const frame = this.taken++;
    const slot = (frame % size) * channels;
    let peak = 0;
    for (let c = 0; c < channels; c++) {
      const value = input[offset + c]! * this.gain;
      this.line[slot + c] = value;
      peak = Math.max(peak, Math.abs(value));
    }
    const outgoing = frame - this.lookahead;
    while (this.queueLength > 0 && this.queueFrame[this.queueHead]! < outgoing) {
      this.queueHead = (this.queueHead + 1) % size;
      this.queueLength--;
    }
    if (peak > this.ceiling) this.enqueue(frame, this.ceiling / peak);
    const lowest = this.queueLength > 0 ? this.queueGain[this.queueHead]! : 1;
    this.envelope += (lowest - this.envelope) * (lowest < this.envelope ? this.attack : this.release);
    if (outgoing < 0) return written;
    const from = (outgoing % size) * channels;
    if (this.envelope < ONE_DB_DOWN) this.limitedFrames++;
    let energyIn = 0;
    let energyOut = 0;
    for (let c = 0; c < channels; c++) {
      // 99 % down by the peak; the clamp takes the last fraction of a dB.
      const value = Math.max(-this.ceiling, Math.min(this.ceiling, Math.round(this.line[from + c]! * this.envelope)));
      out[written * channels + c] = value;
      if (value > this.samplePeak) this.samplePeak = value;
      else if (-value > this.samplePeak) this.samplePeak = -value;
      energyIn += this.line[from + c]! ** 2;
      energyOut += value * value;
    }
    if (this.steps) {
      const step = Math.floor((this.steps.startFrame + outgoing) / this.steps.stepFrames);
      if (step < this.steps.energyIn.length) {
        this.steps.energyIn[step]! += energyIn;
        this.steps.energyOut[step]! += energyOut;
      }
    }
    return written + 1;
  }

  /** Keeps the queue's gains rising from the front: a later, lower need makes earlier higher ones moot. */
  private enqueue(frame: number, gain: number): void {
    while (this.queueLength > 0 && this.queueGain[(this.queueHead + this.queueLength - 1) % this.size]! >= gain) this.queueLength--;
    const at = (this.queueHead + this.queueLength) % this.size;
    this.queueFrame[at] = frame;
    this.queueGain[at] = gain;
    this.queueLength++;
  }
}
