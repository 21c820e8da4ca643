// Which build of the workflow code a worker runs. Workers use Worker Versioning: each build is a
// version of one Worker Deployment, and every document is pinned to the build it started on, so a
// change to the workflow code never meets a history it did not write (no patch gates). The build id
// is a hash of the bundled workflow code: the same code is the same build on every machine, and
// any change to it (ours, or the SDK's) is a new one.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { typescriptThread } from '../system/typescript-thread.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Webpack names modules relative to its context: the checkout's root, not the working directory. */
const CHECKOUT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkflowBuild {
  /** The bundle the worker runs (Worker.create's workflowBundle). */
  code: string;
  /** sha256 of the bundle, 16 hex digits: the version's build id unless WORKER_BUILD_ID names one. */
  hash: string;
}

/**
 * The workers' webpack settings (the replay test bundles with them too). Scope hoisting: the ES
 * modules (ours, the input schema's typebox) joined into a few. Every new workflow evaluates its
 * modules again (the SDK's reused context keeps their state apart), and one by one that was most
 * of its first task: 48 -> 16-21 ms for a workflow importing the input schema, as much as one
 * importing nothing (a scratch A/B of 12 runs each). Hoisting may rename a function: a workflow is
 * registered and started by its exported name, never by a function's `.name`.
 */
export function workflowWebpackConfig<C extends { optimization?: object }>(config: C): C {
  return {
    ...config,
    context: CHECKOUT_ROOT,
    optimization: { ...config.optimization, providedExports: true, usedExports: true, concatenateModules: true },
  };
}

// Bundling takes seconds; a process that makes several workers (tests, benches) bundles once.
let bundled: Promise<WorkflowBuild> | undefined;

/** The bundle, made on a thread (here if the thread cannot run), and its hash. */
export function bundleWorkflows(): Promise<WorkflowBuild> {
  bundled ??= bundleOnThread()
    .catch((error: unknown) => {
      if (error instanceof BundlingError) throw error; // the code does not bundle: here it would not either
      console.warn(`the workflow code is bundled here: its thread could not run (${String(error)})`);
      return bundleHere();
    })
    .then((code) => ({ code, hash: createHash('sha256').update(code).digest('hex').slice(0, 16) }));
  return bundled;
}

/** The workflow code did not bundle (webpack's own message). */
export class BundlingError extends Error {
  override name = 'BundlingError';
}

/** The bundle, made in this thread. */
export async function bundleHere(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietLogger,
    webpackConfigHook: workflowWebpackConfig,
  });
  return code;
}

/**
 * On a thread of its own (workflow-bundle-thread.ts): webpack keeps some 75 MB of its compilation
 * reachable after it is done, which the worker's heap would otherwise carry (a full collection
 * marks it all again: 20-50 ms of the worker's thread each time, several times per document).
 */
function bundleOnThread(): Promise<string> {
  return new Promise((resolve, reject) => {
    const thread = typescriptThread(new URL('./workflow-bundle-thread.ts', import.meta.url));
    thread.once('message', (reply: { code: string } | { error: string }) => {
      if ('code' in reply) resolve(reply.code);
      else reject(new BundlingError(reply.error));
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (exitCode) => reject(new Error(`the bundling thread exited with ${exitCode}`)));
  });
}

const ignore = () => undefined;
/** The bundler logs its size at INFO on every start; warnings still reach the console. */
const quietLogger = { trace: ignore, debug: ignore, info: ignore, log: ignore, warn: console.warn, error: console.error };
