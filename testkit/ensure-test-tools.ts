// The programs the tests run besides Node's: versitygw (the S3 server), the real Temporal server
// with its SQL tool (built from the Go module proxy), and Debian's PostgreSQL (the cluster test),
// docker-compose (to validate docker-compose.yml) and epubcheck (read-along books). Run by
// `npm test` before the suite; each is found first, and made or installed only when missing.

import { ensureGoBinary } from '../src/system/go-binary.ts';
import { ensureDebianProgram } from './debian-packages.ts';
import { ensureEpubcheck } from './epubcheck.ts';
import { ensurePostgresPrograms } from './postgres.ts';
import { VERSITYGW } from './s3-server.ts';
import { ensureTemporalServerPrograms } from './temporal-server.ts';

try {
  console.log(await ensureGoBinary(VERSITYGW));
  console.log(Object.values(await ensureTemporalServerPrograms()).join('\n'));
  console.log(ensurePostgresPrograms());
  console.log(ensureDebianProgram('docker-compose', 'docker-compose'));
  console.log(ensureEpubcheck());
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
