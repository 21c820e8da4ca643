// A rate-limited provider: the fake Replicate at R creates/minute with a burst of 1, and workers
// told the same limit. The bound is (N-1)/R + L: the first create at once, then one every 60/R s.

import { type ReplicateConfig, replicateConfig } from '../../src/engines/replicate/replicate-config.ts';
import { startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { type Bench, paragraphs } from './harness.ts';

export interface RateLimitResult {
  chunks: number;
  perMinute: number;
  latencyMs: number;
  seconds: number;
  boundSec: number;
  /** measured / bound */
  ratio: number;
  throttled: number;
}

export async function rateLimitedProvider(bench: Bench, chunks: number, perMinute: number, latencyMs: number): Promise<RateLimitResult> {
  const token = 'r8_bench_token';
  const fake = await startFakeReplicate({ token, latencyMs, rateLimit: { perMinute, burst: 1 } });
  try {
    const replicate = replicateConfig({
      REPLICATE_API_TOKEN: token,
      REPLICATE_BASE_URL: fake.url,
      REPLICATE_RATE_LIMIT_PER_MINUTE: String(perMinute),
      REPLICATE_POLL_INTERVAL_MS: '100',
    }) as ReplicateConfig;
    const { seconds } = await bench.run({ text: paragraphs(chunks, 'rate-limit'), engine: 'replicate', concurrency: 5 }, { replicate });
    const boundSec = ((chunks - 1) * 60) / perMinute + latencyMs / 1000;
    return {
      chunks,
      perMinute,
      latencyMs,
      seconds,
      boundSec,
      ratio: seconds / boundSec,
      throttled: fake.stats.creates.filter((c) => c.status === 429).length,
    };
  } finally {
    await fake.close();
  }
}
