// The public contract of the audioDocument workflow: its input as plain JSON, defaults and
// validation. Pure, so both the workflow and the client use it (any client can start a document).

import { DEFAULT_MAX_CHUNK_CHARS, findOverlongWord } from '../text/chunker.ts';

export const ENGINES = ['espeak', 'simulated', 'replicate'] as const;
export type EngineName = (typeof ENGINES)[number];
export const MODES = ['sequential', 'parallel'] as const;
export type Mode = (typeof MODES)[number];
export const SCHEDULES = ['window', 'batch'] as const;
export type Schedule = (typeof SCHEDULES)[number];
export const FORMATS = ['wav'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Options of the simulated engine (ignored by the others). */
export interface EngineOptions {
  latencyMs?: number;
  jitterMs?: number;
  /** Lognormal spread of the latency: each chunk takes latencyMs * exp(sigma * Z), Z standard normal. */
  latencySigma?: number;
  /** With latencySigma: draws each chunk's latency from its text and this seed, the same in every run. */
  seed?: number;
  /** Probability that an attempt fails with a retryable error. */
  failureRate?: number;
  /** Sample rate of the audio it makes (default 24,000 Hz). */
  sampleRate?: number;
}

export interface OutputOptions {
  /** File name under the worker's output directory; default `<workflowId>.wav`. */
  name?: string;
  format?: OutputFormat;
  /** Default: the highest sample rate among the chunks. */
  sampleRate?: number;
  /** Default: the most channels among the chunks. */
  channels?: 1 | 2;
  /** Silence inserted after a chunk, by the kind of break that follows it. */
  pauses?: Partial<PauseSettings>;
}

export interface PauseSettings {
  /** A chunk split between words of a sentence too long for one chunk. */
  wordMs: number;
  /** A chunk split at a comma, semicolon or colon. */
  clauseMs: number;
  sentenceMs: number;
  paragraphMs: number;
  headingMs: number;
}

/** Overrides of the chunk activities' retry policy. */
export interface RetryOptions {
  initialIntervalMs?: number;
  maximumIntervalMs?: number;
  maximumAttempts?: number;
}

export interface AudioDocumentInput {
  text: string;
  mode?: Mode;
  concurrency?: number;
  schedule?: Schedule;
  maxChunkChars?: number;
  engine?: EngineName;
  voice?: string;
  engineOptions?: EngineOptions;
  output?: OutputOptions;
  retry?: RetryOptions;
}

/** The input with every default filled in. */
export interface ResolvedDocumentInput {
  text: string;
  mode: Mode;
  concurrency: number;
  schedule: Schedule;
  maxChunkChars: number;
  engine: EngineName;
  voice?: string;
  engineOptions: EngineOptions;
  output: Omit<OutputOptions, 'pauses'> & { format: OutputFormat; pauses: PauseSettings };
  retry: Required<RetryOptions>;
  /** Messages about values that were adjusted (e.g. concurrency capped). */
  notices: string[];
}

const INPUT_FIELDS: Array<keyof AudioDocumentInput> = [
  'text', 'mode', 'concurrency', 'schedule', 'maxChunkChars', 'engine', 'voice', 'engineOptions', 'output', 'retry',
];

/** Chunk retries: transient engine errors pass at once, outages are waited out, then the document fails. */
export const DEFAULT_RETRY: Required<RetryOptions> = { initialIntervalMs: 1_000, maximumIntervalMs: 60_000, maximumAttempts: 10 };

export const DEFAULT_CONCURRENCY = 5;
/** Well under Temporal's 2,000 pending activities per workflow, and more than any TTS provider allows. */
export const MAX_CONCURRENCY = 100;
/**
 * 200,000 characters (~33,000 words, ~650 chunks). The text travels in the workflow input and again
 * in the chunk activities' inputs; this keeps one payload under Temporal's 512 KB warning for text
 * of up to 2 bytes a character in UTF-8 (CJK, 3 bytes, reaches 600 KB: a warning, far from the
 * 2 MB limit) and a history well under its limits. Longer books need stored text.
 */
export const MAX_TEXT_CHARS = 200_000;
/**
 * Longer than any word of any language (scripts without spaces, like Chinese or Thai, are split into
 * words by the segmenter): a longer run is a pasted blob (base64, a minified file) that would be
 * cut into meaningless pieces and read aloud at a cost.
 */
export const MAX_WORD_CHARS = 1_000;
export const MAX_CHUNK_CHARS_RANGE = [40, 5_000] as const;
export const OUTPUT_SAMPLE_RATES = [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000] as const;
export const DEFAULT_PAUSES: PauseSettings = { wordMs: 80, clauseMs: 150, sentenceMs: 300, paragraphMs: 750, headingMs: 900 };
const MAX_PAUSE_MS = 10_000;
const MAX_OUTPUT_NAME_CHARS = 200;

/** Thrown for input that can never succeed; the workflow turns it into a non-retryable failure. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid input: ${field} ${problem}`);
  }
}

/** Validates `input` and fills in defaults. Throws InvalidInputError naming the first bad field. */
export function resolveDocumentInput(input: unknown): ResolvedDocumentInput {
  if (!isRecord(input)) throw new InvalidInputError('input', 'must be a JSON object with a "text" field');
  rejectUnknownKeys('input', input, INPUT_FIELDS); // a misspelt option must not be silently ignored
  const notices: string[] = [];
  const text = checkText(input.text);
  const mode = oneOf('mode', input.mode, MODES) ?? 'parallel';
  let concurrency = optionalNumber('concurrency', input.concurrency, { integer: true, min: 1 }) ?? DEFAULT_CONCURRENCY;
  if (concurrency > MAX_CONCURRENCY) {
    notices.push(`concurrency ${concurrency} capped to ${MAX_CONCURRENCY}`);
    concurrency = MAX_CONCURRENCY;
  }
  const schedule = oneOf('schedule', input.schedule, SCHEDULES) ?? 'window';
  const [minChunk, maxChunk] = MAX_CHUNK_CHARS_RANGE;
  const maxChunkChars =
    optionalNumber('maxChunkChars', input.maxChunkChars, { integer: true, min: minChunk, max: maxChunk }) ??
    DEFAULT_MAX_CHUNK_CHARS;
  const engine = oneOf('engine', input.engine, ENGINES) ?? 'espeak';
  const voice = checkVoice(input.voice);
  return {
    text,
    mode,
    concurrency: mode === 'sequential' ? 1 : concurrency,
    schedule,
    maxChunkChars,
    engine,
    ...(voice === undefined ? {} : { voice }),
    engineOptions: checkEngineOptions(input.engineOptions),
    output: checkOutput(input.output),
    retry: checkRetry(input.retry),
    notices,
  };
}

// --- Field checks ---

function checkText(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError('text', 'is required and must be a string');
  if (value.trim() === '') throw new InvalidInputError('text', 'is empty (only whitespace)');
  if (value.length > MAX_TEXT_CHARS) {
    throw new InvalidInputError('text', `has ${value.length} characters; the maximum is ${MAX_TEXT_CHARS}`);
  }
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
  const match = bad.exec(value);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new InvalidInputError('text', `contains a control character or unpaired surrogate (U+${code}) at offset ${match.index}`);
  }
  const blob = findOverlongWord(value, MAX_WORD_CHARS);
  if (blob) {
    throw new InvalidInputError('text', `has a run of ${blob.length} characters without a space or punctuation at offset ${blob.offset}, not words; the longest word allowed is ${MAX_WORD_CHARS} characters`);
  }
  return value;
}

function checkVoice(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // Voice names ("en-us", "af_bella") or a speaker sample's URL (xtts-v2).
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,500}$/u.test(value)) {
    throw new InvalidInputError('voice', 'must be a voice name or URL: up to 500 printable ASCII characters, no spaces');
  }
  return value;
}

function checkEngineOptions(value: unknown): EngineOptions {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new InvalidInputError('engineOptions', 'must be an object');
  const known = ['latencyMs', 'jitterMs', 'latencySigma', 'seed', 'failureRate', 'sampleRate'];
  rejectUnknownKeys('engineOptions', value, known);
  const options: EngineOptions = {};
  const latencyMs = optionalNumber('engineOptions.latencyMs', value.latencyMs, { min: 0, max: 600_000 });
  const jitterMs = optionalNumber('engineOptions.jitterMs', value.jitterMs, { min: 0, max: 600_000 });
  const failureRate = optionalNumber('engineOptions.failureRate', value.failureRate, { min: 0, max: 0.95 });
  const sampleRate = optionalSampleRate('engineOptions.sampleRate', value.sampleRate);
  const latencySigma = optionalNumber('engineOptions.latencySigma', value.latencySigma, { min: 0, max: 3 });
  const seed = optionalNumber('engineOptions.seed', value.seed, { integer: true, min: 0, max: 2 ** 31 });
  if (latencySigma !== undefined) options.latencySigma = latencySigma;
  if (seed !== undefined) options.seed = seed;
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  if (jitterMs !== undefined) options.jitterMs = jitterMs;
  if (failureRate !== undefined) options.failureRate = failureRate;
  if (sampleRate !== undefined) options.sampleRate = sampleRate;
  return options;
}

function checkRetry(value: unknown): Required<RetryOptions> {
  if (value === undefined || value === null) return { ...DEFAULT_RETRY };
  if (!isRecord(value)) throw new InvalidInputError('retry', 'must be an object');
  rejectUnknownKeys('retry', value, Object.keys(DEFAULT_RETRY));
  const initialIntervalMs = optionalNumber('retry.initialIntervalMs', value.initialIntervalMs, { integer: true, min: 10, max: 600_000 }) ?? DEFAULT_RETRY.initialIntervalMs;
  // Checked against the interval in force, given or default: Temporal refuses a maximum below it.
  const maximumIntervalMs =
    optionalNumber('retry.maximumIntervalMs', value.maximumIntervalMs, { integer: true, min: initialIntervalMs, max: 3_600_000 }) ??
    Math.max(DEFAULT_RETRY.maximumIntervalMs, initialIntervalMs);
  const maximumAttempts = optionalNumber('retry.maximumAttempts', value.maximumAttempts, { integer: true, min: 1, max: 1_000 }) ?? DEFAULT_RETRY.maximumAttempts;
  return { initialIntervalMs, maximumIntervalMs, maximumAttempts };
}

function checkOutput(value: unknown): ResolvedDocumentInput['output'] {
  if (value === undefined || value === null) return { format: 'wav', pauses: { ...DEFAULT_PAUSES } };
  if (!isRecord(value)) throw new InvalidInputError('output', 'must be an object');
  rejectUnknownKeys('output', value, ['name', 'format', 'sampleRate', 'channels', 'pauses']);
  const output: ResolvedDocumentInput['output'] = {
    format: oneOf('output.format', value.format, FORMATS) ?? 'wav',
    pauses: checkPauses(value.pauses),
  };
  const name = checkOutputName(value.name);
  if (name !== undefined) output.name = name;
  const sampleRate = optionalSampleRate('output.sampleRate', value.sampleRate);
  if (sampleRate !== undefined) output.sampleRate = sampleRate;
  if (value.channels !== undefined) {
    if (value.channels !== 1 && value.channels !== 2) throw new InvalidInputError('output.channels', 'must be 1 or 2');
    output.channels = value.channels;
  }
  return output;
}

function checkPauses(value: unknown): PauseSettings {
  if (value === undefined || value === null) return { ...DEFAULT_PAUSES };
  if (!isRecord(value)) throw new InvalidInputError('output.pauses', 'must be an object');
  rejectUnknownKeys('output.pauses', value, Object.keys(DEFAULT_PAUSES));
  const pauses = { ...DEFAULT_PAUSES };
  for (const key of Object.keys(DEFAULT_PAUSES) as Array<keyof PauseSettings>) {
    const ms = optionalNumber(`output.pauses.${key}`, value[key], { integer: true, min: 0, max: MAX_PAUSE_MS });
    if (ms !== undefined) pauses[key] = ms;
  }
  return pauses;
}

/** A relative file name that stays inside the output directory: no `..`, no absolute path. */
function checkOutputName(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const field = 'output.name';
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  if (value.length > MAX_OUTPUT_NAME_CHARS) throw new InvalidInputError(field, `is longer than ${MAX_OUTPUT_NAME_CHARS} characters`);
  if (/^[/\\]|^[A-Za-z]:/u.test(value)) throw new InvalidInputError(field, `must be relative to the output directory, got an absolute path "${value}"`);
  const parts = value.split(/[/\\]/u);
  if (parts.some((part) => part === '' || part.startsWith('.'))) {
    throw new InvalidInputError(field, `must stay inside the output directory, with no empty or hidden (".", "..", ".x") segments: "${value}"`);
  }
  if (!/^[\w .\-/]+$/u.test(value)) throw new InvalidInputError(field, 'may contain only letters, digits, spaces, "_", "-", "." and "/"');
  return value.toLowerCase().endsWith('.wav') ? value : `${value}.wav`;
}

// --- Helpers ---

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(field: string, value: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    const name = field === 'input' ? unknown : `${field}.${unknown}`;
    throw new InvalidInputError(name, `is not a known option (known: ${known.join(', ')})`);
  }
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidInputError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function optionalNumber(
  field: string,
  value: unknown,
  limits: { integer?: boolean; min?: number; max?: number },
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, `must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (limits.integer && !Number.isInteger(value)) throw new InvalidInputError(field, `must be a whole number, got ${value}`);
  if (limits.min !== undefined && value < limits.min) throw new InvalidInputError(field, `must be at least ${limits.min}, got ${value}`);
  if (limits.max !== undefined && value > limits.max) throw new InvalidInputError(field, `must be at most ${limits.max}, got ${value}`);
  return value;
}

function optionalSampleRate(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!OUTPUT_SAMPLE_RATES.includes(value as (typeof OUTPUT_SAMPLE_RATES)[number])) {
    throw new InvalidInputError(field, `must be one of ${OUTPUT_SAMPLE_RATES.join(', ')} Hz, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/** The file a document without `output.name` gets: its workflow id, made safe as a file name. */
export function defaultOutputName(workflowId: string): string {
  return `${workflowId.replace(/[^\w.-]+/gu, '_').replace(/^\./u, '_').slice(0, MAX_OUTPUT_NAME_CHARS - 4)}.wav`;
}
