// Finds the Temporal CLI (which carries the dev server), or builds it once with `go install`.
// No Docker and no downloads from GitHub here: the Go module proxy is the way in.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Later tags carry a `replace` directive, which `go install pkg@version` refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Outside the repository, shared by every checkout on the machine. */
export function cacheDir(env = process.env): string {
  return env.DURABLE_TTS_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'durable-tts');
}

export function cachedCliPath(env = process.env): string {
  return join(cacheDir(env), 'bin', 'temporal');
}

/** TEMPORAL_CLI, then `temporal` on PATH, then our cache. */
export async function findTemporalCli(env = process.env): Promise<string | undefined> {
  const candidates = [
    ...(env.TEMPORAL_CLI ? [env.TEMPORAL_CLI] : []),
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'temporal')),
    cachedCliPath(env),
  ];
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  if (env.TEMPORAL_CLI) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
  return undefined;
}

/** Returns a usable CLI, building it into the cache on first use (about 4 minutes, once). */
export async function ensureTemporalCli(log: (line: string) => void = console.error, env = process.env): Promise<string> {
  const found = await findTemporalCli(env);
  if (found) return found;
  const target = cachedCliPath(env);
  const binDir = join(cacheDir(env), 'bin');
  await mkdir(binDir, { recursive: true });
  log(`Temporal CLI not found; building ${TEMPORAL_CLI_MODULE} into ${binDir}`);
  log('(first time only: a few minutes, mostly Go module downloads; later runs reuse it)');
  // Build into a private directory and rename: two builds at once never leave a half-written binary.
  const staging = await mkdtemp(join(binDir, '.build-'));
  try {
    await run('go', ['install', TEMPORAL_CLI_MODULE], { ...env, GOBIN: staging, GOFLAGS: env.GOFLAGS ?? '-mod=mod' });
    await rename(join(staging, 'temporal'), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`Temporal CLI ready: ${target}`);
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
