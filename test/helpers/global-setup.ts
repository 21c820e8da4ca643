// Runs once before all test files: make sure the Temporal CLI exists (building it on a fresh machine).

import { ensureTemporalCli } from '../../src/temporal/cli.ts';

export default async function setup(): Promise<void> {
  const path = await ensureTemporalCli((line) => console.log(line));
  process.env.TEMPORAL_CLI = path;
}
