// Programs from Debian's packages (Chromium for the page tests, docker-compose to validate the
// compose file, lame and ffmpeg for the encoding bench): found on the PATH, else installed with
// apt-get when we are root (a fresh CI machine), else a message saying what to install.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable `command` on the PATH, if any. */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, command))
    .find(isExecutable);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `apt-get update` and `apt-get install --no-install-recommends <packages>` (recommends are desktop
 * extras), output on stderr. Throws what stands in the way: no apt-get, not root, or apt's failure.
 */
export function aptInstall(packages: string[], log: (line: string) => void = console.error, env = process.env): void {
  const aptGet = onPath('apt-get', env);
  if (!aptGet) throw new Error(`no apt-get to install ${packages.join(' ')}`);
  if (process.getuid?.() !== 0)
    throw new Error(`not root: install it with sudo apt-get install --no-install-recommends ${packages.join(' ')}`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    log(`$ apt-get ${args.join(' ')}`);
    const result = spawnSync(aptGet, args, { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 2, 2] });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

/** `command` on the PATH, installing Debian's `debianPackage` first if it is missing. */
export function ensureDebianProgram(
  command: string,
  debianPackage: string,
  log: (line: string) => void = console.error,
  env = process.env,
): string {
  const found = onPath(command, env);
  if (found) return found;
  log(`${command} not found; installing Debian's ${debianPackage} (once):`);
  aptInstall([debianPackage], log, env);
  const installed = onPath(command, env);
  if (!installed) throw new Error(`apt-get installed ${debianPackage}, but ${command} is still not on the PATH`);
  return installed;
}
