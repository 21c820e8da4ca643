// Finds the Temporal CLI (which carries the dev server), or builds it once with `go install`.

import { ensureGoBinary, findGoBinary, type GoBinary } from '../system/go-binary.ts';

export const TEMPORAL_CLI: GoBinary = {
  /** Later tags carry a `replace` directive, which `go install pkg@version` refuses. */
  module: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  name: 'temporal',
  pathVariable: 'TEMPORAL_CLI',
  buildTime: 'about 4 minutes',
};

/** TEMPORAL_CLI, then `temporal` on PATH, then our cache. */
export function findTemporalCli(env = process.env): Promise<string | undefined> {
  return findGoBinary(TEMPORAL_CLI, env);
}

/** Returns a usable CLI, building it into the cache on first use (about 4 minutes, once). */
export function ensureTemporalCli(log: (line: string) => void = console.error, env = process.env): Promise<string> {
  return ensureGoBinary(TEMPORAL_CLI, log, env);
}
