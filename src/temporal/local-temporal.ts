// A dev server of our own with a client and a worker connection, plus a scratch directory that
// goes with it. Used by the tests, the benchmarks and the history recorder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureTemporalCli } from './cli.ts';
import { type DevServer, type DevServerOptions, startDevServer } from './dev-server.ts';

/** What a caller needs of a running server: the dev server, or the real one (testkit/temporal-cluster.ts). */
export type RunningServer = Pick<DevServer, 'address' | 'namespace' | 'process' | 'stop'>;

export interface LocalTemporal<Server extends RunningServer = DevServer> {
  server: Server;
  client: Client;
  workerConnection: NativeConnection;
  /** A scratch directory (the server's data is in `temporal/` inside it), removed at teardown. */
  dir: string;
  teardown(): Promise<void>;
}

export async function startLocalTemporal(prefix: string, tuning: DevServerOptions['tuning'] = 'ours'): Promise<LocalTemporal> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startDevServer({ cliPath: await ensureTemporalCli(), dataDir: join(dir, 'temporal'), tuning });
  return connectToServer(server, dir);
}

/** A client and a worker connection to `server`; teardown closes them, stops it (and `alsoStop`), then removes `dir`. */
export async function connectToServer<Server extends RunningServer>(
  server: Server,
  dir: string,
  alsoStop: () => Promise<void> = async () => {},
): Promise<LocalTemporal<Server>> {
  const clientConnection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address }).catch(async (error: unknown) => {
    await clientConnection.close();
    throw error;
  });
  return {
    server,
    client: new Client({ connection: clientConnection, namespace: server.namespace }),
    workerConnection,
    dir,
    async teardown() {
      await clientConnection.close();
      await workerConnection.close();
      await server.stop();
      await alsoStop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
