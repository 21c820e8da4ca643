// Chromium for the page tests (test/server/page.test.ts): `CHROMIUM_PATH`, else Debian's
// /usr/bin/chromium, installed with apt-get when missing and we are root (a fresh CI machine).
// Prints the path; run by `npm test` before the suite.

import { spawnSync } from 'node:child_process';
import { constants, accessSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** Recommends (upower, notification daemon, printing, fonts-liberation) are desktop extras: headless needs none of them. */
const APT_INSTALL = ['install', '-y', '--no-install-recommends', 'chromium'];

/** The Chromium the page tests launch. */
export function chromiumPath(env = process.env): string {
  return env.CHROMIUM_PATH || DEBIAN_CHROMIUM;
}

export function ensureChromium(log: (line: string) => void = console.error, env = process.env): string {
  const path = chromiumPath(env);
  if (isExecutable(path)) return path;
  if (env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
  const aptGet = onPath('apt-get', env);
  if (process.getuid?.() !== 0 || !aptGet) {
    throw new Error(
      `Chromium not found at ${DEBIAN_CHROMIUM}; the page tests need it. Install it ` +
        `(Debian: sudo apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
    );
  }
  log(`Chromium not found at ${DEBIAN_CHROMIUM}; installing Debian's chromium (about 200 MB, once):`);
  for (const args of [['update'], APT_INSTALL]) {
    log(`$ apt-get ${args.join(' ')}`);
    // stdout to stderr: this script's stdout is the path alone.
    const result = spawnSync(aptGet, args, { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 2, 2] });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
  if (!isExecutable(DEBIAN_CHROMIUM)) throw new Error(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} is still missing`);
  log(`Chromium ready: ${DEBIAN_CHROMIUM}`);
  return DEBIAN_CHROMIUM;
}

/** The first executable `command` on the PATH, if any. */
export function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  return (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command)).find(isExecutable);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
