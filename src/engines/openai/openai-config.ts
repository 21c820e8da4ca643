// The openai engine's settings from the environment: any server that speaks OpenAI's speech API
// (OpenAI itself, a Kokoro-FastAPI on a GPU machine, another durable-tts). The key stays here: it is
// never part of workflow input, results, logs or errors.

export interface OpenAiConfig {
  /** Up to and including /v1, without credentials. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** WAV or PCM: lossless, and cheap to read back. */
  responseFormat: 'wav' | 'pcm';
  /** The server's request limit, enforced for the whole task queue by the Temporal server. */
  ratePerMinute: number;
  /** One request's longest wait; a retry asks again. */
  requestTimeoutMs: number;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'tts-1-hd';

/** Undefined when neither OPENAI_BASE_URL nor OPENAI_API_KEY is set: the worker then offers no openai engine. */
export function openAiConfig(env = process.env): OpenAiConfig | undefined {
  if (!env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) return undefined;
  const url = new URL(env.OPENAI_BASE_URL || OPENAI_DEFAULT_BASE_URL);
  if (url.username || url.password) throw new Error('OPENAI_BASE_URL must not hold credentials: set OPENAI_API_KEY');
  const responseFormat = env.OPENAI_RESPONSE_FORMAT || 'wav';
  if (responseFormat !== 'wav' && responseFormat !== 'pcm')
    throw new Error(`OPENAI_RESPONSE_FORMAT must be wav or pcm (lossless), got "${responseFormat}"`);
  return {
    baseUrl: url.href.replace(/\/+$/u, ''),
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    model: env.OPENAI_TTS_MODEL || OPENAI_DEFAULT_MODEL,
    responseFormat,
    ratePerMinute: positive('OPENAI_RATE_LIMIT_PER_MINUTE', env.OPENAI_RATE_LIMIT_PER_MINUTE) ?? 500,
    requestTimeoutMs: positive('OPENAI_REQUEST_TIMEOUT_MS', env.OPENAI_REQUEST_TIMEOUT_MS) ?? 5 * 60_000,
  };
}

function positive(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return number;
}
