// `npm run fake-replicate`: a local stand-in for Replicate's API, for demos without a network.
// Prints the environment a worker or `npm start` needs to use it. Options via env:
//   FAKE_REPLICATE_PORT (default 8787), FAKE_REPLICATE_LATENCY_MS (default 1200),
//   FAKE_REPLICATE_RATE_PER_MINUTE / FAKE_REPLICATE_BURST, FAKE_REPLICATE_FORMAT (wav|mp3),
//   FAKE_REPLICATE_SAMPLE_RATE (24000), FAKE_REPLICATE_CHANNELS (1|2), FAKE_REPLICATE_FAILURE_RATE.

import { randomBytes } from 'node:crypto';
import { startFakeReplicate } from './fake-replicate/fake-replicate-server.ts';

const env = process.env;
const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const token = env.FAKE_REPLICATE_TOKEN ?? `r8_fake_${randomBytes(12).toString('hex')}`;
const perMinute = number('FAKE_REPLICATE_RATE_PER_MINUTE', 0);
const fake = await startFakeReplicate({
  token,
  port: number('FAKE_REPLICATE_PORT', 8787),
  latencyMs: number('FAKE_REPLICATE_LATENCY_MS', 1_200),
  jitterMs: number('FAKE_REPLICATE_JITTER_MS', 300),
  predictionFailureRate: number('FAKE_REPLICATE_FAILURE_RATE', 0),
  ...(perMinute > 0 ? { rateLimit: { perMinute, burst: number('FAKE_REPLICATE_BURST', 1) } } : {}),
  output: {
    format: env.FAKE_REPLICATE_FORMAT === 'mp3' ? 'mp3' : 'wav',
    sampleRate: number('FAKE_REPLICATE_SAMPLE_RATE', 24_000),
    channels: env.FAKE_REPLICATE_CHANNELS === '2' ? 2 : 1,
  },
});
console.log(`Fake Replicate listening at ${fake.url}. Use it with:\n`);
console.log(`  export REPLICATE_API_TOKEN=${token} REPLICATE_BASE_URL=${fake.url} REPLICATE_MODEL=jaaari/kokoro-82m\n`);
setInterval(() => {
  const s = fake.stats;
  const throttled = s.creates.filter((c) => c.status === 429).length;
  process.stdout.write(`\rcreates ${s.creates.length} (429: ${throttled}), in flight ${s.inFlight}, max in flight ${s.maxInFlight}   `);
}, 1_000).unref();
process.once('SIGINT', () => void fake.close().then(() => process.exit(0)));
