// `npm run temporal:cli`: prints the Temporal CLI's path, building it into the cache if it is missing.

import { ensureTemporalCli } from '../src/temporal/cli.ts';

ensureTemporalCli()
  .then((path) => console.log(path))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
