// The command-line options that describe a document, shared by `client speak` and the main job.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  DocumentFileError,
  FRONT_MATTER,
  type FrontMatter,
  type ImportedDocument,
  type ReadOptions,
  readDocument,
} from '../books/index.ts';
import { clientDefaults } from '../config/settings.ts';
import type { DocumentMemo } from '../contract/search-attributes.ts';
import { LINK_READINGS } from '../contract/text-limits.ts';
import {
  type AudioDocumentInput,
  checkText,
  ENGINES,
  type EngineOptions,
  FORMATS,
  MAX_STORED_TEXT_CHARS,
  MAX_TEXT_CHARS,
  PRESETS,
  SCHEDULES,
  SPLITS,
  type TextRef,
} from '../document/input.ts';
import { titleOfDocument } from '../document/title.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { storeText } from '../storage/stored-text.ts';
import { bookOutput } from './book-details.ts';
import { readLexiconFile, readVoiceMapFile } from './option-files.ts';

export interface DocumentFlags {
  out?: string;
  sequential?: boolean;
  parallel?: boolean;
  concurrency?: number;
  schedule?: string;
  engine?: string;
  voice?: string;
  /** Speaks what is inside quotation marks. */
  dialogueVoice?: string;
  /** A voice map file (JSON): chapter number or title -> voice. */
  voices?: string;
  speed?: number;
  maxChunkChars?: number;
  links?: string;
  latencyMs?: number;
  engineOptions?: EngineOptions;
  format?: string;
  preset?: string;
  split?: string;
  bitrate?: number;
  title?: string;
  author?: string;
  /** Default: the voice. */
  narrator?: string;
  /** The main job's audiobook library: the document goes to `<DIR>/<Author>/<Title>/`. */
  library?: string;
  crossfadeMs?: number;
  /** false with --no-captions. */
  captions?: boolean;
  /** A target in LUFS, or "off". */
  loudness?: string;
  /** Hear every chunk back. */
  verify?: boolean;
  /** With --verify: the word error rate over which a take is spoken again. */
  maxWordErrorRate?: number;
  /** A pronunciation dictionary (JSON); default LEXICON_FILE. */
  lexicon?: string;
  /** An EPUB's title page: announced once ("Title. By Author.", the default) or skipped. */
  frontMatter?: FrontMatter;
  new?: boolean;
}

/** The file name that means "read the text from standard input". */
export const STDIN = '-';

export function addDocumentOptions(command: Command): Command {
  return command
    .option('--out <name>', 'output file name')
    .addOption(new Option('--sequential', 'one chunk at a time (AUDIO_PARALLEL_MODE=false)').conflicts('parallel'))
    .option('--parallel', 'several chunks at once (the default)')
    .option('--concurrency <n>', 'chunks in flight in parallel mode (AUDIO_CONCURRENT_LIMIT, default 5)', integer)
    .addOption(new Option('--schedule <how>', 'parallel scheduling').choices(SCHEDULES))
    .addOption(
      new Option(
        '--engine <name>',
        'TTS engine (TTS_ENGINE; default: replicate with REPLICATE_API_TOKEN, else kokoro once its model is installed, else espeak)',
      ).choices(ENGINES),
    )
    .option('--voice <voice>', 'voice of the engine, e.g. af_heart, bm_george, af_bella(2)+af_sky(1) (kokoro), en-us, fr (espeak)')
    .option('--dialogue-voice <voice>', 'voice of what is inside quotation marks (narration keeps --voice)')
    .option('--voices <file>', 'voice map, JSON: {"chapter number or title": "voice"} (a narrator per chapter)')
    .option('--speed <rate>', "speaking rate, 0.5 to 2 (default 1, the engine's own)", decimal)
    .option('--max-chunk-chars <n>', 'longest chunk in characters (default 300)', integer)
    .addOption(new Option('--links <how>', 'read a URL as its host name (host, the default) or as the word "link"').choices(LINK_READINGS))
    .option(
      '--engine-options <json>',
      'engine options as JSON, checked like the rest of the input, ' +
        'e.g. \'{"latencyMs":0,"sampleRate":8000,"charsPerSecond":1500}\' (simulated)',
      engineOptionsJson,
    )
    .option('--latency-ms <ms>', 'simulated engine: latency per chunk', integer)
    .addOption(new Option('--format <format>', 'audio format (default: from the --out name, else wav)').choices(FORMATS))
    .addOption(
      new Option(
        '--preset <preset>',
        'acx: the master Audible takes (44.1 kHz mono MP3, 192 kbit/s, ACX levels and room tone), with a report',
      ).choices(PRESETS),
    )
    .addOption(new Option('--split <how>', 'chapter: one file per chapter in a folder named after --out, and a playlist').choices(SPLITS))
    .option('--bitrate <kbps>', 'bitrate of mp3, m4b, opus (default 64 per channel; opus 32)', integer)
    .option('--title <title>', 'title tag (default: the first heading, else the file name)')
    .option('--author <author>', 'author tag')
    .option('--narrator <name>', 'narrator (composer) tag (default: the voice)')
    .option('--loudness <lufs>', 'integrated loudness to reach, e.g. -18 (the default), -23, or "off"')
    .option('--crossfade-ms <ms>', 'equal-power crossfade at every join (default 0)', integer)
    .option('--no-captions', 'do not write .vtt, .srt and .timings.json beside the audio')
    .option('--verify', 'hear every chunk back, and speak again a take heard wrong')
    .option('--max-word-error-rate <rate>', 'with --verify: the share of wrong words that makes a take wrong (default 0.3)', wordErrorRate)
    .option('--lexicon <file>', 'pronunciation dictionary, JSON: {"word or phrase": "respelling" or "/IPA/"} (LEXICON_FILE)')
    .addOption(
      new Option('--front-matter <how>', 'an EPUB\'s title page: "announce" its title and author once (the default) or "skip" it').choices(
        FRONT_MATTER,
      ),
    )
    .option('--new', 'force a new run even if this document was already spoken');
}

/** The memo of a document read from `file`: its name ("stdin" for standard input). */
export function sourceMemo(file: string): DocumentMemo {
  return { source: file === STDIN ? 'stdin' : basename(file) };
}

/** What was read from the file, for the user to see. */
export type SourceSummary = Omit<ImportedDocument, 'text'> & { characters: number; stored: boolean };

/**
 * Reads the file (standard input for `-`: text, Markdown, HTML or EPUB, any common encoding) and
 * builds the workflow input, filling unset flags from the environment. A text longer than the
 * inline limit is stored in `blobStore` (the workers' chunk store) and travels as `textRef`.
 */
export async function documentInput(
  file: string,
  flags: DocumentFlags,
  outputName: string | undefined,
  blobStore: BlobStore,
): Promise<{ input: AudioDocumentInput; source: SourceSummary; text: string }> {
  const defaults = clientDefaults(process.env, flags.voice);
  const { text, ...read } = await readSource(file, flags.frontMatter ? { frontMatter: flags.frontMatter } : {});
  const stored = text.length > MAX_TEXT_CHARS;
  const parallel = flags.sequential ? false : flags.parallel ? true : defaults.parallel;
  const concurrency = flags.concurrency ?? defaults.concurrency;
  // One title everywhere (lists, tags, download names): the workflow is told it rather than left to guess.
  const title = titleOfDocument(text, {
    ...(flags.title ? { given: flags.title } : {}),
    ...(read.title ? { metadata: read.title } : {}),
    ...(file === STDIN ? {} : { fileName: basename(file) }),
  });
  // The book's own details (author, blurb, cover…) under what the flags say.
  const output = { title, ...(await bookOutput(read, blobStore)), ...outputOptions(flags, outputName).output };
  const engineOptions = { ...flags.engineOptions, ...(flags.latencyMs !== undefined ? { latencyMs: flags.latencyMs } : {}) };
  const lexiconFile = flags.lexicon ?? process.env.LEXICON_FILE;
  const lexicon = lexiconFile ? await readLexiconFile(lexiconFile) : undefined;
  const chapterVoices = flags.voices ? await readVoiceMapFile(flags.voices) : undefined;
  const input: AudioDocumentInput = {
    ...(stored ? { textRef: await storeChecked(blobStore, text) } : { text }),
    mode: parallel ? 'parallel' : 'sequential',
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(flags.schedule ? { schedule: flags.schedule as AudioDocumentInput['schedule'] } : {}),
    engine: (flags.engine as AudioDocumentInput['engine']) ?? defaults.engine,
    ...(flags.voice ? { voice: flags.voice } : {}),
    ...(flags.dialogueVoice ? { dialogueVoice: flags.dialogueVoice } : {}),
    ...(chapterVoices && Object.keys(chapterVoices).length > 0 ? { chapterVoices } : {}),
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.maxChunkChars ? { maxChunkChars: flags.maxChunkChars } : {}),
    ...(flags.links ? { links: flags.links as NonNullable<AudioDocumentInput['links']> } : {}),
    ...(Object.keys(engineOptions).length > 0 ? { engineOptions } : {}),
    ...(lexicon && Object.keys(lexicon).length > 0 ? { lexicon } : {}),
    ...(flags.verify ? { verify: flags.maxWordErrorRate === undefined ? true : { maxWordErrorRate: flags.maxWordErrorRate } } : {}),
    ...(Object.keys(output).length > 0 ? { output } : {}),
  };
  return { input, source: { ...read, characters: text.length, stored }, text };
}

/**
 * "Read book.epub: EPUB "Title" by Someone, 12 chapters, 1234567 characters (stored; the workflow gets a reference)", or nothing for
 * plain UTF-8 text inline.
 */
export function describeSource(file: string, source: SourceSummary): string | undefined {
  const plain = source.format === 'text' && (source.encoding === 'utf-8' || source.encoding === undefined);
  if (plain && !source.stored) return undefined;
  const names: Record<SourceSummary['format'], string> = { text: 'text', markdown: 'Markdown', html: 'HTML', epub: 'EPUB' };
  const what = [
    `${names[source.format]}${source.encoding && source.encoding !== 'utf-8' ? ` in ${source.encoding}` : ''}` +
      `${source.title ? ` "${source.title}"` : ''}${source.author ? ` by ${source.author}` : ''}`,
    ...(source.chapters > 0 ? [`${source.chapters} chapters`] : []),
    `${source.characters} characters${source.stored ? ' (stored in the chunk store; the workflow gets a reference)' : ''}`,
  ];
  return `Read ${file}: ${what.join(', ')}`;
}

function outputOptions(flags: DocumentFlags, name: string | undefined): Pick<AudioDocumentInput, 'output'> {
  const output: NonNullable<AudioDocumentInput['output']> = {
    ...(name ? { name } : {}),
    ...(flags.format ? { format: flags.format as NonNullable<AudioDocumentInput['output']>['format'] } : {}),
    ...(flags.preset ? { preset: flags.preset as 'acx' } : {}),
    ...(flags.split ? { split: flags.split as 'chapter' } : {}),
    ...(flags.bitrate !== undefined ? { bitrateKbps: flags.bitrate } : {}),
    ...(flags.author ? { author: flags.author } : {}),
    ...(flags.narrator ? { narrator: flags.narrator } : {}),
    // A library's book is an M4B (chapters, cover, tags) unless a format or preset says otherwise.
    ...(flags.library ? { library: true, ...(flags.format || flags.preset ? {} : { format: 'm4b' as const }) } : {}),
    ...(flags.loudness !== undefined
      ? { loudness: flags.loudness === 'off' ? false : { targetLufs: loudnessTarget(flags.loudness) } }
      : {}),
    ...(flags.crossfadeMs !== undefined ? { crossfadeMs: flags.crossfadeMs } : {}),
    ...(flags.captions === false ? { captions: false } : {}),
  };
  return Object.keys(output).length > 0 ? { output } : {};
}

function wordErrorRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidArgumentError(`--max-word-error-rate takes a share from 0 to 1 (e.g. 0.3), got "${value}"`);
  return rate;
}

function loudnessTarget(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new InvalidArgumentError(`--loudness must be a number of LUFS (e.g. -18) or "off", got "${value}"`);
  return number;
}

/** The file's text, read as its format and encoding say (src/books); a file we cannot read stops here, before anything starts. */
async function readSource(file: string, options: ReadOptions): Promise<ImportedDocument> {
  let bytes: Buffer;
  try {
    bytes = file === STDIN ? await readStdin() : await readFile(file);
  } catch (error) {
    throw new Error(`cannot read text file "${file}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return await readDocument(bytes, file === STDIN ? 'stdin' : basename(file), options);
  } catch (error) {
    if (error instanceof DocumentFileError) throw new Error(`cannot read ${file}: ${error.message}`);
    throw error;
  }
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) console.error('Reading the text from standard input; end it with Ctrl-D.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Checked as the workflow would check it, then stored: a text that can never work is never stored. */
async function storeChecked(blobStore: BlobStore, text: string): Promise<TextRef> {
  checkText(text, 'text', MAX_STORED_TEXT_CHARS);
  return storeText(blobStore, text);
}

function engineOptionsJson(value: string): EngineOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`must be a JSON object, e.g. '{"latencyMs":0,"charsPerSecond":1500}', got ${value}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError(`must be a JSON object, got ${value}`);
  return parsed as EngineOptions; // checked with the rest of the input
}

function decimal(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError('must be a number');
  return number;
}

function integer(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('must be a whole number');
  return number;
}
