// Biome wraps code at 140 columns (biome.json) but not comments or strings: this holds them to it too.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const MAX = 140;

it(`keeps every line of src/**/*.ts within ${MAX} characters`, () => {
  const files = execFileSync('git', ['ls-files', '-z', '--', 'src/*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  expect(files.length).toBeGreaterThan(0);
  const long = files.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split(/\r?\n/u)
      .flatMap((line, i) => (line.length > MAX ? [`${file}:${i + 1} (${line.length})`] : [])),
  );
  expect(long).toEqual([]);
});
