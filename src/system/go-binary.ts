// Programs we build from the Go module proxy (the Temporal CLI, an S3 server for tests), found on
// the machine first, else built once with `go install` into a cache every checkout shares.
// No Docker and no downloads from GitHub: the Go module proxy is the way in.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { cacheDir } from './cache-dir.ts';

export interface GoBinary {
  /** What `go install` takes: `module/path/cmd/name@version`. */
  module: string;
  /** The program's file name (on the PATH and in our cache). */
  name: string;
  /** The file `go install` writes, when it differs from `name` (`cmd/server` writes `server`). */
  builtName?: string;
  /** An environment variable that names the program's path, checked first. */
  pathVariable: string;
  /** Said while it builds: how long the first build takes. */
  buildTime: string;
}

export function cachedBinaryPath(binary: GoBinary, env = process.env): string {
  return join(cacheDir(env), 'bin', binary.name);
}

/** The variable's path, then the program on PATH, then our cache. */
export async function findGoBinary(binary: GoBinary, env = process.env): Promise<string | undefined> {
  const named = env[binary.pathVariable];
  const candidates = [
    ...(named ? [named] : []),
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, binary.name)),
    cachedBinaryPath(binary, env),
  ];
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  if (named) throw new Error(`${binary.pathVariable}=${named} is not an executable file`);
  return undefined;
}

/** Returns the program, building it into the cache on first use. */
export async function ensureGoBinary(binary: GoBinary, log: (line: string) => void = console.error, env = process.env): Promise<string> {
  const found = await findGoBinary(binary, env);
  if (found) return found;
  const target = cachedBinaryPath(binary, env);
  const binDir = join(cacheDir(env), 'bin');
  await mkdir(binDir, { recursive: true });
  log(`${binary.name} not found; building ${binary.module} into ${binDir}`);
  log(`(first time only: ${binary.buildTime}, mostly Go module downloads; later runs reuse it)`);
  // Build into a private directory and rename: two builds at once never leave a half-written binary.
  const staging = await mkdtemp(join(binDir, '.build-'));
  try {
    await run('go', ['install', binary.module], { ...env, GOBIN: staging, GOFLAGS: env.GOFLAGS ?? '-mod=mod' });
    await rename(join(staging, binary.builtName ?? binary.name), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`${binary.name} ready: ${target}`);
  return target;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => reject(new Error(`cannot run ${command} (is Go installed?): ${error.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
