// The audioDocument workflow's input: checked against its schema (input-schema.ts), then the rules
// JSON Schema cannot say, then defaults. Pure, so both the workflow and the client use it.

import type { TLocalizedValidationError } from 'typebox/error';
import { Value } from 'typebox/value';
import { CastError, type ChapterVoices, isBlend, readTags, voiceName } from '../cast/index.ts';
import {
  ACX_MASTER,
  AudioDocumentInputSchema,
  DEFAULT_LOUDNESS,
  DEFAULT_RETRY,
  DEFAULT_VERIFY,
  type EngineName,
  type EngineOptions,
  type EnginePin,
  FORMATS,
  type LoudnessTarget,
  MAX_CONCURRENCY,
  MAX_OUTPUT_NAME_CHARS,
  MAX_TEXT_CHARS,
  MAX_WORD_CHARS,
  type Mode,
  type OutputFormat,
  type OutputOptions,
  type PauseSettings,
  type RetryOptions,
  type Schedule,
  type TextRef,
} from '../contract/input-schema.ts';
import type { LinkReading } from '../contract/text-limits.ts';
import { findOverlongWord } from '../text/chunker.ts';
import { type Lexicon, lexiconEntryProblem } from '../text/lexicon.ts';

export * from '../contract/input-schema.ts';

/** Hearing chunks back: the threshold and the takes. */
export type VerifySettings = typeof DEFAULT_VERIFY;

/** The input with every default filled in. */
export interface ResolvedDocumentInput {
  /** One of the two: the text itself, or where it is stored (books). */
  text?: string;
  textRef?: TextRef;
  mode: Mode;
  concurrency: number;
  schedule: Schedule;
  maxChunkChars: number;
  /** A shorter first chunk (its audio is ready sooner), the next ones growing to maxChunkChars; absent: as long as any. */
  firstChunkChars?: number;
  /** Absent: host names. */
  links?: LinkReading;
  /** Absent: MAX_PART_CHUNKS. */
  maxPartChunks?: number;
  engine: EngineName;
  voice?: string;
  /** Speaks quotations; a blend in its one spelling. */
  dialogueVoice?: string;
  /** The narrator of chapters, by number or title. */
  chapterVoices?: ChapterVoices;
  /** Absent: the engine's own rate. */
  speed?: number;
  engineOptions: EngineOptions;
  /** Set by the client when it could tell; else the workflow pins the engine before the first chunk. */
  pin?: EnginePin;
  /** How to say words as written; each chunk gets the entries it contains. */
  lexicon?: Lexicon;
  /** Hear every chunk back; absent: off. */
  verify?: VerifySettings;
  output: Omit<OutputOptions, 'pauses' | 'format' | 'loudness' | 'crossfadeMs' | 'captions'> & {
    format: OutputFormat;
    pauses: PauseSettings;
    /** false: the engines' levels, untouched. */
    loudness: LoudnessTarget | false;
    crossfadeMs: number;
    captions: boolean;
  };
  retry: Required<RetryOptions>;
  /** The fairness key of the chunks, and its weight: absent, first come first served. */
  tenant?: string;
  tenantWeight?: number;
  /** Messages about values that were adjusted (e.g. concurrency capped). */
  notices: string[];
}

/** What Value.Default leaves: every field with a schema default filled; retry.maximumIntervalMs has none. */
type Defaulted = Omit<ResolvedDocumentInput, 'notices' | 'retry' | 'output' | 'verify'> & {
  verify?: boolean | Partial<VerifySettings>;
  retry: RetryOptions & Omit<Required<RetryOptions>, 'maximumIntervalMs'>;
  output: Omit<ResolvedDocumentInput['output'], 'format' | 'loudness'> & Pick<OutputOptions, 'format' | 'loudness'>;
};

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
  const given = withoutNulls(input); // null has always meant absent, and saved histories hold nulls
  // Unknown keys first: a misspelt option explains the errors after it ("text" missing for "txt").
  const errors = Value.Errors(AudioDocumentInputSchema, given).filter(
    (e) => e.keyword !== 'boolean', // "boolean" repeats additionalProperties
  );
  const error = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
  if (error) throw schemaError(error, given);
  if (given.text !== undefined && given.textRef !== undefined)
    throw new InvalidInputError('textRef', 'cannot be given with text: send the text, or where it is stored, not both');
  const {
    text,
    textRef,
    mode,
    concurrency,
    schedule,
    maxChunkChars,
    firstChunkChars,
    links,
    maxPartChunks,
    engine,
    voice,
    dialogueVoice,
    chapterVoices,
    speed,
    engineOptions,
    pin,
    lexicon,
    verify,
    output,
    retry,
    tenant,
    tenantWeight,
  } = Value.Default(AudioDocumentInputSchema, given) as Defaulted;
  if (tenantWeight !== undefined && tenant === undefined)
    throw new InvalidInputError('tenantWeight', 'needs a tenant: it weighs that tenant against others');
  if (text !== undefined) {
    checkText(text);
    checkTags(text, 'text');
  }
  for (const [written, value] of Object.entries(lexicon ?? {})) {
    const problem = lexiconEntryProblem(written, value);
    if (problem) throw new InvalidInputError('lexicon', `entry ${problem}`);
  }
  if (pin && pin.engine !== engine)
    throw new InvalidInputError('pin.engine', `is "${pin.engine}" but the document's engine is "${engine}"`);
  // A blend in its one spelling, as the engine pins it.
  const ownVoice = voice && isBlend(voice) ? castVoice(voice, 'voice') : voice;
  if (pin?.voice && ownVoice && pin.voice.toLowerCase() !== ownVoice.toLowerCase())
    throw new InvalidInputError('pin.voice', `is "${pin.voice}" but the document's voice is "${voice}"`);
  const { format: asked, pauses, name, loudness, ...file } = output;
  for (const field of ['title', 'author'] as const) {
    const control = file[field] === undefined ? null : CONTROL_CHARACTER.exec(file[field]);
    if (control)
      throw new InvalidInputError(
        `output.${field}`,
        `contains a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')}) at offset ${control.index}`,
      );
  }
  const format = asked ?? (name ? formatOfName(name) : undefined) ?? (file.preset === 'acx' ? 'mp3' : 'wav');
  if (file.preset === 'acx') Object.assign(file, acxOutput({ ...output, format }));
  return {
    ...(textRef ? { textRef } : { text }),
    mode,
    concurrency: mode === 'sequential' ? 1 : Math.min(concurrency, MAX_CONCURRENCY),
    schedule,
    maxChunkChars,
    ...(firstChunkChars && firstChunkChars < maxChunkChars ? { firstChunkChars } : {}),
    ...(links ? { links } : {}),
    ...(maxPartChunks ? { maxPartChunks } : {}),
    engine,
    ...(ownVoice ? { voice: ownVoice } : {}), // empty means the engine's default
    ...(dialogueVoice ? { dialogueVoice: castVoice(dialogueVoice, 'dialogueVoice') } : {}),
    ...(chapterVoices && Object.keys(chapterVoices).length > 0
      ? {
          chapterVoices: Object.fromEntries(
            Object.entries(chapterVoices).map(([key, value]) => [key, castVoice(value, `chapterVoices["${key}"]`)]),
          ),
        }
      : {}),
    ...(speed !== undefined && speed !== 1 ? { speed } : {}), // 1 is the engine's own: the same chunks
    engineOptions,
    ...(pin ? { pin } : {}),
    ...(lexicon && Object.keys(lexicon).length > 0 ? { lexicon } : {}),
    ...(verify && hearsEnglish(engine, voice)
      ? { verify: verify === true ? { ...DEFAULT_VERIFY } : { ...DEFAULT_VERIFY, ...verify } }
      : {}),
    output: {
      format,
      pauses,
      ...(name ? { name: checkOutputName(name, format) } : {}), // empty name: the default
      ...file,
      loudness: loudness === false || file.preset === 'acx' ? false : { ...DEFAULT_LOUDNESS, ...loudness }, // ACX sets its own level
    },
    retry: checkRetry(retry),
    ...(tenant ? { tenant, ...(tenantWeight === undefined ? {} : { tenantWeight }) } : {}),
    notices: [
      ...(concurrency > MAX_CONCURRENCY ? [`concurrency ${concurrency} capped to ${MAX_CONCURRENCY}`] : []),
      ...(verify && !hearsEnglish(engine, voice) ? [`verify hears English only: not done for the eSpeak voice "${voice}"`] : []),
    ],
  };
}

/** The recognizer hears English: every engine's voices are, but eSpeak's other languages. */
function hearsEnglish(engine: EngineName, voice: string | undefined): boolean {
  return engine !== 'espeak' || !voice || /^(?:gmw\/)?en\b/iu.test(voice);
}

/** The file a document without `output.name` gets: its workflow id, made safe as a file name. */
export function defaultOutputName(workflowId: string, format: OutputFormat = 'wav'): string {
  return `${workflowId
    .replace(/[^\w.-]+/gu, '_')
    .replace(/^\./u, '_')
    .slice(0, MAX_OUTPUT_NAME_CHARS - 1 - format.length)}.${format}`;
}

/** The format a file name's extension names ("book.m4b"), if any. */
export function formatOfName(name: string): OutputFormat | undefined {
  const extension = /\.(\w+)$/u.exec(name)?.[1]?.toLowerCase();
  return FORMATS.find((format) => format === extension);
}

// --- What the schema cannot say ---

/** Tags are one line: no control character at all, not even a line break. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;

/** The rules every text follows, inline or stored (`limit`: its length limit). */
export function checkText(text: string, field = 'text', limit = MAX_TEXT_CHARS): void {
  if (text.trim() === '') throw new InvalidInputError(field, 'is empty (only whitespace)');
  // JSON Schema's maxLength counts code points; the limit is on UTF-16 units, as the payload's size is.
  if (text.length > limit) throw new InvalidInputError(field, tooLong(text, limit));
  const bad =
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
  const match = bad.exec(text);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new InvalidInputError(field, `contains a control character or unpaired surrogate (U+${code}) at offset ${match.index}`);
  }
  const blob = findOverlongWord(text, MAX_WORD_CHARS);
  if (blob) {
    throw new InvalidInputError(
      field,
      `has a run of ${blob.length} characters without a space or punctuation at offset ${blob.offset}, not words; ` +
        `the longest word allowed is ${MAX_WORD_CHARS} characters`,
    );
  }
}

/** [voice:…] and [pause:…] tags that do not read or balance, named with their line (src/cast). */
export function checkTags(text: string, field: string): void {
  try {
    readTags(text);
  } catch (error) {
    if (error instanceof CastError) throw new InvalidInputError(field, `has a tag problem: ${error.message}`);
    throw error;
  }
}

/** A voice in its one spelling (blends), or the reason it is not one. */
function castVoice(voice: string, field: string): string {
  try {
    return voiceName(voice, field);
  } catch (error) {
    if (error instanceof CastError) throw new InvalidInputError(field, `is not a voice: ${error.message}`);
    throw error;
  }
}

/** A relative file name that stays inside the output directory, with the format's extension (the schema has limited its characters). */
function checkOutputName(name: string, format: OutputFormat): string {
  const field = 'output.name';
  if (name.startsWith('/')) throw new InvalidInputError(field, `must be relative to the output directory, got an absolute path "${name}"`);
  if (name.split('/').some((part) => part === '' || part.startsWith('.'))) {
    throw new InvalidInputError(
      field,
      `must stay inside the output directory, with no empty or hidden (".", "..", ".x") segments: "${name}"`,
    );
  }
  const named = formatOfName(name);
  if (named && named !== format)
    throw new InvalidInputError(field, `ends in ".${named}" but output.format is "${format}"; change one of them`);
  return named ? name : `${name}.${format}`;
}

/** What the ACX preset fixes; a value that contradicts it is refused rather than silently changed. */
function acxOutput({ format, sampleRate, channels, bitrateKbps, loudness }: Defaulted['output']): Partial<Defaulted['output']> {
  const fixed = {
    format: 'mp3',
    sampleRate: ACX_MASTER.sampleRate,
    channels: ACX_MASTER.channels,
    bitrateKbps: ACX_MASTER.bitrateKbps,
  } as const;
  for (const [field, value] of Object.entries({ format, sampleRate, channels, bitrateKbps })) {
    const wanted = fixed[field as keyof typeof fixed];
    if (value !== undefined && value !== wanted)
      throw new InvalidInputError(
        `output.${field}`,
        `must be ${JSON.stringify(wanted)} (or absent) with preset "acx", got ${JSON.stringify(value)}`,
      );
  }
  if (loudness !== undefined)
    throw new InvalidInputError('output.loudness', 'cannot be set with preset "acx", which sets the level to ACX\'s RMS range');
  return { sampleRate: fixed.sampleRate, channels: fixed.channels, bitrateKbps: fixed.bitrateKbps };
}

function checkRetry({ initialIntervalMs, maximumIntervalMs, maximumAttempts }: Defaulted['retry']): Required<RetryOptions> {
  // Checked against the interval in force, given or default: Temporal refuses a maximum below it.
  if (maximumIntervalMs !== undefined && maximumIntervalMs < initialIntervalMs) {
    throw new InvalidInputError('retry.maximumIntervalMs', `must be at least ${initialIntervalMs}, got ${maximumIntervalMs}`);
  }
  return {
    initialIntervalMs,
    maximumIntervalMs: maximumIntervalMs ?? Math.max(DEFAULT_RETRY.maximumIntervalMs, initialIntervalMs),
    maximumAttempts,
  };
}

// --- Schema errors as messages ---

/** Custom words where the pattern alone would not tell the user what to fix. */
const PATTERN_PROBLEMS: Record<string, string> = {
  voice: 'must be a voice name or URL: up to 500 printable ASCII characters, no spaces',
  'output.name': 'may contain only letters, digits, spaces, "_", "-", "." and "/"',
  tenant: 'must be a name of printable ASCII characters, no spaces',
};

/** Turns TypeBox's error into ours: a dotted field, what is wrong and what was given. */
function schemaError(error: TLocalizedValidationError, given: Record<string, unknown>): InvalidInputError {
  const path = Value.Pointer.Indices(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const { properties } = Value.Pointer.Get(AudioDocumentInputSchema, error.schemaPath.slice(1)) as { properties: object };
    return new InvalidInputError(
      [...path, error.params.additionalProperties[0]].join('.'),
      `is not a known option (known: ${Object.keys(properties).join(', ')})`,
    );
  }
  if (error.keyword === 'required') return new InvalidInputError([...path, error.params.requiredProperties[0]].join('.'), 'is required');
  return new InvalidInputError(path.join('.'), problem(error, path.join('.'), Value.Pointer.Get(given, error.instancePath)));
}

function problem(error: TLocalizedValidationError, field: string, value: unknown): string {
  const got = `, got ${show(value)}`;
  switch (error.keyword) {
    case 'type': {
      const { type } = error.params;
      if (type === 'integer' || type === 'number') return `must be a ${Number.isFinite(value) ? 'whole' : 'finite'} number${got}`;
      return `must be ${type === 'object' ? 'an' : 'a'} ${type}${got}`;
    }
    case 'enum':
      return `must be one of ${error.params.allowedValues.map(show).join(', ')}${got}`;
    case 'minimum':
      return `must be at least ${error.params.limit}${got}`;
    case 'maximum':
      return `must be at most ${error.params.limit}${got}`;
    case 'maxLength':
      return tooLong(value as string, error.params.limit);
    case 'pattern':
      return PATTERN_PROBLEMS[field] ?? `must match ${error.params.pattern}${got}`;
    default:
      return `${error.message}${got}`;
  }
}

// --- Helpers ---

function tooLong(value: string, limit: number): string {
  return `has ${value.length} characters; the maximum is ${limit}`;
}

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value)).slice(0, 100);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy without null (or undefined) values, at every depth. */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v != null)
      .map(([k, v]) => [k, isRecord(v) ? withoutNulls(v) : v]),
  );
}
