// The speech recognizer that hears each chunk back (`verify`): Whisper base, int8, on the CPU, one
// chunk at a time per worker (it shares the cores with the engines). Audio of any rate and channel
// count is made 16 kHz mono and heard in windows of at most 30 s, split where it is quietest.

import { convertPcm } from '../audio/pcm.ts';
import type { PcmAudio } from '../contract/audio.ts';
import { ensureRecognizerModel } from './model-files.ts';
import { WHISPER_SAMPLE_RATE, WHISPER_WINDOW_SAMPLES, Whisper } from './whisper.ts';

export { ensureRecognizerModel, RecognizerDownloadError, RecognizerModelError } from './model-files.ts';
export { comparableWords, wordErrorRate } from './word-error-rate.ts';

/** Which recognizer heard a chunk: a hearing kept in the store is reused only by the same one. */
export const RECOGNIZER_MODEL = 'whisper-base-int8';

export interface RecognizerOptions {
  /** ONNX Runtime threads; default 1 (the engines have the other cores). */
  threads?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export class Recognizer {
  private whisper?: Promise<Whisper>;
  /** One chunk at a time: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RecognizerOptions = {}) {}

  /** What is said in `audio`, as text. The model is fetched into the cache on first use. */
  hear(audio: PcmAudio): Promise<string> {
    const heard = this.queue.then(async () => {
      const whisper = await this.load();
      const texts: string[] = [];
      for (const window of windows(toWhisperInput(audio))) texts.push(await whisper.transcribe(window));
      return texts.join(' ').trim();
    });
    this.queue = heard.catch(() => undefined);
    return heard;
  }

  async close(): Promise<void> {
    await this.queue;
    await (await this.whisper?.catch(() => undefined))?.release();
  }

  private load(): Promise<Whisper> {
    const started = performance.now();
    this.whisper ??= ensureRecognizerModel(this.options)
      .then(async (dir) => {
        const whisper = await Whisper.load(dir, this.options.threads ?? 1);
        this.options.log?.(`Recognizer: model loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; it stays loaded`);
        return whisper;
      })
      .catch((error: unknown) => {
        this.whisper = undefined; // the next chunk tries again
        throw error;
      });
    return this.whisper;
  }
}

function toWhisperInput(audio: PcmAudio): Float32Array {
  const { samples } = convertPcm(audio, WHISPER_SAMPLE_RATE, 1);
  return Float32Array.from(samples, (sample) => sample / 32_768);
}

/** Windows of at most 30 s, each cut at the quietest 20 ms of its last 10 s (between words, not inside one). */
export function windows(samples: Float32Array): Float32Array[] {
  const out: Float32Array[] = [];
  const hop = WHISPER_SAMPLE_RATE / 50;
  let start = 0;
  while (samples.length - start > WHISPER_WINDOW_SAMPLES) {
    let cut = start + WHISPER_WINDOW_SAMPLES;
    let quietest = Number.POSITIVE_INFINITY;
    for (let at = start + (WHISPER_WINDOW_SAMPLES * 2) / 3; at + hop <= start + WHISPER_WINDOW_SAMPLES; at += hop) {
      let energy = 0;
      for (let i = at; i < at + hop; i++) energy += samples[i]! * samples[i]!;
      if (energy < quietest) {
        quietest = energy;
        cut = at + hop / 2;
      }
    }
    out.push(samples.subarray(start, cut));
    start = cut;
  }
  out.push(samples.subarray(start));
  return out;
}
