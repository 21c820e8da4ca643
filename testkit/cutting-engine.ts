// An engine that cuts takes short, the fault listeners report most (a chunk whose second half is
// never spoken): on the takes `cuts` picks, it speaks only the first half of the chunk's words (one
// word fewer on each later take, as a provider's takes differ), through a real engine, so a speech
// recognizer hears what is missing.

import type { SynthesisRequest, SynthesizedAudio, TtsEngine } from '../src/engines/engine.ts';

export interface CuttingEngine extends TtsEngine {
  /** Every take spoken: the chunk's text, its take (0 = the first), and whether it was cut. */
  readonly takes: Array<{ text: string; take: number; cut: boolean }>;
}

export function cuttingEngine(inner: TtsEngine, cuts: (text: string, take: number) => boolean): CuttingEngine {
  const takes: CuttingEngine['takes'] = [];
  return {
    name: inner.name,
    takes,
    pin: (voice, signal) => inner.pin(voice, signal),
    cannotServe: (pin) => inner.cannotServe(pin),
    close: () => inner.close?.() ?? Promise.resolve(),
    synthesize(request: SynthesisRequest): Promise<SynthesizedAudio> {
      const take = request.take ?? 0;
      const cut = cuts(request.text, take);
      takes.push({ text: request.text, take, cut });
      if (!cut) return inner.synthesize(request);
      const words = request.text.split(/\s+/u);
      const { pronunciations: _dropped, ...rest } = request;
      const kept = Math.max(1, Math.ceil(words.length / 2) - take);
      return inner.synthesize({ ...rest, text: words.slice(0, kept).join(' ') });
    },
  };
}
