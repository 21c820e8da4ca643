// The thread that bundles the workflow code for workflow-build.ts: what webpack leaves reachable
// once it is done (some 75 MB of its compilation) goes with the thread, not into the heap of the
// process that then serves Temporal, where every full collection would have to mark it again.

import { parentPort } from 'node:worker_threads';
import { bundleHere } from './workflow-build.ts';

parentPort!.postMessage(await bundleHere());
