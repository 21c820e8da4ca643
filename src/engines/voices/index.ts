// Which voices each engine has: for `GET /v1/voices`, `client voices`, the page, and to refuse an
// unknown voice (in a tag, the voice map or --dialogue-voice) before a document starts.

import { canonicalBlend, isBlend, parseBlend } from '../../cast/index.ts';
import type { EngineName } from '../../contract/input-schema.ts';
import { espeakVoices } from '../espeak/espeak-voices.ts';
import { KOKORO_VOICES } from '../kokoro/model-files.ts';
import { DEFAULT_REPLICATE_MODEL } from '../replicate/replicate-config.ts';

export interface VoiceInfo {
  name: string;
  engine: EngineName;
  /** BCP 47, lowercase ("en-us"). */
  language?: string;
  gender?: 'female' | 'male';
}

/** Kokoro's names say both: "af_heart" is American English, female; "bm_george" British, male. */
export function kokoroVoiceInfo(name: string, engine: EngineName = 'kokoro'): VoiceInfo {
  const language = { a: 'en-us', b: 'en-gb' }[name[0]!];
  const gender = ({ f: 'female', m: 'male' } as const)[name[1] as 'f' | 'm'];
  return { name, engine, ...(language ? { language } : {}), ...(gender ? { gender } : {}) };
}

/**
 * The language a voice speaks (BCP 47, lowercase), when its name says: Kokoro's first letter (a blend:
 * its first voice's), eSpeak's name itself ("en-gb", "fr"). Undefined for other engines' names.
 */
export function voiceLanguage(engine: EngineName, voice: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const parts = isBlend(voice) ? parseBlend(voice) : undefined;
  const first = parts === undefined ? voice : 'problem' in parts ? '' : (parts[0]?.voice ?? '');
  if (engine === 'kokoro' || (engine === 'replicate' && replicateSpeaksKokoro(env))) return kokoroVoiceInfo(first, engine).language;
  if (engine === 'espeak' && /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/iu.test(first)) return first.toLowerCase();
  return undefined;
}

/** Replicate speaks whatever model REPLICATE_MODEL names: Kokoro's voices when it is a Kokoro model. */
export const replicateSpeaksKokoro = (env: NodeJS.ProcessEnv) => /kokoro/iu.test(env.REPLICATE_MODEL || DEFAULT_REPLICATE_MODEL);

/** The engine's voices; undefined when it takes any name (the simulated engine, an unknown Replicate model). */
export async function engineVoices(engine: EngineName, env: NodeJS.ProcessEnv = process.env): Promise<VoiceInfo[] | undefined> {
  switch (engine) {
    case 'kokoro':
      return KOKORO_VOICES.map((name) => kokoroVoiceInfo(name));
    case 'replicate':
      return replicateSpeaksKokoro(env) ? KOKORO_VOICES.map((name) => kokoroVoiceInfo(name, 'replicate')) : undefined;
    case 'espeak':
      return espeakVoices();
    case 'simulated':
    case 'openai': // whatever the server it speaks through has: OpenAI's names, Kokoro-FastAPI's, ours
      return undefined;
  }
}

/**
 * How the engine spells `voice` (Kokoro: lowercase; a blend: canonicalBlend), or a problem naming
 * what is wrong with it. Blends are mixed by the local Kokoro engine only.
 */
export async function checkVoice(
  engine: EngineName,
  voice: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ voice: string } | { problem: string }> {
  const known = await engineVoices(engine, env);
  if (isBlend(voice)) {
    if (engine !== 'kokoro') return { problem: `"${voice}" is a blend; only the kokoro engine mixes voices` };
    const parts = parseBlend(voice);
    if ('problem' in parts) return { problem: `the blend "${voice}" ${parts.problem}` };
    const unknown = parts.find((part) => !known!.some((v) => v.name === part.voice));
    if (unknown) return { problem: `the blend "${voice}" names an unknown Kokoro voice "${unknown.voice}" (${examples(known!)})` };
    return { voice: canonicalBlend(parts) };
  }
  // An eSpeak identifier ("gmw/en-US") is its own name for a voice: the engine checks it.
  if (!known || (engine === 'espeak' && voice.includes('/'))) return { voice };
  const found = known.find((v) => v.name.toLowerCase() === voice.toLowerCase());
  if (!found)
    return { problem: `"${voice}" is not one of the ${engine} engine's voices (${examples(known)}; see \`npm run client -- voices\`)` };
  return { voice: engine === 'espeak' ? found.name.toLowerCase() : found.name };
}

function examples(known: VoiceInfo[]): string {
  return `${known.length} voices, e.g. ${known
    .slice(0, 4)
    .map((v) => v.name)
    .join(', ')}`;
}
