// The standard tools a listener's software would use, to check our files from the outside:
// ffprobe (chapters, tags, streams) and ffmpeg's decoders (what a player hears).

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../src/audio/ffmpeg.ts';

const run = promisify(execFile);
const ffprobePath = (createRequire(import.meta.url)('@ffprobe-installer/ffprobe') as { path: string }).path;

export interface Probe {
  format: { format_name: string; duration: string; tags?: Record<string, string> };
  streams: Array<{ codec_name: string; sample_rate: string; channels: number; bit_rate?: string }>;
  chapters: Array<{ start_time: string; end_time: string; tags: { title: string } }>;
}

export async function ffprobe(path: string): Promise<Probe> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_format', '-show_streams', '-show_chapters', '-of', 'json', path], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as Probe;
}

/** The file decoded to mono 16-bit PCM at `sampleRate`, as a player would (gapless info honoured). */
export async function decodeWithFfmpeg(path: string, sampleRate: number): Promise<Int16Array> {
  const { stdout } = await run(ffmpegPath(), ['-v', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), '-'], {
    encoding: 'buffer',
    maxBuffer: 1 << 30,
  });
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 2);
}

/** Where sound starts after each silence of at least `minSilenceMs` (and at the very start), in ms. */
export function onsetsMs(samples: Int16Array, sampleRate: number, minSilenceMs: number, threshold = 300): number[] {
  const minFrames = (minSilenceMs * sampleRate) / 1000;
  const onsets: number[] = [];
  let quietSince = 0;
  let quiet = true;
  for (let i = 0; i < samples.length; i++) {
    const loud = Math.abs(samples[i]!) > threshold;
    if (loud && quiet && (i - quietSince >= minFrames || onsets.length === 0)) onsets.push((i * 1000) / sampleRate);
    if (loud) quiet = false;
    else if (!quiet) {
      quiet = true;
      quietSince = i;
    }
  }
  return onsets;
}
