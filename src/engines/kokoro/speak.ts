// One chunk through Kokoro: text -> phonemes -> ids -> pieces of at most 510 ids -> the model ->
// silence trimmed -> pieces joined, with word timings in samples of the joined audio. The model and
// the phonemizer are passed in, so this runs in a worker thread or in a test alike.

import type { WordTiming } from '../../contract/audio.ts';
import { type IpaOverride, type IpaWords, type PhonemeLanguage, textToPhonemes } from './phonemes.ts';
import { hasSpeech, splitTokens, tokenize, type Vocab, wordSpansOfPiece } from './tokens.ts';
import { float32ToPcm16, speechBoundsFloat32 } from './trim.ts';

export const KOKORO_SAMPLE_RATE = 24_000;
/** Style vectors have 256 floats; a voice file holds one per token count 0..509. */
export const STYLE_SIZE = 256;
/** What a text with nothing to say (only punctuation) becomes. */
const EMPTY_SEC = 0.1;

export interface ModelOutput {
  audio: Float32Array;
  /** Frames per id, padding zeros included (one more at each end than the ids). */
  durations: ArrayLike<number | bigint>;
}

export interface SpeakDeps {
  ipaWords: IpaWords;
  /** The dictionary's IPA for spans of the text, said instead of eSpeak's. */
  ipaOverrides?: IpaOverride[];
  vocab: Vocab;
  /** Runs the model on ids (without the padding zeros). */
  runModel(ids: number[], style: Float32Array, speed: number): Promise<ModelOutput>;
  /** Checked between pieces: a cancelled chunk stops early. */
  aborted?(): boolean;
}

export interface SpokenChunk {
  samples: Int16Array;
  words: WordTiming[];
}

/** American voices (a*) read with eSpeak's en-us, British ones (b*) with en-gb, as Kokoro does. */
export const languageOfVoice = (voice: string): PhonemeLanguage => (voice.startsWith('b') ? 'en-gb' : 'en-us');

/** The style row for a piece of n ids (KOKORO-NOTES: row n of the 510 x 256 voice matrix). */
export function styleFor(voice: Float32Array, tokenCount: number): Float32Array {
  const rows = Math.floor(voice.length / STYLE_SIZE);
  const row = Math.min(tokenCount, rows - 1);
  return voice.subarray(row * STYLE_SIZE, (row + 1) * STYLE_SIZE);
}

export async function speak(
  text: string,
  voice: { name: string; styles: Float32Array },
  speed: number,
  deps: SpeakDeps,
): Promise<SpokenChunk> {
  const phonemes = textToPhonemes(text, languageOfVoice(voice.name), deps.ipaWords, deps.ipaOverrides);
  const tokens = tokenize(phonemes, deps.vocab);
  if (!hasSpeech(tokens)) return { samples: new Int16Array(Math.round(EMPTY_SEC * KOKORO_SAMPLE_RATE)), words: [] };

  const parts: Int16Array[] = [];
  const spans = new Map<number, [number, number]>();
  let offset = 0;
  for (const piece of splitTokens(tokens.ids, deps.vocab)) {
    if (deps.aborted?.()) throw new Error('cancelled');
    const ids = tokens.ids.slice(piece.start, piece.end);
    const output = await deps.runModel(ids, styleFor(voice.styles, ids.length), speed);
    const { start, end } = speechBoundsFloat32(output.audio, KOKORO_SAMPLE_RATE);
    for (const [word, [from, to]] of wordSpansOfPiece(tokens.owners.slice(piece.start, piece.end), output.durations)) {
      const clamp = (sample: number) => offset + Math.min(end - start, Math.max(0, sample - start));
      const span = spans.get(word);
      spans.set(word, [span ? span[0] : clamp(from), clamp(to)]);
    }
    parts.push(float32ToPcm16(output.audio.subarray(start, end)));
    offset += end - start;
    const pause = Math.round((piece.pauseAfterMs / 1000) * KOKORO_SAMPLE_RATE);
    if (piece.end < tokens.ids.length && pause > 0) {
      parts.push(new Int16Array(pause));
      offset += pause;
    }
  }
  const samples = new Int16Array(offset);
  let at = 0;
  for (const part of parts) {
    samples.set(part, at);
    at += part.length;
  }
  const words = [...spans].sort(([a], [b]) => a - b).map(([word, [start, end]]) => ({ ...phonemes.words[word]!, start, end }));
  return { samples, words };
}
