// The main job's document, samples/reading.txt, spoken with Kokoro through the workflow as
// `npm start` does (window of 5, the worker's default Kokoro pool): wall time against the 6-minute
// target, time to the first chunk, and how honest the progress ETA was. The progress query is read
// every second; at 10/25/50/75% of the chunks, the ETA it gave is compared with the time synthesis
// really had left, and so is the naive estimate (time so far / chunks done x chunks left) that the
// workflow used before.
//
// Alone: `node --import tsx scripts/bench/kokoro-sample.ts`.

import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioDocumentResult, DocumentProgress } from '../../src/contract/result.ts';
import { KokoroEngine } from '../../src/engines/kokoro/kokoro-engine.ts';
import type { LocalTemporal } from '../../src/temporal/local-temporal.ts';
import { progressQuery } from '../../src/workflows/definitions.ts';
import { benchWorker, startBench, untilPolling } from './harness.ts';
import { kokoroSampleRows } from './report.ts'; // report.ts imports this module's types back

export interface EtaCheck {
  /** Share of the chunks done when the ETA was read. */
  doneShare: number;
  actualLeftSec: number;
  etaSec: number;
  naiveEtaSec: number;
}

export interface KokoroSampleResult {
  chunks: number;
  sessions: number;
  wallSec: number;
  audioSec: number;
  /** wallSec / audioSec: the whole pipeline's real-time factor. */
  rtf: number;
  firstChunkSec: number;
  etaChecks: EtaCheck[];
  /** With verify: what hearing every chunk back found. */
  verification?: AudioDocumentResult['verification'];
}

interface Reading {
  atSec: number;
  done: number;
  total: number;
  etaMs?: number;
}

export async function kokoroSample(
  temporal: LocalTemporal,
  log: (line: string) => void = () => undefined,
  { verify = false } = {},
): Promise<KokoroSampleResult> {
  const text = await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8');
  const engine = new KokoroEngine();
  // A queue (and chunk store) of each run's own: the second run must not reuse the first one's chunks.
  const taskQueue = verify ? 'bench-kokoro-sample-verify' : 'bench-kokoro-sample';
  const { worker, outputDir } = await benchWorker(temporal, taskQueue, { engines: { kokoro: engine } });
  try {
    return await worker.runUntil(async () => {
      await untilPolling(worker);
      const started = performance.now();
      const handle = await temporal.client.workflow.start('audioDocument', {
        args: [{ text, engine: 'kokoro', ...(verify ? { verify: true } : {}) }],
        taskQueue,
        workflowId: `${taskQueue}-${Date.now()}`,
      });
      const readings: Reading[] = [];
      let synthesizedSec: number | undefined;
      const poll = setInterval(() => {
        handle.query(progressQuery).then(
          (p: DocumentProgress) => {
            const atSec = (performance.now() - started) / 1000;
            if (p.phase === 'synthesizing')
              readings.push({ atSec, done: p.done, total: p.total, ...(p.etaMs === undefined ? {} : { etaMs: p.etaMs }) });
            else synthesizedSec ??= atSec;
            if (readings.length % 30 === 0 && readings.length) log(`    ${p.done}/${p.total} chunks, ${atSec.toFixed(0)} s`);
          },
          () => undefined,
        );
      }, 1_000);
      const result = (await handle.result()) as AudioDocumentResult;
      clearInterval(poll);
      const wallSec = (performance.now() - started) / 1000;
      const endSec = synthesizedSec ?? wallSec;
      const firstChunkSec = readings.find((r) => r.done > 0)?.atSec ?? wallSec;
      const etaChecks = [0.1, 0.25, 0.5, 0.75].flatMap((share) => {
        const reading = readings.find((r) => r.done >= share * r.total && r.etaMs !== undefined);
        if (!reading) return [];
        const naiveEtaSec = (reading.atSec / reading.done) * (reading.total - reading.done);
        return [
          { doneShare: reading.done / reading.total, actualLeftSec: endSec - reading.atSec, etaSec: reading.etaMs! / 1000, naiveEtaSec },
        ];
      });
      return {
        chunks: result.chunks,
        sessions: engine.threadCount,
        wallSec,
        audioSec: result.durationSec,
        rtf: wallSec / result.durationSec,
        firstChunkSec,
        etaChecks,
        ...(result.verification ? { verification: result.verification } : {}),
      };
    });
  } finally {
    await worker.close();
    await engine.close();
    await rm(outputDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bench = await startBench();
  try {
    const result = await kokoroSample(bench, (line) => console.error(line));
    console.log(['| Measure | Result | Target |', '|---|---|---|', ...kokoroSampleRows(result)].join('\n'));
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await bench.teardown();
  }
}
