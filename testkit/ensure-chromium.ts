// Chromium for the page tests (test/system/page.test.ts): `CHROMIUM_PATH`, else Debian's
// /usr/bin/chromium, installed with apt-get when missing and we are root (a fresh CI machine).
// Prints the path; run by `npm test` before the suite.

import { fileURLToPath } from 'node:url';
import { aptInstall, isExecutable } from './debian-packages.ts';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The Chromium the page tests launch. */
export function chromiumPath(env = process.env): string {
  return env.CHROMIUM_PATH || DEBIAN_CHROMIUM;
}

export function ensureChromium(log: (line: string) => void = console.error, env = process.env): string {
  const path = chromiumPath(env);
  if (isExecutable(path)) return path;
  if (env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
  log(`Chromium not found at ${DEBIAN_CHROMIUM}; installing Debian's chromium (about 200 MB, once):`);
  try {
    aptInstall(['chromium'], log, env);
  } catch (error) {
    throw new Error(
      `Chromium not found at ${DEBIAN_CHROMIUM}; the page tests need it (${(error as Error).message}). Install it ` +
        `(Debian: sudo apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
    );
  }
  if (!isExecutable(DEBIAN_CHROMIUM)) throw new Error(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} is still missing`);
  log(`Chromium ready: ${DEBIAN_CHROMIUM}`);
  return DEBIAN_CHROMIUM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
