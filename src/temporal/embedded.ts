// The embedded default: everything a one-machine user needs, in one process. Unless TEMPORAL_ADDRESS
// names a server, a Temporal dev server of our own whose history lives in the cache directory (so a
// document interrupted by Ctrl-C or a crash resumes on the next run), a connected client, and an
// in-process worker. Used by the main job (`npm start`) and the HTTP server (`npm run serve`).
//
// This file opens and closes them. A signal only resolves `stopRequested` (stop-signals.ts says
// why); the caller then calls close(), which stops the worker (chunks in flight get a short grace,
// then are handed back to the server for a retry), closes the connections, and stops our server
// last. The history's lock is in embedded-lock.ts.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalSettings, workerSettings } from '../config/settings.ts';
import type { EngineName } from '../contract/input-schema.ts';
import { remoteEngineConfigs } from '../engines/remote-engines.ts';
import { createAudioWorker } from './audio-worker.ts';
import { ensureTemporalCli } from './cli.ts';
import { type DevServer, isServing, startDevServer } from './dev-server.ts';
import { acquireLock, EMBEDDED_LOCK_FILE, embeddedServerDir } from './embedded-lock.ts';
import { installRuntime, listenForStop } from './stop-signals.ts';

export interface Embedded {
  client: Client; // @temporalio/client, connected
  address: string;
  namespace: string;
  /** Where documents started here go (and what the in-process worker polls, if there is one). */
  taskQueue: string;
  /** When we run our own dev server. */
  uiUrl?: string;
  /** True: our dev server (TEMPORAL_ADDRESS unset). */
  ownServer: boolean;
  /**
   * True when our server's history survives this process (in the cache directory). False on a
   * shared server (its operators decide) and when another job holds the cache's history, so this
   * one runs on a temporary history that goes with it.
   */
  persistent: boolean;
  /** True when an in-process worker runs. */
  worker: boolean;
  /** The in-process worker's build (of `deploymentName`): what documents started here are pinned to. */
  buildId?: string;
  deploymentName: string;
  /** Resolves with the signal's name when SIGINT/SIGTERM arrives (after which close() is called by the caller). */
  stopRequested: Promise<string>;
  /** Rejects if the in-process worker fails before close(); never resolves. */
  workerFailed: Promise<never>;
  /** Worker first (in-flight chunks handed back), then connections, then our server. */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Start over: our server's history in the cache directory is deleted first. */
  fresh?: boolean;
  /**
   * 'always' (the main job): an in-process worker, on a shared server too. 'when-own-server' (the
   * HTTP server): a worker only on our own dev server; with TEMPORAL_ADDRESS set only a client.
   */
  worker: 'always' | 'when-own-server';
  /** The in-process worker's output directory; default AUDIO_OUTPUT_DIR. */
  outputDir?: string;
  /** The in-process worker's audiobook library (`npm start -- --library DIR`); default AUDIO_LIBRARY_DIR. */
  libraryDir?: string;
  log?: (line: string) => void;
  /** The in-process worker's engines say when they load a model, and these load theirs as it starts (the HTTP server). */
  engines?: {
    log: (line: string) => void;
    warm: EngineName[];
    /** Kokoro's sessions and their threads unless KOKORO_THREADS or KOKORO_SESSION_THREADS says (the server's: latencyFirstKokoro). */
    kokoro?: { threads: number; intraOpThreads: number };
  };
  /**
   * Default: TEMPORAL_TASK_QUEUE, or with worker 'always' on a shared server a random private
   * queue (so that our worker runs our documents only). Pass a stable name to find the same queue
   * on the next run.
   */
  taskQueue?: string;
}

export { embeddedServerDir } from './embedded-lock.ts';

const DB_FILE = 'history.sqlite';

/** The shell line that points `npm run client` (in another shell) at this server, e.g. `export TEMPORAL_ADDRESS=127.0.0.1:41234`. */
export function clientExportLine({ address, namespace }: Pick<Embedded, 'address' | 'namespace'>): string {
  return `export TEMPORAL_ADDRESS=${address}${namespace === 'default' ? '' : ` TEMPORAL_NAMESPACE=${namespace}`}`;
}

/**
 * Chunks in flight when the user stops the job get this long to finish before they are cancelled
 * and handed back (the next run retries them; a Replicate prediction is resumed, not paid twice).
 * WORKER_SHUTDOWN_GRACE_SECONDS, when set, wins.
 */
const EMBEDDED_SHUTDOWN_GRACE_MS = 3_000;

export async function openEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const log = options.log ?? ((line: string) => console.error(line));
  installRuntime();
  const stop = listenForStop(log);
  // What is open so far, closed in reverse order: worker, connections, server, lock.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (let closer = closers.pop(); closer; closer = closers.pop()) {
      await closer().catch((error: unknown) => log(`while stopping: ${error instanceof Error ? error.message : error}`));
    }
  };
  try {
    const temporal = temporalSettings();
    let server: DevServer | undefined;
    let persistent = false;
    if (!temporal.address) {
      const own = await startOwnServer(options.fresh === true, log);
      closers.push(own.close);
      server = own.server;
      persistent = own.persistent;
    } else if (!(await isServing(temporal.address, temporal.namespace))) {
      throw new Error(`No Temporal server answers at TEMPORAL_ADDRESS=${temporal.address} (namespace ${temporal.namespace})`);
    }
    const address = server?.address ?? temporal.address!;
    const withWorker = options.worker === 'always' || server !== undefined;
    const taskQueue =
      options.taskQueue ??
      (server || !withWorker ? temporal.taskQueue : `${temporal.taskQueue}-main-${Math.random().toString(36).slice(2, 10)}`);

    const clientConnection = await Connection.connect({ address });
    closers.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection, namespace: temporal.namespace });

    let workerFailed = new Promise<never>(() => undefined);
    let buildId: string | undefined;
    if (withWorker) {
      const running = await startWorker(
        address,
        temporal.namespace,
        temporal.deploymentName,
        taskQueue,
        server !== undefined,
        { outputDir: options.outputDir, libraryDir: options.libraryDir },
        options.engines,
      );
      closers.push(running.close);
      workerFailed = running.failed;
      buildId = running.buildId;
    }
    return {
      client,
      address,
      namespace: temporal.namespace,
      taskQueue,
      ...(server?.uiUrl ? { uiUrl: server.uiUrl } : {}),
      ownServer: server !== undefined,
      persistent,
      worker: withWorker,
      ...(buildId ? { buildId } : {}),
      deploymentName: temporal.deploymentName,
      stopRequested: stop.requested,
      workerFailed,
      async close() {
        await closeAll();
        stop.remove();
      },
    };
  } catch (error) {
    await closeAll();
    stop.remove();
    if (stop.signal) throw new Error(`stopped by ${stop.signal} while starting`);
    throw error;
  }
}

/**
 * On our own server the worker makes its build current (the API's documents start on it), even while
 * documents of an older build wait on their own main-job queues. On a shared server it promotes
 * nothing: the fleet's current build is its operators' choice, and the main job pins its document
 * to this worker's build when it starts it.
 */
async function startWorker(
  address: string,
  namespace: string,
  deploymentName: string,
  taskQueue: string,
  ownServer: boolean,
  folders: Pick<EmbeddedOptions, 'outputDir' | 'libraryDir'>,
  engines?: EmbeddedOptions['engines'],
) {
  const settings = workerSettings();
  const remote = remoteEngineConfigs();
  const connection = await NativeConnection.connect({ address });
  try {
    const audioWorker = await createAudioWorker({
      connection,
      namespace,
      deploymentName,
      taskQueue,
      ...settings,
      shutdownGraceMs: process.env.WORKER_SHUTDOWN_GRACE_SECONDS ? settings.shutdownGraceMs : EMBEDDED_SHUTDOWN_GRACE_MS,
      promote: ownServer,
      ignoreMissingTaskQueues: true,
      outputDir: folders.outputDir ?? settings.outputDir,
      ...(folders.libraryDir ? { libraryDir: folders.libraryDir } : {}),
      ...remote,
      ...(engines ? { engineLog: engines.log, warmEngines: engines.warm } : {}),
      // The caller's Kokoro layout, unless the person running it chose one.
      ...(engines?.kokoro && settings.kokoroThreads === undefined && settings.kokoroSessionThreads === undefined
        ? { kokoroThreads: engines.kokoro.threads, kokoroSessionThreads: engines.kokoro.intraOpThreads }
        : {}),
    });
    let closing = false;
    const running = audioWorker.run();
    const failed = running.then(
      () => (closing ? new Promise<never>(() => undefined) : Promise.reject(new Error('the in-process worker stopped'))),
      (error: unknown) => Promise.reject(error),
    );
    failed.catch(() => undefined); // the caller may not race it
    return {
      failed,
      buildId: audioWorker.version.buildId,
      async close() {
        closing = true;
        audioWorker.shutdown();
        await running.catch(() => undefined); // its failure was reported through `failed`
        await audioWorker.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

// --- Our own dev server ---

interface OwnServer {
  server: DevServer;
  persistent: boolean;
  close(): Promise<void>;
}

/**
 * A persisted history can be used by one dev server at a time, so it has a lock (embedded-lock.ts:
 * `lock.json` in its directory, holding the pid of the job that uses it). A second job
 * started meanwhile does not attach to the first one's server (the first may end, and take the
 * server with it, while the second still runs): it runs its own server on a temporary history,
 * removed when it ends, and says so. That is the simplest thing that cannot go wrong: the jobs never
 * share anything but the chunk store, whose writes are atomic.
 */
async function startOwnServer(fresh: boolean, log: (line: string) => void): Promise<OwnServer> {
  const cliPath = await ensureTemporalCli(log);
  const dir = embeddedServerDir();
  await mkdir(dir, { recursive: true });
  const dbFile = join(dir, DB_FILE);
  const lock = await acquireLock(join(dir, EMBEDDED_LOCK_FILE), dbFile, log);
  if ('heldBy' in lock) {
    const server = await startDevServer({ cliPath, ui: true });
    log(
      `Another job (pid ${lock.heldBy}) is using the server history in ${dir}; this one runs on a temporary history, ` +
        'removed when it ends (a Ctrl-C here cannot be resumed)',
    );
    if (fresh) log('--fresh has no effect: the kept history belongs to that job now');
    log(`Temporal dev server at ${server.address}, UI at ${server.uiUrl}`);
    return { server, persistent: false, close: () => server.stop() };
  }
  try {
    if (fresh) {
      await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(dbFile + suffix, { force: true })));
      log('--fresh: starting over with an empty server history');
    }
    const server = await startDevServer({ cliPath, ui: true, dataDir: dir, dbFileName: DB_FILE });
    await lock.recordServer(server.process.pid!, server.address);
    log(`Temporal dev server at ${server.address}, UI at ${server.uiUrl} (history in ${dbFile})`);
    return {
      server,
      persistent: true,
      async close() {
        await server.stop();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
