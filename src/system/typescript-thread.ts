// A worker thread that runs one of our TypeScript modules, as this process does (node --import
// tsx): Node 20 hands a thread neither `--import` nor the loader's hooks, so the thread registers
// tsx's loader before it imports the module.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A thread running `entry` (a .ts module's URL); it may throw, as `new Worker` does. */
export function typescriptThread(entry: URL): Worker {
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(tsx), 'dist/esm/api/index.mjs')).href;
  const source = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { eval: true });
}
