// The thread that bundles the workflow code for workflow-build.ts: what webpack leaves reachable
// once it is done (some 75 MB of its compilation) goes with the thread, not into the heap of the
// process that then serves Temporal, where every full collection would have to mark it again.

import { parentPort } from 'node:worker_threads';
import { bundleHere } from './workflow-build.ts';

// A failure to bundle is the code's, said as it is; the thread failing otherwise is the caller's to handle.
parentPort!.postMessage(
  await bundleHere().then(
    (code) => ({ code }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  ),
);
