// The real Temporal server on a private PostgreSQL, with a client, a worker connection and a scratch
// directory: what the cluster test and the fleet bench run against. The dev server's counterpart is
// src/temporal/local-temporal.ts.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectToServer, type LocalTemporal } from '../src/temporal/local-temporal.ts';
import { type Postgres, startPostgres } from './postgres.ts';
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
  try {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    return { postgres, ...(await connectToServer(server, dir, () => postgres.stop())) };
  } catch (error) {
    await server.stop();
    await postgres.stop();
    throw error;
  }
}
