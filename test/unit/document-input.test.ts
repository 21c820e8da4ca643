import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import {
  AudioDocumentInputSchema,
  DEFAULT_LOUDNESS,
  DEFAULT_PAUSES,
  DEFAULT_RETRY,
  defaultOutputName,
  InvalidInputError,
  MAX_CONCURRENCY,
  MAX_TEXT_CHARS,
  resolveDocumentInput,
} from '../../src/document/input.ts';

/** What the validator before the schema returned (valid) or named (invalid); see its "about". */
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/document-inputs.json', import.meta.url), 'utf8')) as {
  valid: Array<{ input: unknown; resolved: unknown }>;
  invalid: Array<{ input: unknown; field: string; schema: boolean }>;
};
/** The schema itself says nothing of null; resolveDocumentInput drops nulls before checking. */
const withoutNulls = (input: unknown): unknown =>
  JSON.parse(JSON.stringify(input), (_key, value: unknown) => (value === null ? undefined : value));

/** Asserts that `input` is rejected with an InvalidInputError about `field`. */
function expectInvalid(input: unknown, field: string): InvalidInputError {
  let caught: unknown;
  try {
    resolveDocumentInput(input);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${JSON.stringify(input)?.slice(0, 80)} to be rejected`).toBeInstanceOf(InvalidInputError);
  const error = caught as InvalidInputError;
  expect(error.field).toBe(field);
  expect(error.message).toContain(field);
  return error;
}

describe('resolveDocumentInput defaults', () => {
  it('fills in every default', () => {
    expect(resolveDocumentInput({ text: 'Hello world.' })).toEqual({
      text: 'Hello world.',
      mode: 'parallel',
      concurrency: 5,
      schedule: 'window',
      maxChunkChars: 300,
      engine: 'espeak',
      engineOptions: {},
      output: { format: 'wav', pauses: DEFAULT_PAUSES, loudness: DEFAULT_LOUDNESS, crossfadeMs: 0, captions: true },
      retry: DEFAULT_RETRY,
      notices: [],
    });
  });

  it('keeps the given values', () => {
    const resolved = resolveDocumentInput({
      text: 'Hi.',
      mode: 'parallel',
      concurrency: 12,
      schedule: 'batch',
      maxChunkChars: 120,
      engine: 'simulated',
      voice: 'en-us',
      engineOptions: { latencyMs: 5, failureRate: 0.5, sampleRate: 16_000 },
      output: { name: 'book.wav', sampleRate: 22_050, channels: 2, pauses: { wordMs: 10 } },
    });
    expect(resolved).toMatchObject({
      concurrency: 12,
      schedule: 'batch',
      maxChunkChars: 120,
      engine: 'simulated',
      voice: 'en-us',
      engineOptions: { latencyMs: 5, failureRate: 0.5, sampleRate: 16_000 },
      output: { name: 'book.wav', format: 'wav', sampleRate: 22_050, channels: 2, pauses: { ...DEFAULT_PAUSES, wordMs: 10 } },
    });
  });

  it('sequential mode forces concurrency 1', () => {
    expect(resolveDocumentInput({ text: 'Hi.', mode: 'sequential' }).concurrency).toBe(1);
    expect(resolveDocumentInput({ text: 'Hi.', mode: 'sequential', concurrency: 20 }).concurrency).toBe(1);
  });

  it('caps a huge concurrency to MAX_CONCURRENCY with a notice', () => {
    const resolved = resolveDocumentInput({ text: 'Hi.', concurrency: 10_000 });
    expect(resolved.concurrency).toBe(MAX_CONCURRENCY);
    expect(resolved.notices).toHaveLength(1);
    expect(resolved.notices[0]).toContain('10000');
    expect(resolved.notices[0]).toContain(String(MAX_CONCURRENCY));
    expect(resolveDocumentInput({ text: 'Hi.', concurrency: MAX_CONCURRENCY }).notices).toEqual([]);
  });

  it('accepts non-BMP characters (emoji, surrogate pairs) and ordinary whitespace', () => {
    const text = 'Family 👨‍👩‍👧‍👦, flag 🇯🇵, math 𝔘.\r\n\tNext line.';
    expect(resolveDocumentInput({ text }).text).toBe(text);
  });

  it('accepts text of exactly MAX_TEXT_CHARS', () => {
    const text = 'word '.repeat(MAX_TEXT_CHARS / 5);
    expect(resolveDocumentInput({ text }).text).toHaveLength(MAX_TEXT_CHARS);
  });

  it('rejects a long run without spaces that is not words (a pasted blob), but not Chinese or Thai prose', () => {
    const error = expectInvalid({ text: `Intro. ${'x'.repeat(50_000)} outro.` }, 'text');
    expect(error.message).toContain('run of 50000 characters without a space or punctuation at offset 7');
    expect(resolveDocumentInput({ text: '这是一个很长的中文句子没有标点符号'.repeat(3_000) }).text).toHaveLength(51_000);
    expect(resolveDocumentInput({ text: 'ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ'.repeat(3_000) }).text).toHaveLength(96_000);
  });

  it('resolves a nested output name and adds the .wav extension', () => {
    expect(resolveDocumentInput({ text: 'Hi.', output: { name: 'books/ch1' } }).output.name).toBe('books/ch1.wav');
    expect(resolveDocumentInput({ text: 'Hi.', output: { name: 'books/ch1.WAV' } }).output.name).toBe('books/ch1.WAV');
  });
});

describe('resolveDocumentInput rejects invalid input, naming the field', () => {
  it('rejects input that is not an object', () => {
    for (const input of [null, 'text', 42, ['Hi.']]) expectInvalid(input, 'input');
  });

  it('rejects missing, non-string, empty and whitespace-only text', () => {
    for (const text of [undefined, 42, null, '', '   ', '\n\t \r\n']) expectInvalid({ text }, 'text');
    expectInvalid({}, 'text');
  });

  it('rejects text longer than MAX_TEXT_CHARS', () => {
    const error = expectInvalid({ text: 'a'.repeat(MAX_TEXT_CHARS + 1) }, 'text');
    expect(error.message).toContain(String(MAX_TEXT_CHARS));
  });

  it('rejects NUL and other control characters', () => {
    for (const control of ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f']) {
      const error = expectInvalid({ text: `Hello${control}world.` }, 'text');
      expect(error.message).toContain(`U+${control.charCodeAt(0).toString(16).padStart(4, '0')}`);
      expect(error.message).toContain('offset 5');
    }
  });

  it('rejects unpaired surrogates', () => {
    const high = '\ud83d';
    const low = '\ude00';
    for (const text of [`a${high}b`, `a${low}b`, `end ${high}`, `${low} start`, `${low}${high}`, `${high}${high}\ude00`]) {
      expectInvalid({ text }, 'text');
    }
  });

  it('rejects a concurrency that is not a positive whole number', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', true]) {
      expectInvalid({ text: 'Hi.', concurrency }, 'concurrency');
    }
  });

  it("takes a speaking rate from 0.5 to 2; 1, the engine's own, is the same as none (same chunks, same keys)", () => {
    expect(resolveDocumentInput({ text: 'Hi.', speed: 1.25 }).speed).toBe(1.25);
    expect('speed' in resolveDocumentInput({ text: 'Hi.', speed: 1 })).toBe(false);
    expect('speed' in resolveDocumentInput({ text: 'Hi.' })).toBe(false);
    for (const speed of [0.4, 2.5, 0, -1, '1.5', Number.NaN]) expectInvalid({ text: 'Hi.', speed }, 'speed');
  });

  it('rejects unknown mode, schedule, engine and format values', () => {
    expectInvalid({ text: 'Hi.', mode: 'turbo' }, 'mode');
    expectInvalid({ text: 'Hi.', schedule: 'eventually' }, 'schedule');
    expectInvalid({ text: 'Hi.', engine: 'polly' }, 'engine');
    expectInvalid({ text: 'Hi.', engine: 'ESPEAK' }, 'engine');
    expectInvalid({ text: 'Hi.', output: { format: 'ogg' } }, 'output.format');
  });

  it('takes the format from the name when none is given, and adds the extension otherwise', () => {
    const output = (o: object) => resolveDocumentInput({ text: 'Hi.', output: o }).output;
    expect(output({ name: 'book.M4B' })).toMatchObject({ name: 'book.M4B', format: 'm4b' });
    expect(output({ name: 'book', format: 'mp3' })).toMatchObject({ name: 'book.mp3', format: 'mp3' });
    expect(output({ name: 'book.v2' })).toMatchObject({ name: 'book.v2.wav', format: 'wav' });
    expect(output({ format: 'flac' })).toMatchObject({ format: 'flac' });
    expectInvalid({ text: 'Hi.', output: { name: 'book.mp3', format: 'wav' } }, 'output.name');
    expect(defaultOutputName('doc-1', 'opus')).toBe('doc-1.opus');
  });

  it('refuses control characters in the title and author tags', () => {
    expectInvalid({ text: 'Hi.', output: { title: 'A\u0000[CHAPTER]' } }, 'output.title');
    expectInvalid({ text: 'Hi.', output: { author: 'Ann\nB' } }, 'output.author');
    expect(resolveDocumentInput({ text: 'Hi.', output: { title: 'Tom & Jerry; #1 = "best"' } }).output.title).toBe(
      'Tom & Jerry; #1 = "best"',
    );
  });

  it('the ACX preset sets MP3 at 44.1 kHz mono 192 kbit/s and its own level, and refuses what contradicts it', () => {
    const output = (o: object) => resolveDocumentInput({ text: 'Hi.', output: o }).output;
    expect(output({ preset: 'acx' })).toMatchObject({
      preset: 'acx',
      format: 'mp3',
      sampleRate: 44_100,
      channels: 1,
      bitrateKbps: 192,
      loudness: false,
    });
    expect(output({ preset: 'acx', name: 'book.mp3', sampleRate: 44_100 })).toMatchObject({ name: 'book.mp3', format: 'mp3' });
    expectInvalid({ text: 'Hi.', output: { preset: 'acx', format: 'm4b' } }, 'output.format');
    expectInvalid({ text: 'Hi.', output: { preset: 'acx', name: 'book.wav' } }, 'output.format');
    expectInvalid({ text: 'Hi.', output: { preset: 'acx', channels: 2 } }, 'output.channels');
    expectInvalid({ text: 'Hi.', output: { preset: 'acx', bitrateKbps: 128 } }, 'output.bitrateKbps');
    expectInvalid({ text: 'Hi.', output: { preset: 'acx', loudness: { targetLufs: -20 } } }, 'output.loudness');
    expectInvalid({ text: 'Hi.', output: { preset: 'audible' } }, 'output.preset');
  });

  it('fills in the loudness target, or keeps it off', () => {
    const loudness = (l: unknown) => resolveDocumentInput({ text: 'Hi.', output: { loudness: l } }).output.loudness;
    expect(loudness({ targetLufs: -20 })).toEqual({ targetLufs: -20, truePeakDb: DEFAULT_LOUDNESS.truePeakDb });
    expect(loudness(false)).toBe(false);
    expectInvalid({ text: 'Hi.', output: { loudness: true } }, 'output.loudness');
    expectInvalid({ text: 'Hi.', output: { loudness: { targetLufs: -60 } } }, 'output.loudness.targetLufs');
    expectInvalid({ text: 'Hi.', output: { crossfadeMs: 5_000 } }, 'output.crossfadeMs');
    expectInvalid({ text: 'Hi.', output: { bitrateKbps: 8 } }, 'output.bitrateKbps');
  });

  it('checks retry overrides', () => {
    expect(resolveDocumentInput({ text: 'Hi.', retry: { initialIntervalMs: 200, maximumAttempts: 3 } }).retry).toEqual({
      ...DEFAULT_RETRY,
      initialIntervalMs: 200,
      maximumAttempts: 3,
    });
    // Temporal refuses a maximum interval below the initial one: check against the values in force.
    expect(resolveDocumentInput({ text: 'Hi.', retry: { initialIntervalMs: 90_000 } }).retry.maximumIntervalMs).toBe(90_000);
    expectInvalid({ text: 'Hi.', retry: { maximumIntervalMs: 500 } }, 'retry.maximumIntervalMs');
    expectInvalid({ text: 'Hi.', retry: { maximumAttempts: 0 } }, 'retry.maximumAttempts');
    expectInvalid({ text: 'Hi.', retry: { initialIntervalMs: 5_000, maximumIntervalMs: 1_000 } }, 'retry.maximumIntervalMs');
    expectInvalid({ text: 'Hi.', retry: { backoff: 3 } }, 'retry.backoff');
  });

  it('makes a safe default output name from any workflow id', () => {
    expect(defaultOutputName('reading-1c27')).toBe('reading-1c27.wav');
    expect(defaultOutputName('../../escape')).toBe('_._.._escape.wav');
    expect(defaultOutputName('a/b c')).toBe('a_b_c.wav');
    expect(resolveDocumentInput({ text: 'Hi.', output: { name: defaultOutputName('../../escape') } }).output.name).toBe('_._.._escape.wav');
  });

  it('rejects a misspelt top-level field instead of ignoring it', () => {
    const error = expectInvalid({ text: 'Hi.', concurency: 3 }, 'concurency');
    expect(error.message).toContain('concurrency');
  });

  it('rejects control characters in the C1 range too', () => {
    expectInvalid({ text: 'Hi\u0085 there.' }, 'text');
  });

  it('rejects an unknown engineOptions key', () => {
    const error = expectInvalid({ text: 'Hi.', engineOptions: { latencyMs: 1, speed: 2 } }, 'engineOptions.speed');
    expect(error.message).toContain('latencyMs');
  });

  it('rejects out-of-range engine options', () => {
    expectInvalid({ text: 'Hi.', engineOptions: { failureRate: 0.99 } }, 'engineOptions.failureRate');
    expectInvalid({ text: 'Hi.', engineOptions: { sampleRate: 12_345 } }, 'engineOptions.sampleRate');
  });

  it('rejects output names that leave the output directory or are absolute', () => {
    for (const name of ['../x', '/abs/path', 'a/../b', 'C:\\x', '..\\x', './x', 'a//b', 'books/', '.chunks/chunks/6d/x.wav', 'a/.hidden']) {
      expectInvalid({ text: 'Hi.', output: { name } }, 'output.name');
    }
  });
});

describe('resolveDocumentInput answers as it did before the schema', () => {
  it('returns the same resolved input for every valid fixture', () => {
    for (const { input, resolved } of fixtures.valid) expect(resolveDocumentInput(input), JSON.stringify(input)).toEqual(resolved);
  });

  it('names the same field for every invalid fixture', () => {
    for (const { input, field } of fixtures.invalid) expectInvalid(input, field);
  });

  it('treats null for an optional field, at any depth, as absent (saved histories hold nulls)', () => {
    const nulls = {
      text: 'Hi.',
      mode: null,
      voice: null,
      engineOptions: { latencyMs: null },
      output: { name: null, pauses: { wordMs: null } },
      retry: null,
    };
    expect(resolveDocumentInput(nulls)).toEqual(resolveDocumentInput({ text: 'Hi.' }));
  });

  it('says what is wrong and what was given, with a dotted path', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ text: 'Hi.', concurrency: 0 }, 'concurrency', 'Invalid input: concurrency must be at least 1, got 0'],
      [
        { text: 'Hi.', engine: 'polly' },
        'engine',
        'Invalid input: engine must be one of "espeak", "simulated", "replicate", "kokoro", "openai", got "polly"',
      ],
      [{ text: 'Hi.', concurrency: '5' }, 'concurrency', 'Invalid input: concurrency must be a finite number, got "5"'],
      [{ text: 'Hi.', maxChunkChars: 100.5 }, 'maxChunkChars', 'Invalid input: maxChunkChars must be a whole number, got 100.5'],
      [
        { text: 'Hi.', output: { pauses: { wordMs: -1 } } },
        'output.pauses.wordMs',
        'Invalid input: output.pauses.wordMs must be at least 0, got -1',
      ],
      [
        { text: 'Hi.', engineOptions: { latencyMs: 600_001 } },
        'engineOptions.latencyMs',
        'Invalid input: engineOptions.latencyMs must be at most 600000, got 600001',
      ],
      [{ text: 'Hi.', output: { channels: 3 } }, 'output.channels', 'Invalid input: output.channels must be one of 1, 2, got 3'],
      [
        { text: 'Hi.', retry: { initialIntervalMs: 5_000, maximumIntervalMs: 1_000 } },
        'retry.maximumIntervalMs',
        'Invalid input: retry.maximumIntervalMs must be at least 5000, got 1000',
      ],
      [
        { text: 'Hi.', colour: 'red' },
        'colour',
        'Invalid input: colour is not a known option (known: text, textRef, mode, concurrency, schedule, maxChunkChars, firstChunkChars, links, maxPartChunks, engine, voice, dialogueVoice, chapterVoices, speed, engineOptions, pin, lexicon, verify, output, retry, tenant, tenantWeight)',
      ],
      [
        { text: 'Hi.', output: { pauses: { breathMs: 1 } } },
        'output.pauses.breathMs',
        'Invalid input: output.pauses.breathMs is not a known option (known: wordMs, clauseMs, sentenceMs, paragraphMs, headingMs)',
      ],
      [
        { txt: 'Hi.' },
        'txt',
        'Invalid input: txt is not a known option (known: text, textRef, mode, concurrency, schedule, maxChunkChars, firstChunkChars, links, maxPartChunks, engine, voice, dialogueVoice, chapterVoices, speed, engineOptions, pin, lexicon, verify, output, retry, tenant, tenantWeight)',
      ],
      [{ mode: 'parallel' }, 'text', 'Invalid input: text is required'],
      [
        { text: 'Hi.', tenantWeight: 2 },
        'tenantWeight',
        'Invalid input: tenantWeight needs a tenant: it weighs that tenant against others',
      ],
      [{ text: 'Hi.', tenant: 'two words' }, 'tenant', 'Invalid input: tenant must be a name of printable ASCII characters, no spaces'],
      [{ text: 'Hi.', tenant: 'acme', tenantWeight: 5000 }, 'tenantWeight', 'Invalid input: tenantWeight must be at most 1000, got 5000'],
    ];
    for (const [input, field, expected] of cases) expect(expectInvalid(input, field).message).toBe(expected);
  });
});

describe('AudioDocumentInputSchema', () => {
  const schemaRejects = fixtures.invalid.filter((c) => c.schema);
  const codeRejects = fixtures.invalid.filter((c) => !c.schema);

  it('rejects every shape, range and enum problem that resolveDocumentInput rejects', () => {
    expect(schemaRejects.length).toBeGreaterThan(50);
    for (const { input } of schemaRejects)
      expect(Value.Check(AudioDocumentInputSchema, withoutNulls(input)), JSON.stringify(input)).toBe(false);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY])
      expect(Value.Check(AudioDocumentInputSchema, { text: 'Hi.', concurrency: bad })).toBe(false);
  });

  it('accepts every valid input, and leaves to code only what JSON Schema cannot say', () => {
    for (const { input } of fixtures.valid)
      expect(Value.Check(AudioDocumentInputSchema, withoutNulls(input)), JSON.stringify(input)).toBe(true);
    // Blank text, control characters, blobs, output.name escaping, maximumIntervalMs below the initial one.
    for (const { input } of codeRejects) expect(Value.Check(AudioDocumentInputSchema, input), JSON.stringify(input)).toBe(true);
  });

  it('is standard JSON Schema: ajv (what Fastify uses), in strict mode, gives the same verdicts', () => {
    const warnings: unknown[] = [];
    const ajv = new Ajv({
      strict: true,
      logger: { log: () => {}, warn: (...w: unknown[]) => warnings.push(w), error: (...e: unknown[]) => warnings.push(e) },
    });
    const validate = ajv.compile(AudioDocumentInputSchema);
    expect(warnings).toEqual([]);
    const samples = [...fixtures.valid, ...fixtures.invalid].map(({ input }) => withoutNulls(input));
    for (const sample of samples) expect(validate(sample), JSON.stringify(sample)).toBe(Value.Check(AudioDocumentInputSchema, sample));
    expect(validate({ text: 'Hi.', output: { pauses: { wordMs: 10_001 } } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/output/pauses/wordMs', keyword: 'maximum' });
  });

  it('documents every field and closes every object (these become the API docs)', () => {
    type Node = {
      description?: string;
      type?: string;
      additionalProperties?: unknown;
      properties?: Record<string, Node>;
      patternProperties?: unknown;
    };
    const walk = (schema: Node, path: string): void => {
      expect(schema.description, `${path} has no description`).toBeTruthy();
      if (schema.type !== 'object' || schema.patternProperties) return; // a map (a pin's settings) is open by design
      expect(schema.additionalProperties, `${path} is open`).toBe(false);
      for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${path}.${key}`);
    };
    walk(JSON.parse(JSON.stringify(AudioDocumentInputSchema)) as Node, 'input'); // as published
  });
});
