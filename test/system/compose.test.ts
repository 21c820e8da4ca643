// docker-compose.yml, validated by Debian's docker-compose (`config -q`, no daemon needed) with the
// settings of .env.example, and held to the shape the fleet tests run: workers that share no volume
// (nothing but Temporal and S3), health checks, and time for chunks in flight to finish.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { onPath } from '../../testkit/debian-packages.ts';

const run = promisify(execFile);

interface Service {
  environment?: Record<string, string>;
  volumes?: unknown[];
  healthcheck?: { test: unknown };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

/** .env.example's assignments (comments skipped), its empty secrets filled in as a user would. */
async function exampleEnv(): Promise<Record<string, string>> {
  const lines = (await readFile('.env.example', 'utf8')).split('\n').filter((line) => /^[A-Z_]+=/u.test(line));
  return Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf('=')),
      line.slice(line.indexOf('=') + 1) || `filled-${line.slice(0, line.indexOf('='))}`,
    ]),
  );
}

async function composeConfig(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const compose = onPath('docker-compose');
  if (!compose)
    throw new Error('docker-compose not found: run `node --import tsx testkit/ensure-test-tools.ts` (npm run test:system does)');
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('AUDIO_')),
  ) as NodeJS.ProcessEnv;
  // An empty env file: a developer's own .env must not decide the outcome.
  const dir = await mkdtemp(join(tmpdir(), 'compose-'));
  try {
    await writeFile(join(dir, 'empty.env'), '');
    return await run(compose, ['-f', 'docker-compose.yml', '--env-file', join(dir, 'empty.env'), 'config', ...(env.QUIET ? ['-q'] : [])], {
      env: { ...clean, ...env },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('docker-compose.yml', () => {
  it('is valid with the settings of .env.example', async () => {
    const { stdout, stderr } = await composeConfig({ ...(await exampleEnv()), QUIET: '1' });
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/error|invalid/iu);
  });

  it('refuses to start with the secrets .env.example leaves empty', async () => {
    const env = await exampleEnv();
    for (const secret of ['API_TOKEN', 'POSTGRES_PASSWORD', 'AWS_SECRET_ACCESS_KEY']) {
      await expect(composeConfig({ ...env, [secret]: '', QUIET: '1' }), secret).rejects.toThrow(new RegExp(secret, 'u'));
    }
  });

  it('runs workers that share no volume, on S3 and Postgres-backed Temporal, with health checks and a grace period', async () => {
    const { services } = parse((await composeConfig(await exampleEnv())).stdout) as { services: Record<string, Service> };
    expect(Object.keys(services).sort()).toEqual(['api', 'postgresql', 's3', 'temporal', 'temporal-ui', 'worker']);
    const worker = services.worker!;
    expect(worker.volumes ?? []).toEqual([]);
    expect(worker.environment).toMatchObject({
      AUDIO_BLOB_URL: 's3://audio/chunks',
      AUDIO_OUTPUT_URL: 's3://audio/documents',
      TEMPORAL_ADDRESS: 'temporal:7233',
    });
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    for (const name of ['postgresql', 'temporal', 's3', 'worker', 'api']) expect(services[name]!.healthcheck, name).toBeDefined();
    // The worker's grace (chunks in flight finish) fits inside the time compose gives it before SIGKILL.
    const seconds = (value: string) => Number(/^(\d+)s$/u.exec(value)![1]);
    expect(seconds(worker.stop_grace_period!)).toBeGreaterThan(Number(worker.environment!.WORKER_SHUTDOWN_GRACE_SECONDS));
    expect(worker.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' }, s3: { condition: 'service_healthy' } });
  });
});
