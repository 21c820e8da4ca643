// The progress ETA: characters left at the pace of the latest chunks (src/workflows/eta.ts).

import { describe, expect, it } from 'vitest';
import { EtaEstimator } from '../../src/workflows/eta.ts';

describe('EtaEstimator', () => {
  it('weighs chunks by characters: a short chunk done does not make the rest look short', () => {
    // 1,000 characters: a 20-character heading, then 980 of text, at 10 ms per character.
    const eta = new EtaEstimator(1_000, 0, 10);
    expect(eta.chunkFinished(20, 200)).toBe(9_800);
  });

  it('forgets a slow start (a model loading) once the window has moved past it', () => {
    const eta = new EtaEstimator(20 * 100, 0, 4);
    let at = 30_000; // the first chunk took 30 s, loading included; then 1 s per 100-character chunk
    let left = eta.chunkFinished(100, at)!;
    expect(left).toBe(19 * 30_000);
    for (let chunk = 2; chunk <= 10; chunk++) left = eta.chunkFinished(100, (at += 1_000))!;
    expect(left).toBe(10 * 1_000);
  });

  it('forgets a pause while no worker ran (a resumed document)', () => {
    const eta = new EtaEstimator(10 * 100, 0, 3);
    let at = 0;
    for (let chunk = 1; chunk <= 4; chunk++) eta.chunkFinished(100, (at += 1_000));
    at += 3_600_000; // an hour stopped
    expect(eta.chunkFinished(100, (at += 1_000))).toBeGreaterThan(60_000);
    for (let chunk = 6; chunk <= 8; chunk++) eta.chunkFinished(100, (at += 1_000));
    expect(eta.chunkFinished(100, (at += 1_000))).toBe(1_000);
  });

  it('counts throughput, not latency, when chunks finish in parallel bursts', () => {
    // 5 in flight, each 5 s: a burst of 5 every 5 s is 1 s per chunk.
    const eta = new EtaEstimator(30 * 100, 0, 10);
    let left = 0;
    for (let burst = 1; burst <= 4; burst++) for (let i = 0; i < 5; i++) left = eta.chunkFinished(100, burst * 5_000)!;
    expect(left).toBe(10 * 1_000);
  });
});
