import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAUSES,
  DEFAULT_RETRY,
  defaultOutputName,
  InvalidInputError,
  MAX_CONCURRENCY,
  MAX_TEXT_CHARS,
  resolveDocumentInput,
} from '../src/document/input.ts';

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
      output: { format: 'wav', pauses: DEFAULT_PAUSES },
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

  it('rejects unknown mode, schedule, engine and format values', () => {
    expectInvalid({ text: 'Hi.', mode: 'turbo' }, 'mode');
    expectInvalid({ text: 'Hi.', schedule: 'eventually' }, 'schedule');
    expectInvalid({ text: 'Hi.', engine: 'polly' }, 'engine');
    expectInvalid({ text: 'Hi.', engine: 'ESPEAK' }, 'engine');
    expectInvalid({ text: 'Hi.', output: { format: 'mp3' } }, 'output.format');
  });

  it('checks retry overrides', () => {
    expect(resolveDocumentInput({ text: 'Hi.', retry: { initialIntervalMs: 200, maximumAttempts: 3 } }).retry).toEqual({ ...DEFAULT_RETRY, initialIntervalMs: 200, maximumAttempts: 3 });
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
