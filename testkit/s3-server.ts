// A real S3 server on this machine, for tests, benches and trying a fleet: versitygw (Apache-2.0),
// an S3 gateway over a plain directory, built from the Go module proxy. Not a mock: the same
// protocol, signatures, conditional writes and multipart uploads the AWS SDK speaks to S3.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGoBinary, type GoBinary } from '../src/system/go-binary.ts';
import { freePort } from '../src/temporal/dev-server.ts';
import { type OwnedProcess, ownProcess } from './owned-process.ts';

export const VERSITYGW: GoBinary = {
  module: 'github.com/versity/versitygw/cmd/versitygw@v1.8.0',
  name: 'versitygw',
  pathVariable: 'VERSITYGW',
  buildTime: 'about 2 minutes',
};

const READY_TIMEOUT_MS = 30_000;

export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The AWS SDK's standard settings for this server (this run's own keys). */
  env: { AWS_ENDPOINT_URL: string; AWS_REGION: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  /** The directory its buckets live in. */
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts versitygw on a free port of 127.0.0.1 over `dir` (default: a temporary one, removed on stop). */
export async function startS3Server(options: { dir?: string; log?: (line: string) => void } = {}): Promise<S3Server> {
  const binary = await ensureGoBinary(VERSITYGW, options.log);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'durable-tts-s3-')));
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const keys = { AWS_ACCESS_KEY_ID: `test${randomBytes(8).toString('hex')}`, AWS_SECRET_ACCESS_KEY: randomBytes(24).toString('hex') };
  const child = spawn(binary, ['--port', `127.0.0.1:${port}`, '--health', '/health', 'posix', dir], {
    // Nothing of ours (tokens, real AWS keys) reaches it, or its messages.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ROOT_ACCESS_KEY: keys.AWS_ACCESS_KEY_ID,
      ROOT_SECRET_KEY: keys.AWS_SECRET_ACCESS_KEY,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4_000)));
  const owned = ownProcess(child, options.dir ? {} : { scratchDir: dir });
  const stop = async () => {
    await owned.stop();
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await untilListening(port, owned, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return { endpoint, env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', ...keys }, dir, process: child, stop };
}

async function untilListening(port: number, server: OwnedProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.hasExited()) throw new Error(`versitygw ended (${server.howItEnded()}):\n${stderr()}`);
    if (await healthy(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`versitygw did not answer on 127.0.0.1:${port}/health within ${READY_TIMEOUT_MS / 1000} s:\n${stderr()}`);
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
  } catch {
    return false;
  }
}
