// A TTS engine for tests and benchmarks: deterministic audio whose length follows the text, with
// configurable latency, jitter and failure rate, and a record of how many calls ran at once.

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PcmAudio } from '../contract/audio.ts';
import type { EngineOptions, EnginePin } from '../document/input.ts';
import { respell } from '../text/respell.ts';
import { type SynthesisRequest, TransientEngineError, type TtsEngine } from './engine.ts';
import { localPinMismatch } from './local-pin.ts';

export const SIMULATED_DEFAULT_SAMPLE_RATE = 24_000;
/** About 22 characters a second, a brisk human pace. */
export const SIMULATED_CHARS_PER_SECOND = 1000 / 45;
const AMPLITUDE = 6_000;

/** Bump when the same text and options would give other audio. */
export const simulatedPin = (voice?: string): EnginePin => ({
  engine: 'simulated',
  model: 'tones',
  version: '1',
  ...(voice ? { voice } : {}),
});

/** What the engine saw, for tests and benchmarks to assert on. */
export interface SimulatedStats {
  calls: number;
  failures: number;
  inFlight: number;
  maxInFlight: number;
  /** Start and end of every call, in ms since the engine was created, by chunk text. */
  timeline: Array<{ text: string; startMs: number; endMs: number; failed: boolean }>;
}

export class SimulatedEngine implements TtsEngine {
  readonly name = 'simulated' as const;
  readonly stats: SimulatedStats = { calls: 0, failures: 0, inFlight: 0, maxInFlight: 0, timeline: [] };
  private readonly createdAt = performance.now();

  constructor(private readonly random: () => number = Math.random) {}

  async pin(voice: string | undefined): Promise<EnginePin> {
    return simulatedPin(voice);
  }

  cannotServe(pin: EnginePin): string | undefined {
    return localPinMismatch(simulatedPin(), pin);
  }

  async synthesize({ text: written, pronunciations = [], options, signal }: SynthesisRequest): Promise<PcmAudio> {
    // Its tones follow the text it says: a respelling changes them.
    const text = respell(written, pronunciations, (span) => span.say ?? span.written).text;
    const startMs = performance.now() - this.createdAt;
    this.stats.calls++;
    this.stats.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    let failed = false;
    try {
      const delay = latencyOf(text, options, this.random);
      if (delay > 0) await sleep(delay, undefined, { signal });
      signal.throwIfAborted();
      if (this.random() < (options.failureRate ?? 0)) {
        failed = true;
        this.stats.failures++;
        throw new TransientEngineError('simulated transient failure');
      }
      return simulatedAudio(text, options.sampleRate ?? SIMULATED_DEFAULT_SAMPLE_RATE, options.charsPerSecond);
    } finally {
      this.stats.inFlight--;
      this.stats.timeline.push({ text, startMs, endMs: performance.now() - this.createdAt, failed });
    }
  }

  resetStats(): void {
    Object.assign(this.stats, { calls: 0, failures: 0, inFlight: 0, maxInFlight: 0, timeline: [] });
  }
}

/** latencyMs, spread lognormally (by sigma) and/or uniformly (by jitterMs). */
function latencyOf(text: string, options: EngineOptions, random: () => number): number {
  const base = options.latencyMs ?? 0;
  let factor = 1;
  if (options.latencySigma) {
    // Box-Muller from two uniforms: per chunk and repeatable when seeded, else from `random`.
    const [u1, u2] = options.seed === undefined ? [random(), random()] : seededUniforms(`${options.seed}:${text}`);
    factor = Math.exp(options.latencySigma * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
  }
  return base * factor + random() * (options.jitterMs ?? 0);
}

function seededUniforms(key: string): [number, number] {
  const hash = createHash('sha256').update(key).digest();
  return [hash.readUInt32BE(0) / 2 ** 32, hash.readUInt32BE(4) / 2 ** 32];
}

/** One short tone per character (silence for spaces), pitch from the character: same text, same bytes. */
export function simulatedAudio(text: string, sampleRate: number, charsPerSecond = SIMULATED_CHARS_PER_SECOND): PcmAudio {
  const perChar = Math.max(1, Math.round(sampleRate / charsPerSecond));
  const characters = Array.from(text);
  const samples = new Int16Array(characters.length * perChar);
  characters.forEach((character, c) => {
    if (/\s/u.test(character)) return;
    const frequency = 180 + ((character.codePointAt(0) ?? 0) % 48) * 12;
    samples.set(tone(frequency, perChar, sampleRate), c * perChar);
  });
  return { sampleRate, channels: 1, samples };
}

/** 48 pitches per sample rate: computed once, so a zero-latency chunk costs next to nothing. */
const tones = new Map<string, Int16Array>();

function tone(frequency: number, length: number, sampleRate: number): Int16Array {
  const key = `${frequency}/${length}/${sampleRate}`;
  let samples = tones.get(key);
  if (!samples) {
    samples = new Int16Array(length);
    for (let i = 0; i < length; i++) {
      const envelope = Math.sin((Math.PI * i) / length); // no clicks between characters
      samples[i] = Math.round(AMPLITUDE * envelope * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
    }
    tones.set(key, samples);
  }
  return samples;
}
