// When no Temporal server answers the client: a closed port is told apart from an open one, and the
// message names the embedded server a live job records in its lock file (a dead job's is not named).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noServerAnswers, refusesConnections } from '../../src/client/unanswered-address.ts';
import { EMBEDDED_LOCK_FILE, embeddedServerDir } from '../../src/temporal/embedded-lock.ts';

let dir: string;
let listening: Server;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unanswered-'));
  listening = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  port = (listening.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => listening.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** A port nothing listens on: one the system gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function cacheWithLock(name: string, holder: object): Promise<NodeJS.ProcessEnv> {
  const env = { DURABLE_TTS_CACHE: join(dir, name) };
  await mkdir(embeddedServerDir(env), { recursive: true });
  await writeFile(join(embeddedServerDir(env), EMBEDDED_LOCK_FILE), JSON.stringify(holder));
  return env;
}

describe('a client that finds no server', () => {
  it('tells a refused port from one that listens', async () => {
    expect(await refusesConnections(`127.0.0.1:${await closedPort()}`, 0)).toBe(true);
    expect(await refusesConnections(`127.0.0.1:${port}`, 0)).toBe(false);
    expect(await refusesConnections('no-port-here', 0)).toBe(false); // left to the SDK, which says what is wrong
  });

  it("names the embedded server a live job's lock records, with the line that points the client at it", async () => {
    const env = await cacheWithLock('live', { pid: process.pid, serverPid: process.pid, address: '127.0.0.1:45678' });
    const message = await noServerAnswers('127.0.0.1:7233', true, 'connection refused', env);
    expect(message).toBe(
      'No Temporal server answers at 127.0.0.1:7233 (TEMPORAL_ADDRESS is unset: the default): connection refused\n' +
        `The embedded server of npm start / npm run serve (pid ${process.pid}) runs at 127.0.0.1:45678; to use it, run\n` +
        '  export TEMPORAL_ADDRESS=127.0.0.1:45678\n' +
        'and try again',
    );
  });

  it('names nothing when there is no lock, or its job is gone, or it is the address tried', async () => {
    const tried = 'No Temporal server answers at 127.0.0.1:7233: connection refused';
    expect(await noServerAnswers('127.0.0.1:7233', false, 'connection refused', { DURABLE_TTS_CACHE: join(dir, 'none') })).toBe(tried);
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const stale = await cacheWithLock('stale', { pid: dead.pid, serverPid: dead.pid, address: '127.0.0.1:45678' });
    expect(await noServerAnswers('127.0.0.1:7233', false, 'connection refused', stale)).toBe(tried);
    const same = await cacheWithLock('same', { pid: process.pid, serverPid: process.pid, address: '127.0.0.1:7233' });
    expect(await noServerAnswers('127.0.0.1:7233', false, 'connection refused', same)).toBe(tried);
  });
});
