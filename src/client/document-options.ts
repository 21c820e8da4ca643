// The command-line options that describe a document, shared by `client speak` and the main job.

import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { clientDefaults } from '../config.ts';
import { ENGINES, SCHEDULES, type AudioDocumentInput } from '../document/input.ts';

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
  latencyMs?: number;
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
    .option('--latency-ms <ms>', 'simulated engine: latency per chunk', integer)
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
    ...(flags.latencyMs !== undefined ? { engineOptions: { latencyMs: flags.latencyMs } } : {}),
    ...(outputName ? { output: { name: outputName } } : {}),
  };
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
