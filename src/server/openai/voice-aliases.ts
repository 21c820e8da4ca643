// OpenAI's voice names, said by voices of ours, so that a client configured for OpenAI (Open WebUI,
// SillyTavern, LiveKit) works unchanged. Kokoro has a voice of the same name for five of them; the
// rest are matched by gender and tone. Our own voice names work as well: an alias is only looked up when the
// name is one of OpenAI's.

import type { EngineName } from '../../contract/input-schema.ts';

export const OPENAI_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;
export type OpenAiVoice = (typeof OPENAI_VOICES)[number];

/** OpenAI voice → Kokoro voice (also what Replicate's Kokoro model gets). */
export const KOKORO_ALIASES: Record<OpenAiVoice, string> = {
  alloy: 'af_alloy',
  ash: 'am_adam',
  ballad: 'bm_george',
  coral: 'af_heart',
  echo: 'am_echo',
  fable: 'bm_fable',
  nova: 'af_nova',
  onyx: 'am_onyx',
  sage: 'af_sarah',
  shimmer: 'af_bella',
  verse: 'am_michael',
  marin: 'af_kore',
  cedar: 'am_liam',
};

/** eSpeak's voices are languages: British English for the two British-sounding voices, else American. */
const ESPEAK_ALIASES: Record<OpenAiVoice, string> = Object.fromEntries(
  OPENAI_VOICES.map((voice) => [voice, voice === 'fable' || voice === 'ballad' ? 'en-gb' : 'en-us']),
) as Record<OpenAiVoice, string>;

const isOpenAiVoice = (voice: string): voice is OpenAiVoice => (OPENAI_VOICES as readonly string[]).includes(voice.toLowerCase());

/** The voice of ours `voice` means for `engine`: an OpenAI name translated, any other name as given. */
export function voiceFor(engine: EngineName, voice: string, speaksKokoro: boolean): string {
  if (!isOpenAiVoice(voice)) return voice;
  const name = voice.toLowerCase() as OpenAiVoice;
  if (engine === 'kokoro' || (engine === 'replicate' && speaksKokoro)) return KOKORO_ALIASES[name];
  if (engine === 'espeak') return ESPEAK_ALIASES[name];
  return name; // an OpenAI-compatible server, or an engine that takes any name
}
