// eSpeak's voices as its build lists them (GPL-3.0, loaded only when asked): the language names a
// voice answers to ("en-us"), which is how documents name eSpeak voices.

import initEspeak from '@echogarden/espeak-ng-emscripten';
import type { VoiceInfo } from '../voices/index.ts';

let listed: Promise<VoiceInfo[]> | undefined;

/** Every language name eSpeak answers to, with its language; loaded once per process (about a second). */
export function espeakVoices(): Promise<VoiceInfo[]> {
  listed ??= (async () => {
    const espeak = new (await initEspeak()).eSpeakNGWorker();
    const names = new Set(espeak.list_voices().flatMap((voice) => voice.languages.map(({ name }) => name.toLowerCase())));
    return [...names].sort().map((name) => ({ name, engine: 'espeak' as const, language: name }));
  })();
  return listed;
}
