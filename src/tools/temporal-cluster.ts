// The real Temporal server on a private PostgreSQL, with a client, a worker connection and a scratch
// directory: what the cluster test and the fleet bench run against. The dev server's counterpart is
// src/temporal/local-temporal.ts.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { LocalTemporal } from '../temporal/local-temporal.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { startTemporalServer, type TemporalServer } from './temporal-server.ts';

export interface TemporalCluster extends LocalTemporal<TemporalServer> {
  postgres: Postgres;
}

export async function startTemporalCluster(prefix = 'durable-tts-cluster-'): Promise<TemporalCluster> {
  const postgres = await startPostgres();
  const server = await startTemporalServer({ postgres }).catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const clientConnection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  return {
    postgres,
    server,
    client: new Client({ connection: clientConnection, namespace: server.namespace }),
    workerConnection,
    dir,
    async teardown() {
      await clientConnection.close();
      await workerConnection.close();
      await server.stop();
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
