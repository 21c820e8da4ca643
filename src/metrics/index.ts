// Metrics for Prometheus: the Temporal SDK's own (task slots, latencies, polls, failures) and ours
// (chunks made and reused, failed attempts by type, 429s, provider seconds and characters, stitch
// bytes and seconds), all from one `/metrics` endpoint: the SDK runtime's Prometheus exporter.
// Ours are recorded through the SDK's metric meter, so they need no second server, and an activity
// run without a runtime exporter (tests, the main job) records into a no-op meter.

import { Context } from '@temporalio/activity';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';

/**
 * WORKER_METRICS_PORT: `9464` (on 127.0.0.1) or `host:port` (`0.0.0.0:9464` in a container). Must
 * run before anything else creates the SDK's runtime (a connection, a worker).
 */
export function installMetricsExporter(setting: string | undefined): string | undefined {
  if (!setting) return undefined;
  const bindAddress = /^\d+$/u.test(setting) ? `127.0.0.1:${setting}` : setting;
  if (!/^[\w.:[\]-]+:\d+$/u.test(bindAddress)) throw new Error(`WORKER_METRICS_PORT must be a port or host:port, got "${setting}"`);
  const telemetryOptions: TelemetryOptions = {
    metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } },
  };
  Runtime.install({ telemetryOptions });
  return bindAddress;
}

/** What one chunk's activity did, counted where the activity runs (labelled with its engine). */
export function recordChunk(engine: string, outcome: { reused: boolean; characters: number; predictTimeSec?: number }): void {
  const meter = Context.current().metricMeter.withTags({ engine });
  if (outcome.reused) {
    meter.createCounter('tts_chunks_reused', 'chunks', 'Chunks whose audio was already stored').add(1);
    return;
  }
  meter.createCounter('tts_chunks_synthesized', 'chunks', 'Chunks the engine spoke').add(1);
  meter.createCounter('tts_characters_synthesized', 'characters', 'Characters sent to the engine').add(outcome.characters);
  if (outcome.predictTimeSec !== undefined) {
    // A histogram: counters are whole numbers, and a chunk's seconds are not.
    meter
      .createHistogram(
        'tts_provider_predict_seconds',
        'float',
        'seconds',
        "The provider's billed hardware time per chunk (Replicate's predict_time)",
      )
      .record(outcome.predictTimeSec);
  }
}

/** A chunk heard back (`verify`): whether its words matched its text closely enough. */
export function recordHearing(passed: boolean): void {
  const meter = Context.current().metricMeter.withTags({ outcome: passed ? 'passed' : 'failed' });
  meter.createCounter('tts_chunks_heard', 'chunks', 'Chunk takes heard back by the recognizer, by outcome').add(1);
}

/** A chunk attempt that failed, by Temporal failure type (RateLimited is a 429). */
export function recordFailedAttempt(engine: string, type: string): void {
  const meter = Context.current().metricMeter.withTags({ engine, type });
  meter.createCounter('tts_attempts_failed', 'attempts', 'Chunk attempts that failed, by error type').add(1);
  if (type === 'RateLimited') meter.createCounter('tts_rate_limited', 'responses', '429 answers from the provider').add(1);
}

/** A document stitched: its bytes written and the seconds it took. */
export function recordStitch(format: string, bytes: number, seconds: number): void {
  const meter = Context.current().metricMeter.withTags({ format });
  meter.createCounter('tts_stitch_bytes', 'bytes', 'Bytes of finished documents written').add(bytes);
  meter.createHistogram('tts_stitch_seconds', 'float', 'seconds', 'How long stitching a document took').record(seconds);
}
