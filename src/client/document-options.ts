// The command-line options that describe a document, shared by `client speak` and the main job.

import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { clientDefaults } from '../config.ts';
import { LINK_READINGS } from '../text/chunker.ts';
import { ENGINES, FORMATS, PRESETS, SCHEDULES, SPLITS, type AudioDocumentInput } from '../document/input.ts';

export interface DocumentFlags {
  out?: string;
  sequential?: boolean;
  parallel?: boolean;
  concurrency?: number;
  schedule?: string;
  engine?: string;
  voice?: string;
  speed?: number;
  maxChunkChars?: number;
  links?: string;
  latencyMs?: number;
  format?: string;
  preset?: string;
  split?: string;
  bitrate?: number;
  title?: string;
  author?: string;
  crossfadeMs?: number;
  /** false with --no-captions. */
  captions?: boolean;
  /** A target in LUFS, or "off". */
  loudness?: string;
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
    .addOption(new Option('--engine <name>', 'TTS engine (TTS_ENGINE; default: replicate with REPLICATE_API_TOKEN, else kokoro once its model is installed, else espeak)').choices(ENGINES))
    .option('--voice <voice>', 'voice of the engine, e.g. af_heart, bm_george (kokoro), en-us, fr (espeak)')
    .option('--speed <rate>', 'speaking rate, 0.5 to 2 (default 1, the engine\'s own)', decimal)
    .option('--max-chunk-chars <n>', 'longest chunk in characters (default 300)', integer)
    .addOption(new Option('--links <how>', 'read a URL as its host name (host, the default) or as the word "link"').choices(LINK_READINGS))
    .option('--latency-ms <ms>', 'simulated engine: latency per chunk', integer)
    .addOption(new Option('--format <format>', 'audio format (default: from the --out name, else wav)').choices(FORMATS))
    .addOption(new Option('--preset <preset>', 'acx: the master Audible takes (44.1 kHz mono MP3, 192 kbit/s, ACX levels and room tone), with a report').choices(PRESETS))
    .addOption(new Option('--split <how>', 'chapter: one file per chapter in a folder named after --out, and a playlist').choices(SPLITS))
    .option('--bitrate <kbps>', 'bitrate of mp3, m4b, opus (default 64 per channel; opus 32)', integer)
    .option('--title <title>', 'title tag (default: the first heading, else the file name)')
    .option('--author <author>', 'author tag')
    .option('--loudness <lufs>', 'integrated loudness to reach, e.g. -18 (the default), -23, or "off"')
    .option('--crossfade-ms <ms>', 'equal-power crossfade at every join (default 0)', integer)
    .option('--no-captions', 'do not write .vtt, .srt and .timings.json beside the audio')
    .option('--new', 'force a new run even if this document was already spoken');
}

/** Reads the text file (standard input for `-`) and builds the workflow input, filling unset flags from the environment. */
export async function documentInput(file: string, flags: DocumentFlags, outputName?: string): Promise<AudioDocumentInput> {
  const defaults = clientDefaults(process.env, flags.voice);
  const text = await readText(file);
  const parallel = flags.sequential ? false : flags.parallel ? true : defaults.parallel;
  const concurrency = flags.concurrency ?? defaults.concurrency;
  return {
    text,
    mode: parallel ? 'parallel' : 'sequential',
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(flags.schedule ? { schedule: flags.schedule as AudioDocumentInput['schedule'] } : {}),
    engine: (flags.engine as AudioDocumentInput['engine']) ?? defaults.engine,
    ...(flags.voice ? { voice: flags.voice } : {}),
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.maxChunkChars ? { maxChunkChars: flags.maxChunkChars } : {}),
    ...(flags.links ? { links: flags.links as NonNullable<AudioDocumentInput['links']> } : {}),
    ...(flags.latencyMs !== undefined ? { engineOptions: { latencyMs: flags.latencyMs } } : {}),
    ...outputOptions(flags, outputName),
  };
}

function outputOptions(flags: DocumentFlags, name: string | undefined): Pick<AudioDocumentInput, 'output'> {
  const output: NonNullable<AudioDocumentInput['output']> = {
    ...(name ? { name } : {}),
    ...(flags.format ? { format: flags.format as NonNullable<AudioDocumentInput['output']>['format'] } : {}),
    ...(flags.preset ? { preset: flags.preset as 'acx' } : {}),
    ...(flags.split ? { split: flags.split as 'chapter' } : {}),
    ...(flags.bitrate !== undefined ? { bitrateKbps: flags.bitrate } : {}),
    ...(flags.title ? { title: flags.title } : {}),
    ...(flags.author ? { author: flags.author } : {}),
    ...(flags.loudness !== undefined ? { loudness: flags.loudness === 'off' ? false : { targetLufs: loudnessTarget(flags.loudness) } } : {}),
    ...(flags.crossfadeMs !== undefined ? { crossfadeMs: flags.crossfadeMs } : {}),
    ...(flags.captions === false ? { captions: false } : {}),
  };
  return Object.keys(output).length > 0 ? { output } : {};
}

function loudnessTarget(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError(`--loudness must be a number of LUFS (e.g. -18) or "off", got "${value}"`);
  return number;
}

async function readText(file: string): Promise<string> {
  if (file === STDIN) return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read text file "${file}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error('Reading the text from standard input; end it with Ctrl-D.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
