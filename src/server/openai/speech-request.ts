// OpenAI's speech request read as one of our documents: `model` names an engine of ours (or one of
// OpenAI's models, which means the default engine), `voice` an OpenAI voice (translated,
// voice-aliases.ts) or one of ours, `response_format` the streamed format. `instructions` is
// accepted and ignored: none of our engines takes directions. Every refusal names the parameter.

import { clientDefaults } from '../../config/settings.ts';
import { ENGINES, type EngineName } from '../../contract/input-schema.ts';
import { type AudioDocumentInput, MAX_SPEED, MIN_SPEED } from '../../document/input.ts';
import { replicateSpeaksKokoro } from '../../engines/voices/index.ts';
import { STREAM_FORMATS, type StreamFormat } from '../../formats/stream-encoder.ts';
import { OpenAiProblem } from './openai-errors.ts';
import { KOKORO_ALIASES, type OpenAiVoice, voiceFor } from './voice-aliases.ts';

/** The first chunk of a speech request: a few words, which Kokoro says in about a second on two cores. */
export const SPEECH_FIRST_CHUNK_CHARS = 30;

/** What OpenAI accepts for `speed`. */
const OPENAI_SPEED = { min: 0.25, max: 4 };

/** OpenAI's own model names: spoken by this server's default engine. */
export const OPENAI_MODELS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;

export interface SpeechDocument {
  input: AudioDocumentInput;
  format: StreamFormat;
}

export function speechDocument(body: unknown, env: NodeJS.ProcessEnv = process.env): SpeechDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new OpenAiProblem(400, 'The body must be a JSON object with "model", "input" and "voice".');
  const { model, input, voice, response_format: format = 'mp3', speed, stream_format: streamFormat } = body as Record<string, unknown>;
  if (typeof input !== 'string' || input.trim() === '') throw new OpenAiProblem(400, 'input is empty: give the text to speak.', 'input');
  const asked = typeof voice === 'object' && voice !== null ? (voice as { id?: unknown }).id : voice;
  if (asked !== undefined && (typeof asked !== 'string' || asked === ''))
    throw new OpenAiProblem(400, 'voice must be a voice name, e.g. "alloy" or "af_heart".', 'voice');
  if (typeof format !== 'string' || !(STREAM_FORMATS as readonly string[]).includes(format))
    throw new OpenAiProblem(
      400,
      `response_format must be one of ${STREAM_FORMATS.join(', ')}, got ${JSON.stringify(format)}.`,
      'response_format',
    );
  if (streamFormat !== undefined && streamFormat !== 'audio')
    throw new OpenAiProblem(
      400,
      'stream_format must be "audio": the audio itself streams (server-sent events are not offered).',
      'stream_format',
    );
  if (speed !== undefined && (typeof speed !== 'number' || speed < OPENAI_SPEED.min || speed > OPENAI_SPEED.max))
    throw new OpenAiProblem(
      400,
      `speed must be a number from ${OPENAI_SPEED.min} to ${OPENAI_SPEED.max}, got ${JSON.stringify(speed)}.`,
      'speed',
    );
  // OpenAI's range is wider than our engines': its ends are our ends.
  const rate = speed === undefined ? undefined : Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed as number));
  const engine = engineOf(model, asked as string | undefined, env);
  const ours = asked === undefined ? undefined : voiceFor(engine, asked as string, replicateSpeaksKokoro(env));
  return {
    input: {
      text: input,
      engine,
      // A chat client waits for the first audio: the first chunk is a sentence's first words, ready in about a second.
      firstChunkChars: SPEECH_FIRST_CHUNK_CHARS,
      ...(ours ? { voice: ours } : {}),
      ...(rate !== undefined && rate !== 1 ? { speed: rate } : {}),
    },
    format: format as StreamFormat,
  };
}

/** The engine `model` names; OpenAI's models (or none) mean the default engine for this voice. */
function engineOf(model: unknown, voice: string | undefined, env: NodeJS.ProcessEnv): EngineName {
  if (model !== undefined && typeof model !== 'string') throw new OpenAiProblem(400, 'model must be a string.', 'model');
  if (model && (ENGINES as readonly string[]).includes(model)) return model as EngineName;
  if (model && !(OPENAI_MODELS as readonly string[]).includes(model))
    throw new OpenAiProblem(
      400,
      `model must be one of ${[...ENGINES, ...OPENAI_MODELS].join(', ')}, got "${model}".`,
      'model',
      'model_not_found',
    );
  // The default engine is chosen by the voice: an OpenAI voice counts as the Kokoro voice it becomes.
  const ours = voice ? (KOKORO_ALIASES[voice.toLowerCase() as OpenAiVoice] ?? voice) : undefined;
  return clientDefaults(env, ours).engine;
}
