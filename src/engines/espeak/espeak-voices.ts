// eSpeak's voices as its build lists them (GPL-3.0, loaded only when asked): the language names a
// voice answers to ("en-us"), which is how documents name eSpeak voices.

/** One of eSpeak's voices: its language name is its name. */
export interface EspeakVoice {
  name: string;
  engine: 'espeak';
  language: string;
}

let listed: Promise<EspeakVoice[]> | undefined;

/** Every language name eSpeak answers to, with its language; loaded once per process (about a second). */
export function espeakVoices(): Promise<EspeakVoice[]> {
  listed ??= (async () => {
    // Imported here, not at the top: a client or server that never lists eSpeak's voices never loads it.
    const { default: initEspeak } = await import('@echogarden/espeak-ng-emscripten');
    const espeak = new (await initEspeak()).eSpeakNGWorker();
    const names = new Set(espeak.list_voices().flatMap((voice) => voice.languages.map(({ name }) => name.toLowerCase())));
    return [...names].sort().map((name) => ({ name, engine: 'espeak' as const, language: name }));
  })();
  return listed;
}
