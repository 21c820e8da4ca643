// A private PostgreSQL server for the production-shaped cluster test: Debian's own package (apt,
// once), a fresh data directory of its own, listening on a free port of 127.0.0.1 only, with a
// password of this run. Nothing of the machine's own PostgreSQL (its clusters, its port) is touched.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../src/temporal/dev-server.ts';
import { aptInstall, isExecutable, onPath } from './debian-packages.ts';
import { ownProcess } from './owned-process.ts';

const READY_TIMEOUT_MS = 60_000;
/** Debian keeps the server's programs off the PATH, one folder per major version. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

export interface Postgres {
  host: '127.0.0.1';
  port: number;
  /** A superuser, the owner of everything in this server. */
  user: string;
  password: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The folder with `initdb` and `postgres`: Debian's newest, else the PATH's, else apt installs it. */
export function ensurePostgresPrograms(log: (line: string) => void = console.error): string {
  const found = findPostgresPrograms();
  if (found) return found;
  log("PostgreSQL not found; installing Debian's postgresql (once):");
  aptInstall(['postgresql'], log);
  const installed = findPostgresPrograms();
  if (!installed) throw new Error(`apt-get installed postgresql, but there is no initdb in ${DEBIAN_POSTGRES_ROOT}/*/bin`);
  return installed;
}

function findPostgresPrograms(): string | undefined {
  const majors = existsSync(DEBIAN_POSTGRES_ROOT) ? readdirSync(DEBIAN_POSTGRES_ROOT).filter((name) => /^\d+$/u.test(name)) : [];
  for (const major of majors.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(DEBIAN_POSTGRES_ROOT, major, 'bin');
    if (isExecutable(join(bin, 'initdb')) && isExecutable(join(bin, 'postgres'))) return bin;
  }
  const initdb = onPath('initdb');
  return initdb ? dirname(realpathSync(initdb)) : undefined;
}

/** Starts a new PostgreSQL in a temporary directory (removed on stop). */
export async function startPostgres(options: { user?: string; log?: (line: string) => void } = {}): Promise<Postgres> {
  const bin = ensurePostgresPrograms(options.log);
  const owner = serverOwner();
  const dir = await mkdtemp(join(tmpdir(), 'durable-tts-postgres-'));
  const user = options.user ?? 'temporal';
  const password = randomBytes(18).toString('hex');
  const stop = { current: async () => void (await rm(dir, { recursive: true, force: true })) };
  try {
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, password, { mode: 0o600 });
    if (owner) await Promise.all([chown(dir, owner.uid, owner.gid), chown(passwordFile, owner.uid, owner.gid)]);
    const data = join(dir, 'data');
    // Passwords on every connection, local or not; --no-sync because the directory is thrown away.
    const initdb = spawnSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        ...owner,
        cwd: dir, // a directory it may read (as the postgres user, not our working directory)
        env: { PATH: process.env.PATH ?? '', LANG: 'C' },
        encoding: 'utf8',
      },
    );
    if (initdb.status !== 0)
      throw new Error(`initdb failed (${initdb.error?.message ?? `exit ${initdb.status}`}):\n${initdb.stderr}${initdb.stdout}`);
    await rm(passwordFile);

    const port = await freePort();
    // TCP on loopback only, no Unix socket; room for the connection pools of four Temporal services.
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
      {
        ...owner,
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', LANG: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    const owned = ownProcess(child, { signal: 'SIGINT', scratchDir: dir }); // SIGINT: "fast" shutdown, ends sessions, then exits cleanly
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`PostgreSQL did not get ready within ${READY_TIMEOUT_MS / 1000} s:\n${log}`)),
        READY_TIMEOUT_MS,
      );
      child.stderr!.on('data', (data: Buffer) => {
        log = (log + data.toString()).slice(-8_000);
        if (log.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void owned.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited before it was ready:\n${log}`));
      });
    });
    stop.current = async () => {
      await owned.stop();
      await rm(dir, { recursive: true, force: true });
    };
    await ready;
    return { host: '127.0.0.1', port, user, password, process: child, stop: () => stop.current() };
  } catch (error) {
    await stop.current();
    throw error;
  }
}

/** PostgreSQL refuses to run as root: as root we run it as Debian's `postgres` user. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error("running as root, and there is no 'postgres' user to run PostgreSQL as (Debian's postgresql package creates it)");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
