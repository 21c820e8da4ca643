// GPL-3.0: this file loads eSpeak-NG (@echogarden/espeak-ng-emscripten, the same WASM build as
// src/engines/espeak/) to turn English text into IPA for Kokoro. Kept apart from the rest of the
// kokoro engine, which only sees the IpaWords function it returns. Loaded in kokoro's worker threads.

import initEspeak from '@echogarden/espeak-ng-emscripten';
import type { IpaWords } from './phonemes.ts';

/** One eSpeak instance (single-threaded, keeps state): call it from one thread only. */
export async function createEspeakIpa(): Promise<IpaWords> {
  const espeak = new (await initEspeak()).eSpeakNGWorker();
  let currentVoice = '';
  return (text, language) => {
    if (language !== currentVoice) {
      espeak.set_voice(language);
      currentVoice = language;
    }
    // "_" separates phonemes, spaces words, line breaks the clauses eSpeak found.
    return espeak.synthesize_ipa(text).ipa.replaceAll('_', '').split(/\s+/u).filter(Boolean);
  };
}
