// `node --import tsx scripts/bench/workflow-rows.ts`: the rows of `npm run bench` that the workflow
// code decides, in a few minutes: the seed's table at N = 50, window vs batch, and the orchestration
// overhead beside Temporal's floor (a chain of no-op activities on the same server, unversioned).

import { temporalFloor } from './floor.ts';
import { startBench } from './harness.ts';
import { orchestrationOverhead, seedTable, windowVsBatch } from './orchestration.ts';

const latencyMs = 1_200;
const concurrency = 5;
const bench = await startBench();
try {
  const [seed] = await seedTable(bench, latencyMs, [50], concurrency);
  const schedules = await windowVsBatch(bench, latencyMs, 50, concurrency, 0.5);
  const overhead = await orchestrationOverhead(bench, 200);
  const floor = await temporalFloor(bench, 200, false);
  const f2 = (n: number) => n.toFixed(2);
  console.log(
    [
      `| measure | result |`,
      `|---|---|`,
      `| N=50, L=${latencyMs} ms, C=${concurrency} | sequential ${f2(seed!.sequentialSec)} s, parallel ${f2(seed!.parallelSec)} s: speedup ${f2(seed!.speedup)}x (ideal ${f2(seed!.idealSpeedup)}x), efficiency ${f2(seed!.efficiency)} |`,
      `| window vs batch (lognormal, sigma 0.5) | window ${f2(schedules.windowSec)} s, batch ${f2(schedules.batchSec)} s: ${f2(schedules.windowAdvantage)}x |`,
      `| orchestration overhead, sequential, L=0, 200 chunks | ${f2(overhead.msPerChunk)} ms per chunk; Temporal's floor ${f2(floor.msPerStep)} ms per no-op activity: ${f2(overhead.msPerChunk / floor.msPerStep)}x |`,
    ].join('\n'),
  );
} finally {
  await bench.teardown();
}
