// A worker process with WORKER_METRICS_PORT: its /metrics, scraped while a Replicate document runs
// into 429s (our fake Replicate allows 6/min, the worker believes 60/min) and after it, shows the
// SDK's own metrics and ours, with counts that match the document and the fake's log.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import { freePort } from '../../src/temporal/dev-server.ts';
import { type FakeReplicate, startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { sleep } from '../helpers/async.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';
import { killWorkerProcesses, startWorkerProcess, workerProcessEnv } from '../helpers/worker-process.ts';

const TOKEN = 'r8_SECRET_metrics_token_51c2';
let temporal: TestTemporal;
let fake: FakeReplicate;

beforeAll(async () => {
  [temporal, fake] = await Promise.all([
    startTestTemporal(),
    startFakeReplicate({ token: TOKEN, latencyMs: 200, rateLimit: { perMinute: 6, burst: 1 } }),
  ]);
});

afterAll(async () => {
  killWorkerProcesses();
  await fake?.close();
  await temporal?.teardown();
});

/** Prometheus text: the value of `name` with every given label, summed over the rest. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

it("exposes the SDK's metrics and ours: chunks, characters, provider seconds, failed attempts and 429s, stitch bytes", async () => {
  const port = await freePort();
  const taskQueue = uniqueTaskQueue('metrics');
  const worker = await startWorkerProcess(
    workerProcessEnv(temporal, taskQueue, {
      WORKER_METRICS_PORT: String(port),
      REPLICATE_API_TOKEN: TOKEN,
      REPLICATE_BASE_URL: fake.url,
      REPLICATE_POLL_INTERVAL_MS: '100',
      REPLICATE_RATE_LIMIT_PER_MINUTE: '60',
    }),
  );
  expect(worker.output()).toContain(`metrics on http://127.0.0.1:${port}/metrics`);
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  const texts = ['The first measured chunk.', 'The second one.', 'And the third, the last.'];
  const handle = await temporal.client.workflow.start('audioDocument', {
    args: [{ text: texts.join('\n\n'), engine: 'replicate', concurrency: 3 }],
    taskQueue,
    workflowId: uniqueTaskQueue('metrics-doc'),
  });
  // While it runs: the first 429 is counted before the document ends (the provider holds the rest back).
  let during = await scrape();
  while (metric(during, 'tts_rate_limited_total') === 0) {
    await sleep(100);
    during = await scrape();
  }
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(metric(during, 'temporal_worker_task_slots_available')).toBeGreaterThan(0);

  const result = (await handle.result()) as AudioDocumentResult;
  const throttled = fake.stats.creates.filter((create) => create.status === 429).length;
  let after = await scrape();
  while (metric(after, 'tts_stitch_bytes_total') === 0) {
    await sleep(100); // the exporter publishes on its own schedule
    after = await scrape();
  }
  expect(metric(after, 'tts_chunks_synthesized_total', { engine: 'replicate' })).toBe(3);
  expect(metric(after, 'tts_chunks_reused_total')).toBe(0);
  expect(metric(after, 'tts_characters_synthesized_total')).toBe(result.characters);
  expect(metric(after, 'tts_provider_predict_seconds_sum')).toBeCloseTo(result.predictTimeSec!, 3);
  expect(metric(after, 'tts_provider_predict_seconds_count')).toBe(3);
  expect(metric(after, 'tts_rate_limited_total')).toBe(throttled);
  expect(metric(after, 'tts_attempts_failed_total', { type: 'RateLimited' })).toBe(throttled);
  expect(metric(after, 'tts_attempts_failed_total')).toBe(result.failedAttempts);
  expect(metric(after, 'tts_stitch_bytes_total', { format: 'wav' })).toBeGreaterThanOrEqual(result.bytes);
  expect(metric(after, 'tts_stitch_seconds_count')).toBe(1);
  expect(after).not.toContain(TOKEN);
}, 180_000);
