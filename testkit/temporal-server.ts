// The real Temporal server (not the dev server), as production runs it: `go.temporal.io/server`
// built from the Go module proxy, its schema set up on PostgreSQL by its own SQL tool, a config
// file of ours, and our dynamic config (deploy/dynamicconfig.yaml, the one compose mounts).
// Used by the cluster test (`npm run test:cluster`).

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { stringify } from 'yaml';
import { ensureGoBinary, type GoBinary } from '../src/system/go-binary.ts';
import { freePort } from '../src/temporal/dev-server.ts';
import { type OwnedProcess, ownProcess } from './owned-process.ts';
import type { Postgres } from './postgres.ts';

const VERSION = 'v1.29.1';
const READY_TIMEOUT_MS = 120_000;
const NAMESPACE = 'default';
/** The dynamic config compose mounts: the cluster test runs the server with the same. */
const DEPLOY_DYNAMIC_CONFIG = fileURLToPath(new URL('../deploy/dynamicconfig.yaml', import.meta.url));

export const TEMPORAL_SERVER: GoBinary = {
  module: `go.temporal.io/server/cmd/server@${VERSION}`,
  name: 'temporal-server',
  builtName: 'server',
  pathVariable: 'TEMPORAL_SERVER',
  buildTime: 'about 4 minutes, 6 on an empty Go module cache',
};

export const TEMPORAL_SQL_TOOL: GoBinary = {
  module: `go.temporal.io/server/cmd/tools/sql@${VERSION}`,
  name: 'temporal-sql-tool',
  builtName: 'sql',
  pathVariable: 'TEMPORAL_SQL_TOOL',
  buildTime: 'about 1 minute after the server, whose modules it shares',
};

/** Both programs, built into the shared cache on first use. */
export async function ensureTemporalServerPrograms(
  log: (line: string) => void = console.error,
): Promise<{ server: string; sqlTool: string }> {
  const server = await ensureGoBinary(TEMPORAL_SERVER, log);
  const sqlTool = await ensureGoBinary(TEMPORAL_SQL_TOOL, log);
  return { server, sqlTool };
}

export interface TemporalServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  process: ChildProcess;
  /** The server's own log (JSON lines), for a failed test to show. */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Sets up the schema in `postgres` (databases `temporal` and `temporal_visibility`), starts the
 * server on free ports of 127.0.0.1, and registers the `default` namespace.
 */
export async function startTemporalServer(options: {
  postgres: Postgres;
  /** Default: deploy/dynamicconfig.yaml. */
  dynamicConfigFile?: string;
  log?: (line: string) => void;
}): Promise<TemporalServer> {
  const log = options.log ?? console.error;
  const programs = await ensureTemporalServerPrograms(log);
  await setUpSchema(programs.sqlTool, options.postgres);

  const dir = await mkdtemp(join(tmpdir(), 'durable-tts-temporal-server-'));
  const ports = await serverPorts();
  const address = `127.0.0.1:${ports.frontend}`;
  await mkdir(join(dir, 'config'));
  await writeFile(
    join(dir, 'config', 'development.yaml'),
    stringify(
      serverConfig(options.postgres, ports, options.dynamicConfigFile ? resolve(options.dynamicConfigFile) : DEPLOY_DYNAMIC_CONFIG),
    ),
  );
  const logFile = join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(programs.server, ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, // nothing of ours reaches it
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const owned = ownProcess(child, { scratchDir: dir });
  const stop = async () => {
    await owned.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await untilNamespaceServes(address, owned, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, namespace: NAMESPACE, process: child, logFile, stop };
}

/** What the admin-tools image's auto-setup does: create each database, then its versioned schema. */
async function setUpSchema(sqlTool: string, postgres: Postgres): Promise<void> {
  const connection = ['--plugin', 'postgres12', '--endpoint', postgres.host, '--port', String(postgres.port), '--user', postgres.user];
  const env = { PATH: process.env.PATH ?? '', SQL_PASSWORD: postgres.password }; // not on a command line
  const databases = [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const;
  for (const [database, schema] of databases) {
    for (const command of [['create-database'], ['setup-schema', '--version', '0.0'], ['update-schema', '--schema-name', schema]]) {
      await runTool(sqlTool, [...connection, '--database', database, ...command], env);
    }
  }
}

/** gRPC and membership for each of the four services, and HTTP. */
const PORT_NAMES = [
  'frontend',
  'http',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
] as const;
type ServerPorts = Record<(typeof PORT_NAMES)[number], number>;

function serverConfig(postgres: Postgres, ports: ServerPorts, dynamicConfigFile: string): object {
  const { frontend, http, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership } = ports;
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4, // as compose's auto-setup
      datastores: { 'postgres-default': store('temporal', 20), 'postgres-visibility': store('temporal_visibility', 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(frontend, frontendMembership, { httpPort: http }),
      history: service(history, historyMembership),
      matching: service(matching, matchingMembership),
      worker: service(worker, workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Waits for the frontend, registers the namespace, and waits until a workflow call in it succeeds. */
async function untilNamespaceServes(address: string, server: OwnedProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const failure = async (why: string) =>
    new Error(`Temporal server ${why}; the end of its log:\n${(await readFile(logFile, 'utf8')).slice(-4_000)}`);
  let connection: Connection | undefined;
  let registered = false;
  let lastError: unknown;
  try {
    for (;;) {
      if (server.hasExited()) throw await failure(`ended (${server.howItEnded()})`);
      if (Date.now() > deadline)
        throw await failure(`did not serve namespace '${NAMESPACE}' within ${READY_TIMEOUT_MS / 1000} s (last: ${String(lastError)})`);
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 1_000 });
        if (!registered) {
          await connection.workflowService
            .registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') })
            .catch((error: unknown) => {
              if (!/already exists/iu.test(String(error))) throw error;
            });
          registered = true;
        }
        await connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 1 });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((done) => setTimeout(done, 250));
      }
    }
  } finally {
    await connection?.close();
  }
}

/**
 * Distinct free ports, one per name in PORT_NAMES, all below 32768: the server stores its members'
 * ports in a PostgreSQL smallint, and the system's own picks (32768-60999) make it exit with
 * "value out of range for type smallint".
 */
async function serverPorts(): Promise<ServerPorts> {
  const ports: Partial<ServerPorts> = {};
  const taken = new Set<number>();
  for (const name of PORT_NAMES) {
    for (;;) {
      const candidate = 20_000 + Math.floor(Math.random() * 12_000);
      if (
        taken.has(candidate) ||
        !(await freePort(candidate).then(
          () => true,
          () => false,
        ))
      )
        continue;
      taken.add(candidate);
      ports[name] = candidate;
      break;
    }
  }
  return ports as ServerPorts;
}

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (data: Buffer) => (output = (output + data.toString()).slice(-4_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `temporal-sql-tool ${args
                .filter((arg) => !arg.startsWith('--'))
                .slice(-2)
                .join(' ')} exited with ${code}:\n${output}`,
            ),
          ),
    );
  });
}
