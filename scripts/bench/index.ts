// `npm run bench [-- --latency-ms 1200 --hours 10 --book-sizes 1,5 --book-latencies 0,1000]`: the
// benchmarks, in one run on one machine, reported as ratios (machines are noisy). Writes
// bench/results.md, bench/results.json, bench/makespan.svg.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { booksAtScale } from './books.ts';
import { encodingBenchmarks } from './encoding.ts';
import { espeakThroughput } from './espeak.ts';
import { fleetBenchmarks } from './fleet.ts';
import { temporalFloor } from './floor.ts';
import { startBench } from './harness.ts';
import { kokoroRtf } from './kokoro.ts';
import { kokoroSample } from './kokoro-sample.ts';
import { liveAudio } from './live.ts';
import { openAiSpeech } from './openai-speech.ts';
import { orchestrationOverhead, seedTable, windowVsBatch } from './orchestration.ts';
import { rateLimitedProvider } from './rate-limit.ts';
import { type BenchResults, makespanSvg, markdownReport } from './report.ts';
import { stitchTail, tailHours } from './stitch-tail.ts';
import { stitchingBenchmarks } from './stitching.ts';
import { stockServerComparison } from './stock-server.ts';
import { recognizerRtf } from './verify.ts';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '1200' },
    hours: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench' },
    // Books at scale (about 40 minutes for both): text sizes in millions of characters, chunk latencies in ms.
    'book-sizes': { type: 'string', default: '1,5' },
    'book-latencies': { type: 'string', default: '0,1000' },
  },
});
const latencyMs = Number(values['latency-ms']);
const concurrency = 5;
const started = performance.now();
const bench = await startBench();
try {
  console.error(`Seed table (L = ${latencyMs} ms):`);
  const seed = await seedTable(bench, latencyMs, [5, 10, 25, 50, 60], concurrency);
  console.error('The same through the temporal CLI, on our tuned dev server and a stock one...');
  const stockServer = await stockServerComparison({}, (line) => console.error(line));
  console.error('Window vs batch...');
  const schedules = await windowVsBatch(bench, latencyMs, 50, concurrency, 0.5);
  console.error('Rate-limited provider...');
  const rateLimit = await rateLimitedProvider(bench, 20, 60, 500);
  console.error('Live audio...');
  const live = await liveAudio(bench, { latencyMs: 2_000, chunks: 50, concurrency });
  console.error('Orchestration overhead...');
  const overhead = await orchestrationOverhead(bench, 200);
  const floor = [await temporalFloor(bench, 200, false), await temporalFloor(bench, 200, true)];
  console.error('Stitching...');
  const stitching = await stitchingBenchmarks(bench.dir, Number(values.hours));
  console.error("The stitch tail: one pass from the chunks' levels records...");
  const tail = await stitchTail(bench.dir, tailHours(Number(values.hours)));
  console.error('Encoding, against the lame and ffmpeg CLIs...');
  const encoding = await encodingBenchmarks(bench.dir, (line) => console.error(line));
  console.error('eSpeak...');
  const espeak = await espeakThroughput([1, 2]);
  console.error('Kokoro real-time factor...');
  const kokoro = await kokoroRtf(6, (line) => console.error(line));
  console.error('Kokoro on the whole sample, through the workflow...');
  const kokoroSampleRun = await kokoroSample(bench, (line) => console.error(line));
  console.error('Hearing chunks back: the recognizer, and the sample with --verify...');
  const recognizer = await recognizerRtf(8, (line) => console.error(line));
  const kokoroSampleVerified = await kokoroSample(bench, (line) => console.error(line), { verify: true });
  console.error('OpenAI speech API with Kokoro: first byte, cold and warm...');
  const openAiSpeechTimings = await openAiSpeech(bench);
  console.error('Books at scale...');
  const list = (value: string | undefined) => (value ? value.split(',').map(Number) : []);
  const books = await booksAtScale(bench, { sizesMb: list(values['book-sizes']), latenciesMs: list(values['book-latencies']) }, (line) =>
    console.error(line),
  );
  console.error('Beyond one machine: S3, tenants...');
  const fleet = await fleetBenchmarks(bench, (line) => console.error(line));
  const results: BenchResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`,
    latencyMs,
    concurrency,
    seedTable: seed,
    stockServer,
    schedules,
    rateLimit,
    live,
    overhead,
    floor,
    stitching,
    stitchTail: tail,
    encoding,
    espeak,
    kokoro,
    kokoroSample: kokoroSampleRun,
    verify: { recognizer, sample: kokoroSampleVerified },
    openAiSpeech: openAiSpeechTimings,
    books,
    fleet,
    totalSeconds: (performance.now() - started) / 1000,
  };
  await mkdir(values.out!, { recursive: true });
  const report = markdownReport(results);
  await writeFile(`${values.out}/results.md`, `${report}\n`);
  await writeFile(`${values.out}/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${values.out}/makespan.svg`, `${makespanSvg(seed, latencyMs, concurrency)}\n`);
  console.log(report);
} finally {
  await bench.teardown();
}
