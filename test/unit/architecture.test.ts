// The layer rules (.dependency-cruiser.cjs) catch what they promise: a copy of src/ with one
// planted import that closes a cycle fails the check, naming the rule it breaks.

import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
let copy: string;

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'architecture-test-'));
  for (const entry of ['src', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json'])
    await cp(join(ROOT, entry), join(copy, entry), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
});

afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** dependency-cruiser's verdict on the copy: the rules broken, or none. */
async function violations(): Promise<Violation[]> {
  const depcruise = join(ROOT, 'node_modules/.bin/depcruise');
  const run = promisify(execFile)(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: copy,
    maxBuffer: 64 << 20,
  });
  // It exits non-zero when a rule is broken; its report is on stdout either way.
  const { stdout } = await run.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the layer rules', () => {
  it('pass on src/ as it is, and fail on a planted cycle between the contract and the activities', async () => {
    expect(await violations()).toEqual([]);
    await appendFile(join(copy, 'src/contract/refs.ts'), "\nexport type { StitchInput } from '../activities/types.ts';\n");
    const broken = await violations();
    expect(broken.map((v) => v.rule.name)).toEqual(expect.arrayContaining(['contract-imports-only-below', 'no-cycles']));
    expect(broken.find((v) => v.rule.name === 'contract-imports-only-below')).toMatchObject({
      from: 'src/contract/refs.ts',
      to: 'src/activities/types.ts',
    });
  }, 60_000);
});
