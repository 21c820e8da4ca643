// Types for the parts of @echogarden/espeak-ng-emscripten (GPL-3.0) that we use; the package has none.

declare module '@echogarden/espeak-ng-emscripten' {
  interface EspeakNgWorker {
    set_voice(voice: string): void;
    /** IPA with "_" between phonemes, " " between words and a line break after each clause. */
    synthesize_ipa(text: string): { code: number; ipa: string };
    /** Every voice of the build, with the languages it answers to. */
    list_voices(): Array<{ name: string; identifier: string; languages: Array<{ priority: number; name: string }> }>;
  }
  interface EspeakModule {
    eSpeakNGWorker: new () => EspeakNgWorker;
  }
  const initEspeak: () => Promise<EspeakModule>;
  export default initEspeak;
}
