// Settings from the environment, read in one place. Workflow code never reads these: it gets
// everything through its input.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ENGINES, type EngineName } from '../document/input.ts';
import { isKokoroVoice, kokoroModelInstalled } from '../engines/kokoro/model-files.ts';

export interface TemporalSettings {
  /** Unset: the main job starts its own dev server. */
  address?: string;
  namespace: string;
  taskQueue: string;
  /** The Worker Deployment every worker build joins (TEMPORAL_DEPLOYMENT): documents are pinned to a build of it. */
  deploymentName: string;
}

export interface WorkerSettings {
  /** Where documents are written (or, with an S3 outputUrl, staged for their upload). */
  outputDir: string;
  /** AUDIO_OUTPUT_URL: s3://bucket/prefix (or file:///dir) for outputs any app can read; default the output directory. */
  outputUrl?: string;
  /** AUDIO_LIBRARY_DIR: an audiobook library (Audiobookshelf's), where documents with `output.library` go. */
  libraryDir?: string;
  /** Where chunks (and stored texts) live: a directory, file:///dir, or s3://bucket/prefix for a fleet that shares no disk. */
  blobLocation: string;
  maxConcurrentActivities: number;
  espeakThreads: number;
  /** KOKORO_THREADS: Kokoro sessions (worker threads) per worker; unset, the engine's default (defaultKokoroSessions). */
  kokoroThreads?: number;
  /** KOKORO_SESSION_THREADS: ONNX threads per Kokoro session; default the cores shared out (`npm run serve`: every core). */
  kokoroSessionThreads?: number;
  /** A Kokoro model dir the user already has; else the cache's. */
  kokoroModelDir?: string;
  /** How long a stopping worker lets chunks in flight finish. */
  shutdownGraceMs: number;
  /** WORKER_BUILD_ID: this worker's build; unset, a hash of its workflow code (src/temporal/workflow-build.ts). */
  buildId?: string;
  /** WORKER_PROMOTE (default true): make this worker's build the current one, so that new documents start on it. */
  promote: boolean;
}

export interface ClientDefaults {
  parallel: boolean;
  concurrency?: number;
  engine: EngineName;
}

export interface ServerSettings {
  port: number;
  host: string;
  /** When set, every /v1 route needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
}

export const DEFAULT_TASK_QUEUE = 'audio-documents';
export const DEFAULT_DEPLOYMENT = 'durable-tts';

/** The HTTP server's settings: PORT (8080), HOST (127.0.0.1: only this machine, unless told), API_TOKEN. */
export function serverSettings(env = process.env): ServerSettings {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number (0-65535), got "${env.PORT}"`);
  const apiToken = apiTokenSetting(env);
  return { port, host: env.HOST || '127.0.0.1', ...(apiToken ? { apiToken } : {}) };
}

/** API_TOKEN: the bearer token of the HTTP API, that of `npm run serve` and of the page `npm start` serves. */
export function apiTokenSetting(env = process.env): string | undefined {
  return env.API_TOKEN || undefined;
}

export function temporalSettings(env = process.env): TemporalSettings {
  return {
    ...(env.TEMPORAL_ADDRESS ? { address: env.TEMPORAL_ADDRESS } : {}),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    deploymentName: env.TEMPORAL_DEPLOYMENT || DEFAULT_DEPLOYMENT,
  };
}

export function workerSettings(env = process.env): WorkerSettings {
  const outputDir = env.AUDIO_OUTPUT_DIR || './output';
  return {
    outputDir,
    // Beside the output by default: workers that share the output directory share chunks too.
    blobLocation: env.AUDIO_BLOB_URL || env.AUDIO_BLOB_DIR || join(outputDir, '.chunks'),
    ...(env.AUDIO_OUTPUT_URL ? { outputUrl: env.AUDIO_OUTPUT_URL } : {}),
    ...(env.AUDIO_LIBRARY_DIR ? { libraryDir: env.AUDIO_LIBRARY_DIR } : {}),
    maxConcurrentActivities: positiveInteger('WORKER_MAX_CONCURRENT_ACTIVITIES', env.WORKER_MAX_CONCURRENT_ACTIVITIES) ?? 20,
    espeakThreads: positiveInteger('ESPEAK_THREADS', env.ESPEAK_THREADS) ?? Math.min(2, availableParallelism()),
    ...(env.KOKORO_THREADS ? { kokoroThreads: positiveInteger('KOKORO_THREADS', env.KOKORO_THREADS) } : {}),
    ...(env.KOKORO_SESSION_THREADS ? { kokoroSessionThreads: positiveInteger('KOKORO_SESSION_THREADS', env.KOKORO_SESSION_THREADS) } : {}),
    ...(env.KOKORO_MODEL_DIR ? { kokoroModelDir: env.KOKORO_MODEL_DIR } : {}),
    shutdownGraceMs: (positiveInteger('WORKER_SHUTDOWN_GRACE_SECONDS', env.WORKER_SHUTDOWN_GRACE_SECONDS) ?? 30) * 1000,
    ...(env.WORKER_BUILD_ID ? { buildId: env.WORKER_BUILD_ID } : {}),
    promote: booleanSetting('WORKER_PROMOTE', env.WORKER_PROMOTE) ?? true,
  };
}

/**
 * Whether a document with no engine named should go to Kokoro (if its model is there): not when
 * TTS_ENGINE or a Replicate token decides, nor for a voice that is not Kokoro's ("en-gb" is eSpeak's).
 */
export function kokoroUnlessToldOtherwise(env: NodeJS.ProcessEnv, voice?: string): boolean {
  return !env.TTS_ENGINE && !env.REPLICATE_API_TOKEN && (!voice || isKokoroVoice(voice));
}

/** WARM_ENGINES: engines whose model a worker loads as it starts ("kokoro"), comma-separated. */
export function warmEngines(env = process.env): EngineName[] {
  const names = (env.WARM_ENGINES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.find((name) => !ENGINES.includes(name as EngineName));
  if (unknown) throw new Error(`WARM_ENGINES names "${unknown}", not one of ${ENGINES.join(', ')}`);
  return names as EngineName[];
}

/** The seed's flags: AUDIO_PARALLEL_MODE=false means sequential; AUDIO_CONCURRENT_LIMIT is C. */
export function clientDefaults(env = process.env, voice?: string): ClientDefaults {
  // With a Replicate token, documents go to Replicate unless TTS_ENGINE says otherwise; without one,
  // to Kokoro (the same voice, offline) once its model is here, else eSpeak, which needs nothing.
  const local = kokoroUnlessToldOtherwise(env, voice) && kokoroModelInstalled(env) ? 'kokoro' : 'espeak';
  const engine = env.TTS_ENGINE || (env.REPLICATE_API_TOKEN ? 'replicate' : local);
  if (!ENGINES.includes(engine as EngineName)) {
    throw new Error(`TTS_ENGINE must be one of ${ENGINES.join(', ')}, got "${engine}"`);
  }
  const concurrency = positiveInteger('AUDIO_CONCURRENT_LIMIT', env.AUDIO_CONCURRENT_LIMIT);
  return {
    parallel: (env.AUDIO_PARALLEL_MODE ?? 'true').toLowerCase() !== 'false',
    ...(concurrency === undefined ? {} : { concurrency }),
    engine: engine as EngineName,
  };
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a whole number >= 1, got "${value}"`);
  return number;
}

function booleanSetting(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const normalized = value.toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}
