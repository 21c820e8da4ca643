// The workflow bundle is made on a thread of its own (src/temporal/workflow-build.ts): the same
// bytes as bundling here, so the same build id whichever way a worker made it; and what webpack
// keeps reachable after a build stays out of the heap of the process that serves Temporal.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/storage/blob-store.ts';
import { bundleHere, bundleWorkflows } from '../../src/temporal/workflow-build.ts';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** The heap in use once garbage is collected, in MB. */
function liveHeapMb(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('the workflow bundle', () => {
  it('is made on a thread, the same bytes as here, and leaves the compilation behind', { timeout: 120_000 }, async () => {
    const before = liveHeapMb();
    const build = await bundleWorkflows();
    const afterThread = liveHeapMb();
    const code = await bundleHere();
    const afterHere = liveHeapMb();

    expect(sha256Hex(code).slice(0, 16)).toBe(build.hash);
    expect(code).toBe(build.code);
    // From the thread only the bundle's text comes back (about 10 MB); here, webpack's leftovers
    // stay reachable too (some 75 MB more).
    expect(afterHere - afterThread).toBeGreaterThan(2 * (afterThread - before));
  });
});
