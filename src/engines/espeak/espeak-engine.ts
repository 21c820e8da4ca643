// The local engine: eSpeak-NG compiled to JavaScript (GPL-3.0, kept in this folder on its own).
// A small pool of worker threads, one eSpeak instance each, so chunks are spoken in parallel on
// several cores and the worker's event loop (heartbeats, polling) never blocks on synthesis.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WordTiming } from '../../contract/audio.ts';
import type { EnginePin } from '../../contract/input-schema.ts';
import { respell } from '../../text/respell.ts';
import { EngineInputError, type SynthesisRequest, type SynthesizedAudio, TransientEngineError, type TtsEngine } from '../engine.ts';
import { localPinMismatch } from '../local-pin.ts';
import { ThreadPool } from '../thread-pool.ts';
import { ipaToEspeak } from './ipa-to-espeak.ts';

export const ESPEAK_SAMPLE_RATE = 22_050;
export const ESPEAK_DEFAULT_VOICE = 'en-us';
/** eSpeak's own rate (espeakRATE_NORMAL): speed 1. */
const ESPEAK_WORDS_PER_MINUTE = 175;
const THREAD_URL = new URL('./espeak-thread.js', import.meta.url);
/** The eSpeak-NG build we run: the version of @echogarden/espeak-ng-emscripten (a unit test keeps it so). */
export const ESPEAK_BUILD = '0.3.5';

export const espeakPin = (voice?: string): EnginePin => ({
  engine: 'espeak',
  model: 'espeak-ng',
  version: ESPEAK_BUILD,
  voice: (voice || ESPEAK_DEFAULT_VOICE).toLowerCase(),
});

interface Job {
  request: SynthesisRequest;
  voice: string;
  /** The text with the dictionary's entries as eSpeak is to say them. */
  text: string;
}

interface ThreadReady {
  sampleRate: number;
  voices: string[];
}

export class EspeakEngine implements TtsEngine {
  readonly name = 'espeak' as const;
  private readonly pool = new ThreadPool<Job, SynthesizedAudio, ThreadReady, { samples: Int16Array; words: WordTiming[] }>({
    createWorker: () => new Worker(THREAD_URL),
    message: ({ request, voice, text }, id, abortFlag) => ({
      id,
      text,
      voice,
      wordsPerMinute: Math.round(ESPEAK_WORDS_PER_MINUTE * (request.speed ?? 1)),
      abortFlag,
    }),
    result: ({ samples, words }) => ({ sampleRate: ESPEAK_SAMPLE_RATE, channels: 1, samples, words }),
    jobError: (message) => new Error(`eSpeak failed: ${message}`),
    threadError: (error) => new TransientEngineError(`eSpeak thread failed: ${error.message}`),
    exitMessage: 'eSpeak thread exited',
  });

  constructor(readonly threadCount = Math.min(2, availableParallelism())) {
    this.pool.start(threadCount);
  }

  async pin(voice: string | undefined): Promise<EnginePin> {
    return espeakPin(voice);
  }

  cannotServe(pin: EnginePin): string | undefined {
    return localPinMismatch(espeakPin(), pin);
  }

  /** The audio, and its words as eSpeak's word events place them. */
  async synthesize(request: SynthesisRequest): Promise<SynthesizedAudio> {
    const { voices } = await this.pool.ready()[0]!;
    const voice = (request.voice ?? ESPEAK_DEFAULT_VOICE).toLowerCase();
    if (!voices.includes(voice)) {
      throw new EngineInputError(`unknown eSpeak voice "${request.voice}" (try en-us, en-gb, fr, de, es, or gmw/en-US)`);
    }
    await Promise.all(this.pool.ready());
    // An entry's IPA as eSpeak's own phonemes, else its respelling; the words come back as written.
    const respelled = respell(request.text, request.pronunciations ?? [], (span) =>
      span.ipa ? `[[${ipaToEspeak(span.ipa)}]]` : (span.say ?? span.written),
    );
    const audio = await this.pool.run({ request, voice, text: respelled.text });
    return { ...audio, ...(audio.words ? { words: respelled.toWritten(audio.words) } : {}) };
  }

  async close(): Promise<void> {
    this.pool.close();
    await this.pool.terminate();
  }
}
