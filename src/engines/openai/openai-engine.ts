// The openai engine: each chunk is one request to an OpenAI-compatible speech server
// (POST {OPENAI_BASE_URL}/audio/speech), answered in WAV or PCM. Retrying is Temporal's: a 429 waits
// what the server asks (Retry-After), a 5xx or a dropped connection is tried again with backoff,
// any other 4xx fails the chunk at once with the server's own words.

import { decodeWav } from '../../audio/wav.ts';
import type { PcmAudio } from '../../contract/audio.ts';
import type { EnginePin } from '../../contract/input-schema.ts';
import { respell } from '../../text/respell.ts';
import { PermanentEngineError, RateLimitedError, type SynthesisRequest, TransientEngineError, type TtsEngine } from '../engine.ts';
import type { OpenAiConfig } from './openai-config.ts';

/** OpenAI's default voice, for a document that names none. */
export const OPENAI_DEFAULT_VOICE = 'alloy';
/** OpenAI's raw PCM: 24 kHz, 16-bit little-endian, mono. */
const PCM_RATE = 24_000;
const DEFAULT_RETRY_AFTER_MS = 10_000;

/** The server and model a document is spoken by: its address (no key) and model name; OpenAI's models have no versions. */
export function openAiPin(config: Pick<OpenAiConfig, 'baseUrl' | 'model' | 'responseFormat'>, voice?: string): EnginePin {
  return {
    engine: 'openai',
    model: config.model,
    version: 'unversioned',
    voice: voice || OPENAI_DEFAULT_VOICE,
    settings: { baseUrl: config.baseUrl, responseFormat: config.responseFormat },
  };
}

export class OpenAiEngine implements TtsEngine {
  readonly name = 'openai' as const;

  constructor(private readonly config: OpenAiConfig) {}

  async pin(voice: string | undefined): Promise<EnginePin> {
    return openAiPin(this.config, voice);
  }

  /** A document pinned to another server cannot be spoken here (its model travels; the server and key are this worker's). */
  cannotServe(pin: EnginePin): string | undefined {
    const server = (pin.settings as { baseUrl?: string } | undefined)?.baseUrl;
    if (server === this.config.baseUrl) return undefined;
    return `the document is pinned to the speech server ${server ?? '(none)'}, this worker speaks through ${this.config.baseUrl}`;
  }

  async synthesize(request: SynthesisRequest): Promise<PcmAudio> {
    const { baseUrl, apiKey, requestTimeoutMs } = this.config;
    // The pinned format (every worker of the document asks for the same), else this worker's.
    const responseFormat =
      (request.pin?.settings as { responseFormat?: 'wav' | 'pcm' } | undefined)?.responseFormat ?? this.config.responseFormat;
    const text = respell(request.text, request.pronunciations ?? [], (span) => span.say ?? span.written).text;
    const body = {
      model: request.pin?.model ?? this.config.model,
      input: text,
      voice: request.voice || OPENAI_DEFAULT_VOICE,
      response_format: responseFormat,
      ...(request.speed !== undefined && request.speed !== 1 ? { speed: request.speed } : {}),
    };
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(requestTimeoutMs)]),
      });
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw new TransientEngineError(`the speech server at ${baseUrl} did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) throw await refusal(response, baseUrl);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (responseFormat === 'pcm') {
      const samples = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
      return { sampleRate: PCM_RATE, channels: 1, samples: samples.slice() };
    }
    try {
      return decodeWav(bytes);
    } catch (error) {
      // Asked again, it would answer the same.
      throw new PermanentEngineError(
        `the speech server at ${baseUrl} sent audio that is not WAV: ${(error as Error).message}`,
        'OpenAiBadAudio',
      );
    }
  }
}

/** A refusal as Temporal should treat it, in the server's own words (OpenAI's `error.message`, or Kokoro-FastAPI's `detail`). */
async function refusal(response: Response, baseUrl: string): Promise<Error> {
  const said = messageOf(await response.text().catch(() => ''));
  const what = `the speech server at ${baseUrl} answered ${response.status}${said ? `: ${said}` : ''}`;
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    return new RateLimitedError(what, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS);
  }
  if (response.status >= 500 || response.status === 408) return new TransientEngineError(what);
  return new PermanentEngineError(what, response.status === 401 || response.status === 403 ? 'OpenAiUnauthenticated' : 'OpenAiRefused');
}

function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string }; detail?: unknown };
    const said =
      body.error?.message ?? (typeof body.detail === 'string' ? body.detail : body.detail ? JSON.stringify(body.detail) : undefined);
    if (said) return said.slice(0, 500);
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 500);
}
