// A dev server that exits while it starts (two started at once can clash on a port one opens beside
// the frontend's) is started again on other free ports; one whose port was asked for is not.

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startDevServer } from '../../src/temporal/dev-server.ts';

let dir: string;
let cliPath: string;
const starts = async () => (await readFile(join(dir, 'starts'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dev-server-start-'));
  cliPath = join(dir, 'temporal');
  // A CLI that writes the port it was given and exits at once, as a server whose port was taken.
  await writeFile(cliPath, `#!/bin/sh\nwhile [ "$1" != "--port" ]; do shift; done\necho "$2" >> "${join(dir, 'starts')}"\nexit 1\n`);
  await chmod(cliPath, 0o755);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('starts a server that exited while starting again, three times in all', async () => {
  await expect(startDevServer({ cliPath })).rejects.toThrow(/temporal dev server exited with 1/u);
  const ports = await starts();
  expect(ports).toHaveLength(3);
});

it('does not start again a server whose port was asked for', async () => {
  await expect(startDevServer({ cliPath, port: 1 })).rejects.toThrow(/exited with 1/u);
  expect(await starts()).toEqual(['1']);
});
