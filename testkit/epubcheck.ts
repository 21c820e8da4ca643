// EPUBCheck, the W3C's EPUB validator, as Debian packages it (4.2.6 on bookworm): installed with
// apt-get when missing (by `npm test`, through ensure-test-tools.ts), run with Java on its jar (the
// packaged /usr/bin/epubcheck is the jar itself, which runs only where binfmt knows jars).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureDebianProgram } from './debian-packages.ts';

const EPUBCHECK_JAR = '/usr/share/java/epubcheck.jar';

export function ensureEpubcheck(log: (line: string) => void = console.error): string {
  ensureDebianProgram('epubcheck', 'epubcheck', log);
  if (!existsSync(EPUBCHECK_JAR)) throw new Error(`Debian's epubcheck is installed, but ${EPUBCHECK_JAR} is missing`);
  return EPUBCHECK_JAR;
}

export interface EpubcheckReport {
  fatals: number;
  errors: number;
  warnings: number;
  /** Everything it printed, for a failing test's message. */
  output: string;
}

/** Validates `path`; the counts come from its closing "Messages:" line. */
export function epubcheck(path: string): EpubcheckReport {
  const run = spawnSync('java', ['-jar', EPUBCHECK_JAR, path], { encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  const counts = /Messages: (\d+) fatals? \/ (\d+) errors? \/ (\d+) warnings?/u.exec(output);
  if (!counts) throw new Error(`epubcheck gave no summary (exit ${run.status}):\n${output}`);
  return { fatals: Number(counts[1]), errors: Number(counts[2]), warnings: Number(counts[3]), output };
}
