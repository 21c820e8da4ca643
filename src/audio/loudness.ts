// Loudness as EBU R128 / ITU-R BS.1770-4 defines it, measured by ffmpeg's ebur128 filter (gated
// integrated loudness, loudness range, true peak by 4x oversampling), fed as a stream: a book is
// measured in one pass without being held in memory.

import type { LoudnessFigures } from '../contract/reports.ts';
import { FfmpegProcess, type PcmFormat, rawPcmInput } from './ffmpeg.ts';

/** Streams PCM into ffmpeg's meter; `result` ends the stream and parses the summary. */
export class LoudnessMeter {
  private readonly ffmpeg: FfmpegProcess;

  /**
   * `precise`: read the filter's last per-step metadata (0.001 LU) instead of its summary (0.1 LU),
   * to check other measurements against it.
   */
  constructor(
    format: PcmFormat,
    private readonly options: { precise?: boolean } = {},
  ) {
    const filter = options.precise ? 'ebur128=peak=true:metadata=1,ametadata=mode=print' : 'ebur128=peak=true:framelog=verbose';
    this.ffmpeg = new FfmpegProcess([...rawPcmInput(format), '-af', filter, '-f', 'null', '-']);
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.ffmpeg.write(bytes);
  }

  async result(): Promise<LoudnessFigures> {
    const log = await this.ffmpeg.finish();
    const summary = parseEbur128Summary(log);
    return this.options.precise ? { ...summary, ...parseEbur128Metadata(log, summary) } : summary;
  }

  kill(): void {
    this.ffmpeg.kill();
  }
}

/** The filter's summary: "I: -23.0 LUFS", "LRA: 4.2 LU" and, under "True peak:", "Peak: -1.3 dBFS". */
function parseEbur128Summary(log: string): LoudnessFigures {
  const summary = log.slice(log.lastIndexOf('Summary:'));
  const number = (pattern: RegExp) => {
    const match = pattern.exec(summary);
    if (!match) throw new Error(`ffmpeg's loudness summary lacks ${pattern.source}: ${summary.slice(0, 400)}`);
    return match[1] === '-inf' ? null : Number(match[1]);
  };
  const integrated = number(/I:\s+(-?[\d.]+|-inf) LUFS/u);
  return {
    // The filter reports -70 (its absolute gate) when nothing is loud enough to measure.
    integratedLufs: integrated === null || integrated <= -70 ? null : integrated,
    rangeLu: number(/LRA:\s+(-?[\d.]+) LU/u) ?? 0,
    truePeakDb: number(/True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/u),
  };
}

/**
 * The last metadata the filter printed ("lavfi.r128.I=-23.012", "lavfi.r128.true_peaks_ch0=0.501"):
 * loudness to 0.001 LU; true peaks are linear to 0.001, so quiet ones keep the summary's dB.
 */
function parseEbur128Metadata(log: string, summary: LoudnessFigures): Partial<LoudnessFigures> {
  const last = (key: string) => {
    const at = log.lastIndexOf(`lavfi.r128.${key}=`);
    return at < 0 ? undefined : Number.parseFloat(log.slice(at + key.length + 12));
  };
  const integrated = last('I');
  const range = last('LRA');
  const peaks = [...log.matchAll(/lavfi\.r128\.true_peaks_ch\d+=([\d.]+)/gu)].map((match) => Number(match[1]));
  const peak = peaks.length ? Math.max(...peaks) : 0;
  return {
    ...(integrated === undefined ? {} : { integratedLufs: integrated <= -70 ? null : integrated }),
    ...(range === undefined ? {} : { rangeLu: range }),
    ...(peak >= 0.25 ? { truePeakDb: 20 * Math.log10(peak) } : { truePeakDb: summary.truePeakDb }),
  };
}

/** The most a limiter may take off a peak: past that, the gain stops short of the target instead. */
export const MAX_LIMITING_DB = 6;
/** The limiter works on samples; peaks between samples can be this much higher (true peak). */
const TRUE_PEAK_MARGIN_DB = 1;

export interface Levelling {
  /** The one gain for the whole document, dB. */
  gainDb: number;
  /** When the gain would push peaks over the ceiling: where the limiter holds the samples, dBFS. */
  limiterCeilingDb?: number;
}

/**
 * The gain that brings a level (integrated loudness, or ACX's RMS) to its target, and whether a
 * limiter must hold the peaks it would push past the true-peak ceiling (up to MAX_LIMITING_DB).
 */
export function levelling(level: number | null, targetDb: number, truePeakDb: number | null, ceilingDb: number): Levelling {
  if (level === null || truePeakDb === null) return { gainDb: 0 }; // silence: nothing to bring up
  const toTarget = targetDb - level;
  if (truePeakDb + toTarget <= ceilingDb) return { gainDb: round2(toTarget) };
  return {
    gainDb: round2(Math.min(toTarget, ceilingDb - truePeakDb + MAX_LIMITING_DB)),
    limiterCeilingDb: ceilingDb - TRUE_PEAK_MARGIN_DB,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
