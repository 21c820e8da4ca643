// Replicate settings from the environment. The token stays here and in the client built from it:
// it is never part of workflow input, results, logs or errors.

export interface ReplicateConfig {
  token: string;
  /** owner/name */
  model: string;
  /** A pinned version id; unset runs the model's latest version. */
  version?: string;
  /** The model's input fields for the text, the voice and the speaking rate (sent only when a document sets it). */
  textField: string;
  voiceField: string;
  speedField: string;
  /** The output field holding the audio URL, for models whose output is an object. */
  outputField?: string;
  /** Extra model input, e.g. {"speed": 1.1}. */
  extraInput: Record<string, unknown>;
  baseUrl?: string;
  pollIntervalMs: number;
  /** Stop polling this attempt after this long; the retry resumes the same prediction. */
  predictionDeadlineMs: number;
  /** The account's create limit, enforced for the whole task queue by the Temporal server. */
  ratePerMinute: number;
}

export const DEFAULT_REPLICATE_MODEL = 'jaaari/kokoro-82m';

/** Undefined when REPLICATE_API_TOKEN is not set: the worker then offers no Replicate engine. */
export function replicateConfig(env = process.env): ReplicateConfig | undefined {
  const token = env.REPLICATE_API_TOKEN;
  if (!token) return undefined;
  const [model, version] = (env.REPLICATE_MODEL || DEFAULT_REPLICATE_MODEL).split(':');
  if (!model || !/^[\w.-]+\/[\w.-]+$/u.test(model)) {
    throw new Error(`REPLICATE_MODEL must be owner/name or owner/name:version, got "${env.REPLICATE_MODEL}"`);
  }
  return {
    token,
    model,
    ...(version ? { version } : {}),
    textField: env.REPLICATE_TEXT_FIELD || 'text',
    voiceField: env.REPLICATE_VOICE_FIELD || 'voice',
    speedField: env.REPLICATE_SPEED_FIELD || 'speed',
    ...(env.REPLICATE_OUTPUT_FIELD ? { outputField: env.REPLICATE_OUTPUT_FIELD } : {}),
    extraInput: parseExtraInput(env.REPLICATE_INPUT_JSON),
    ...(env.REPLICATE_BASE_URL ? { baseUrl: env.REPLICATE_BASE_URL } : {}),
    pollIntervalMs: positive('REPLICATE_POLL_INTERVAL_MS', env.REPLICATE_POLL_INTERVAL_MS) ?? 1_000,
    predictionDeadlineMs: positive('REPLICATE_PREDICTION_DEADLINE_MS', env.REPLICATE_PREDICTION_DEADLINE_MS) ?? 8 * 60_000,
    ratePerMinute: positive('REPLICATE_RATE_LIMIT_PER_MINUTE', env.REPLICATE_RATE_LIMIT_PER_MINUTE) ?? 600,
  };
}

function parseExtraInput(json: string | undefined): Record<string, unknown> {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new Error('REPLICATE_INPUT_JSON must be a JSON object, e.g. {"speed": 1.1}');
}

function positive(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return number;
}
