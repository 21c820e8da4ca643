// Starts `temporal server start-dev` on 127.0.0.1 with a SQLite file, waits until it answers,
// and stops it cleanly. Used by the main job, the tests and the benchmarks.

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from './search-attributes.ts';

export interface DevServerOptions {
  cliPath: string;
  /**
   * Holds the SQLite file; the same directory and port reopen the same history. Default: a
   * temporary directory that stop() removes.
   */
  dataDir?: string;
  /** The SQLite file's name inside `dataDir`; default `dev-server-<port>.sqlite`. */
  dbFileName?: string;
  /**
   * gRPC port; default: a free port the OS picks. Not 7233 "when free": two jobs starting at once
   * could both see it free, and the loser would take the winner's server for its own.
   */
  port?: number;
  /** Serve the web UI (on `uiPort`, default a free port). */
  ui?: boolean;
  uiPort?: number;
  /** Extra `--dynamic-config-value KEY=JSON` settings. */
  dynamicConfig?: Record<string, unknown>;
  /**
   * 'ours' (default): DEV_SERVER_DYNAMIC_CONFIG and SQLite in WAL mode. 'stock': a plain in-memory `start-dev` with only
   * STOCK_DEV_SERVER_DYNAMIC_CONFIG (and our search attributes registered), to measure what a user's own dev server gives.
   */
  tuning?: 'ours' | 'stock';
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The SQLite file; ':memory:' with `tuning: 'stock'`. */
  dbFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Our tuning of the dev server. Its default (20 polls/s of the transfer queue) puts a ~100 ms floor
 * under every activity of a sequential chain; at 2,000 the same chain measured 27-28 ms per activity.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'history.transferProcessorMaxPollRPS': 2000,
  'system.enableActivityEagerExecution': true,
  // One partition per task queue: on a single node more buy nothing, and a queue's rate limit
  // (the provider's limit on the Replicate queue) is otherwise split and applied unevenly.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // Tenants' chunks (the `tenant` input field, their fairness key) are dispatched in turn.
  'matching.enableFairness': true,
  // The main job gives each document a task queue of its own, and every queue a build polls joins
  // its deployment version: the default (100 per version, 1,000 per deployment) would stop the
  // embedded server, whose history is kept, after a hundred documents of one build.
  'matching.maxTaskQueuesInDeploymentVersion': 100_000,
  'matching.maxTaskQueuesInDeployment': 100_000,
};

/** The one setting a stock server keeps (the benchmarks' "stock" dev server): without it every activity waits ~100 ms. */
export const STOCK_DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = { 'history.transferProcessorMaxPollRPS': 2000 };

/**
 * SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit: each workflow
 * step is a few commits, and this took a sequential chain of activities from ~25 to ~18 ms per
 * activity here. A crashed or killed server loses nothing (the log is in the OS's hands; the
 * server-restart tests SIGKILL it); only a power cut can drop the last commits.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The server process ended before it answered (e.g. a port it opens beside the frontend's was taken). */
class DevServerExitedError extends Error {}

/**
 * Starts a dev server. Two started at once can clash on a port one of them opens beside the
 * frontend's (a free port is only free until someone takes it): a server that exits while starting
 * is started again, on other free ports, unless its port was asked for.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !(error instanceof DevServerExitedError)) throw error;
    }
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const ownDataDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'durable-tts-dev-server-')) : undefined;
  const dataDir = resolve(options.dataDir ?? ownDataDir!);
  await mkdir(dataDir, { recursive: true });
  const removeOwnDataDir = async () => {
    if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
  };
  const stock = options.tuning === 'stock';
  const dbFile = stock ? ':memory:' : join(dataDir, options.dbFileName ?? `dev-server-${port}.sqlite`);
  const dynamicConfig = { ...(stock ? STOCK_DEV_SERVER_DYNAMIC_CONFIG : DEV_SERVER_DYNAMIC_CONFIG), ...options.dynamicConfig };
  const storage = stock ? [] : ['--db-filename', dbFile, ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma])];
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...storage,
    '--log-level',
    'error',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    ...devServerSearchAttributeFlags(),
  ];
  // In a process group of its own: the terminal's Ctrl-C goes to every process of the foreground
  // group, and the server must outlive our worker (which still reports to it while it stops).
  // Only stop() ends it, or the SIGKILL below if this process exits without calling stop().
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4_000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const killOnExit = () => {
    child.kill('SIGKILL');
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, exited, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    await exited;
    await removeOwnDataDir();
    throw error;
  }
  return {
    address,
    namespace: 'default',
    ...(uiPort ? { uiUrl: `http://127.0.0.1:${uiPort}` } : {}),
    dbFile,
    process: child,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await removeOwnDataDir();
    },
  };
}

/** A port of 127.0.0.1 nothing listens on: the system's pick, or `port` if it is free (else rejects). */
export async function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when a Temporal frontend answers at `address`. */
export async function isServing(address: string, namespace = 'default'): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

async function waitUntilServing(address: string, exited: Promise<number | null>, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new DevServerExitedError(`temporal dev server exited with ${exitCode}:\n${stderr()}`);
    if (await isServing(address)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`temporal dev server at ${address} did not answer within ${READY_TIMEOUT_MS / 1000}s:\n${stderr()}`);
}
