// Kokoro voice blends in the notation Kokoro-FastAPI's users know: "af_bella(2)+af_sky(1)" mixes the
// two voices' style vectors by weight; a part without a weight weighs 1. Pure, so the catalog, the
// engine and its threads share it.

/** One voice of a blend and its weight (> 0). */
export interface BlendPart {
  voice: string;
  weight: number;
}

const PART = /^([a-z][a-z0-9_]*)(?:\((\d+(?:\.\d+)?)\))?$/u;
/** More parts than this is not a voice anyone chose. */
export const MAX_BLEND_PARTS = 8;

/** Whether `voice` is written as a blend (has a "+" or a weight). */
export const isBlend = (voice: string): boolean => /[+(]/u.test(voice);

/** The parts of a blend, or a reason it is not one. Names are lowercased; the same voice twice adds up. */
export function parseBlend(voice: string): BlendPart[] | { problem: string } {
  const parts: BlendPart[] = [];
  const pieces = voice.toLowerCase().replace(/\s+/gu, '').split('+');
  if (pieces.length > MAX_BLEND_PARTS) return { problem: `mixes ${pieces.length} voices; at most ${MAX_BLEND_PARTS}` };
  for (const piece of pieces) {
    const match = PART.exec(piece);
    if (!match) return { problem: `has "${piece}", not a voice with an optional weight such as af_bella(2)` };
    const weight = match[2] === undefined ? 1 : Number(match[2]);
    if (!(weight > 0)) return { problem: `gives ${match[1]} the weight ${match[2]}; weights must be above 0` };
    const same = parts.find((part) => part.voice === match[1]);
    if (same) same.weight += weight;
    else parts.push({ voice: match[1]!, weight });
  }
  return parts;
}

/**
 * The one spelling of a blend, whatever order or scale it was written in: parts sorted by name,
 * weights as shares of 1 (4 digits). "af_sky+af_bella(1)" and "af_bella(2)+af_sky(2)" are the same
 * voice, and the same chunk key. A single voice stays its name.
 */
export function canonicalBlend(parts: readonly BlendPart[]): string {
  if (parts.length === 1) return parts[0]!.voice;
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  return [...parts]
    .sort((a, b) => (a.voice < b.voice ? -1 : a.voice > b.voice ? 1 : 0))
    .map((part) => `${part.voice}(${Number((part.weight / total).toFixed(4))})`)
    .join('+');
}
