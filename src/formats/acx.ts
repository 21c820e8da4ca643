// ACX (Audible) submission rules, and a meter that checks a file against them as it is written:
// 44.1 kHz mono MP3 at 192 kbit/s CBR; RMS between -23 and -18 dB; peaks at most -3 dB; noise floor
// at most -60 dB RMS; 0.5-1 s of room tone at the start and 1-5 s at the end.
// Levels are dBFS of 16-bit samples (a full-scale square wave is 0 dB), as ACX's checks read them.

import { ACX_MASTER } from '../contract/input-schema.ts';
import type { AcxReport, AcxRule } from '../contract/reports.ts';

export const ACX = {
  ...ACX_MASTER,
  rmsRangeDb: [-23, -18] as const,
  /** What the normalisation aims at: the middle of the range, leaving room either way. */
  rmsTargetDb: -20,
  peakMaxDb: -3,
  /** The gain stops at this true peak: MP3 encoding moves sample peaks by a few tenths of a dB. */
  truePeakCeilingDb: -3.5,
  noiseFloorMaxDb: -60,
  roomToneStartMs: [500, 1_000] as const,
  roomToneEndMs: [1_000, 5_000] as const,
  /** Room tone we put at each end (the joiner's lead-in and tail). */
  leadInMs: 750,
  tailMs: 2_500,
};

/** What counts as room tone: under -60 dB, the noise floor ACX allows. */
const ROOM_TONE_THRESHOLD = Math.round(32_768 * 10 ** (ACX.noiseFloorMaxDb / 20));
/** ACX reads the noise floor over half-second windows. */
const WINDOW_MS = 500;

/** Level figures of 16-bit mono samples streamed through it. */
export class AcxMeter {
  private sumSquares = 0;
  private count = 0;
  private peak = 0;
  private window = { sum: 0, count: 0 };
  private quietestWindow = Infinity;
  private leadingQuiet = 0;
  private leading = true;
  private trailingQuiet = 0;
  private readonly windowFrames: number;

  constructor(private readonly sampleRate: number) {
    this.windowFrames = Math.round((WINDOW_MS * sampleRate) / 1000);
  }

  write(samples: Int16Array): void {
    for (let i = 0; i < samples.length; i++) {
      const value = samples[i]!;
      const square = value * value;
      const magnitude = Math.abs(value);
      this.sumSquares += square;
      this.count++;
      if (magnitude > this.peak) this.peak = magnitude;
      const quiet = magnitude <= ROOM_TONE_THRESHOLD;
      if (this.leading && quiet) this.leadingQuiet++;
      else this.leading = false;
      this.trailingQuiet = quiet ? this.trailingQuiet + 1 : 0;
      this.window.sum += square;
      if (++this.window.count === this.windowFrames) {
        this.quietestWindow = Math.min(this.quietestWindow, this.window.sum / this.window.count);
        this.window = { sum: 0, count: 0 };
      }
    }
  }

  /** RMS of everything so far, dBFS. */
  get rmsDb(): number {
    return toDb(Math.sqrt(this.sumSquares / Math.max(1, this.count)));
  }

  report(format: { sampleRate: number; channels: number; bitrateKbps?: number; codec: string }): AcxReport {
    const ms = (frames: number) => Math.round((frames * 1000) / this.sampleRate);
    const peakDb = round1(toDb(this.peak));
    const rmsDb = round1(this.rmsDb);
    const floor = this.quietestWindow === Infinity ? this.rmsDb : toDb(Math.sqrt(this.quietestWindow));
    const floorDb = floor === -Infinity ? null : round1(floor);
    const start = ms(this.leadingQuiet);
    const end = ms(this.trailingQuiet);
    const formatOk =
      format.codec === 'mp3' && format.sampleRate === ACX.sampleRate && format.channels === 1 && format.bitrateKbps === ACX.bitrateKbps;
    const rules: AcxRule[] = [
      {
        rule: 'format',
        measured:
          `${format.codec} ${format.sampleRate} Hz ${format.channels === 1 ? 'mono' : 'stereo'} ` +
          `${format.bitrateKbps ?? '?'} kbit/s CBR`,
        expected: 'mp3 44100 Hz mono 192 kbit/s CBR',
        pass: formatOk,
      },
      {
        rule: 'rms',
        measured: rmsDb,
        expected: `${ACX.rmsRangeDb[0]} to ${ACX.rmsRangeDb[1]} dB`,
        pass: rmsDb >= ACX.rmsRangeDb[0] && rmsDb <= ACX.rmsRangeDb[1],
      },
      { rule: 'peak', measured: peakDb, expected: `at most ${ACX.peakMaxDb} dB`, pass: peakDb <= ACX.peakMaxDb },
      {
        rule: 'noiseFloor',
        measured: floorDb,
        expected: `at most ${ACX.noiseFloorMaxDb} dB RMS`,
        pass: floorDb === null || floorDb <= ACX.noiseFloorMaxDb,
      },
      {
        rule: 'roomToneStart',
        measured: start,
        expected: `${ACX.roomToneStartMs[0]}-${ACX.roomToneStartMs[1]} ms`,
        pass: start >= ACX.roomToneStartMs[0] && start <= ACX.roomToneStartMs[1],
      },
      {
        rule: 'roomToneEnd',
        measured: end,
        expected: `${ACX.roomToneEndMs[0]}-${ACX.roomToneEndMs[1]} ms`,
        pass: end >= ACX.roomToneEndMs[0] && end <= ACX.roomToneEndMs[1],
      },
    ];
    return { pass: rules.every((r) => r.pass), rules };
  }
}

function toDb(amplitude: number): number {
  return 20 * Math.log10(amplitude / 32_768);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
