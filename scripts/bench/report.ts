// The benchmark's outputs: a markdown report, the raw figures as JSON, and an SVG chart of
// makespan against N per mode. The chart is a few lines of SVG: no charting dependency for one plot.

import type { BookRun, RssPeaks } from './books.ts';
import type { EncodeFormat, EncodeRun, Encoder, EncodingResult } from './encoding.ts';
import type { EspeakThroughput } from './espeak.ts';
import type { FleetResults } from './fleet.ts';
import type { Floor } from './floor.ts';
import { type RtfResult, SAMPLE_AUDIO_SEC, TARGET_RTF } from './kokoro.ts';
import type { EtaCheck, KokoroSampleResult } from './kokoro-sample.ts';
import type { LiveResult } from './live.ts';
import { openAiSpeechRows, type SpeechTiming } from './openai-speech.ts';
import type { Overhead, ScheduleComparison, SeedRow } from './orchestration.ts';
import type { RateLimitResult } from './rate-limit.ts';
import { type StitchTailResult, stitchTailTable } from './stitch-tail.ts';
import type { StitchMeasure } from './stitching.ts';
import { type StockServerRow, stockServerMarkdown } from './stock-server.ts';
import type { RecognizerRun } from './verify.ts';

export interface BenchResults {
  date: string;
  machine: string;
  latencyMs: number;
  concurrency: number;
  seedTable: SeedRow[];
  /** 50 x 1 s through the temporal CLI, on our tuned dev server and a stock one. */
  stockServer: StockServerRow[];
  schedules: ScheduleComparison;
  rateLimit: RateLimitResult;
  live: LiveResult;
  overhead: Overhead;
  floor: Floor[];
  stitching: StitchMeasure[];
  stitchTail: StitchTailResult[];
  encoding: EncodingResult;
  espeak: EspeakThroughput[];
  kokoro: RtfResult[];
  kokoroSample: KokoroSampleResult;
  verify: { recognizer: RecognizerRun[]; sample: KokoroSampleResult };
  openAiSpeech: SpeechTiming[];
  books: BookRun[];
  fleet: FleetResults;
  totalSeconds: number;
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : 'missed');

export function markdownReport(r: BenchResults): string {
  const at50 = r.seedTable.find((row) => row.chunks === 50);
  const ffmpeg = r.stitching.find((s) => s.label.startsWith('ffmpeg'));
  const ours = r.stitching[0]!;
  const long = r.stitching[r.stitching.length - 1]!;
  return [
    `Measured ${r.date} on ${r.machine}; chunk latency L = ${r.latencyMs} ms (the seed's 12 s scaled down), C = ${r.concurrency}. Whole run: ${f1(r.totalSeconds)} s.`,
    '',
    `| Chunks | Sequential | Parallel (${r.concurrency} concurrent) | Speedup | Ideal | Efficiency |`,
    '|---|---|---|---|---|---|',
    ...r.seedTable.map(
      (row) =>
        `| ${row.chunks} | ${f1(row.sequentialSec)} s | ${f1(row.parallelSec)} s | ${f2(row.speedup)}x | ${f2(row.idealSpeedup)}x | ${f2(row.efficiency)} |`,
    ),
    '',
    at50
      ? `At N=50: speedup ${f2(at50.speedup)}x (target >= 4.85x: ${mark(at50.speedup >= 4.85)}), efficiency ${f2(at50.efficiency)} (target >= 0.97: ${mark(at50.efficiency >= 0.97)}).`
      : '',
    at50
      ? `In that parallel run (from its history): first chunk scheduled ${f1(at50.parallelTimings.firstChunkAfterMs)} ms after the start; a slot cost ${f1(at50.parallelTimings.meanSlotGapMs)} ms per chunk beyond its latency on average; a chunk's activity took ${f1(at50.parallelTimings.meanActivityExtraMs)} ms beyond its latency from dispatch to recorded completion; ${f1(at50.parallelTimings.workflowTasksPerWave)} workflow tasks per wave of ${r.concurrency}; ${f1(at50.parallelTimings.afterLastChunkMs)} ms from the last chunk to the result (stitching).`
      : '',
    '',
    stockServerMarkdown(r.stockServer),
    '',
    'The stitch tail: from the last chunk to the file, with the defaults on (trim, loudness, captions, WAV), through the stitch activity:',
    '',
    stitchTailTable(r.stitchTail),
    '',
    '| Measure | Result | Target |',
    '|---|---|---|',
    `| Window vs batch, lognormal latency (sigma ${r.schedules.sigma}), N=${r.schedules.chunks}, C=${r.schedules.concurrency} | window ${f1(r.schedules.windowSec)} s, batch ${f1(r.schedules.batchSec)} s: window ${f2(r.schedules.windowAdvantage)}x faster | >= 1.2x: ${mark(r.schedules.windowAdvantage >= 1.2)} |`,
    `| Rate-limited provider (fake Replicate ${r.rateLimit.perMinute}/min, burst 1), N=${r.rateLimit.chunks}, L=${r.rateLimit.latencyMs} ms | ${f1(r.rateLimit.seconds)} s vs bound (N-1)/R + L = ${f1(r.rateLimit.boundSec)} s: ${f2(r.rateLimit.ratio)}; ${r.rateLimit.throttled} responses 429 | <= 1.05 and no 429: ${mark(r.rateLimit.ratio <= 1.05 && r.rateLimit.throttled === 0)} |`,
    liveRow(r.live),
    `| Orchestration overhead, sequential, L=0, ${r.overhead.chunks} chunks | ${f1(r.overhead.msPerChunk)} ms per chunk (${f2(r.overhead.msPerChunk / r.floor[0]!.msPerStep)}x Temporal's floor below); CPU per chunk: worker process ${f1(r.overhead.workerCpuMs)} ms, server ${f1(r.overhead.serverCpuMs)} ms | <= 15 ms: ${mark(r.overhead.msPerChunk <= 15)} |`,
    ...r.floor.map(
      (f) =>
        `| Temporal's floor: ${f.steps} no-op ${f.local ? 'local activities' : 'activities'} in sequence, same server | ${f1(f.msPerStep)} ms per step; CPU per step: worker process ${f1(f.workerCpuMs)} ms, server ${f1(f.serverCpuMs)} ms | |`,
    ),
    ffmpeg
      ? `| Stitching 50 x 12 s at 24 kHz | ours ${f2(ours.workSeconds ?? ours.seconds)} s stitching (${f2(ours.seconds)} s with Node's start-up), ${f1(ours.peakRssMb)} MB peak; ffmpeg ${f2(ffmpeg.seconds)} s, ${f1(ffmpeg.peakRssMb)} MB peak | no slower than ffmpeg: ${mark((ours.workSeconds ?? ours.seconds) <= ffmpeg.seconds)} |`
      : `| Stitching 50 x 12 s at 24 kHz | ours ${f2(ours.seconds)} s, ${f1(ours.peakRssMb)} MB peak (ffmpeg not available) | |`,
    `| Stitching ${long.chunks} x 12 s (${f1(long.audioHours)} h, ${f1(long.outputMb / 1000)} GB) | ${f1(long.workSeconds ?? long.seconds)} s, ${f1(long.peakRssMb)} MB peak (50 chunks: ${f1(ours.peakRssMb)} MB) | RSS independent of length: ${mark(long.peakRssMb < ours.peakRssMb * 1.25)} |`,
    ...encodingRows(r.encoding),
    ...r.espeak.map(
      (e) =>
        `| eSpeak, ${e.threads} thread${e.threads > 1 ? 's' : ''}, ${e.chunks} chunks of the sample | ${f1(e.chunksPerSecond)} chunks/s${e.threads > 1 ? ` (${f2(e.chunksPerSecond / r.espeak[0]!.chunksPerSecond)}x)` : ''} | |`,
    ),
    ...kokoroRows(r.kokoro),
    ...kokoroSampleRows(r.kokoroSample),
    ...verifyRows(r.verify.recognizer, r.kokoroSample, r.verify.sample),
    ...openAiSpeechRows(r.openAiSpeech),
    ...(r.books.length > 0 ? ['', ...booksTable(r.books)] : []),
    '',
    'Beyond one machine (`node --import tsx scripts/bench/fleet.ts`):',
    '',
    ...fleetTable(r.fleet),
  ].join('\n');
}

/**
 * Encoding rows, one per format (also printed by `scripts/bench/encoding.ts` alone): ours against
 * each command-line tool, as ratios of wall time and of peak RSS. Ours is the Node process plus
 * the ffmpeg child it streams into: their two peaks added up (an upper bound: they need not coincide).
 */
export function encodingRows(e: EncodingResult): string[] {
  const version = (encoder: Encoder) => {
    const v = /version (\S+)/u.exec(e.versions[encoder] ?? '')?.[1];
    return v ? ` ${v}` : '';
  };
  const names: Record<Exclude<Encoder, 'ours'>, string> = {
    lame: `lame${version('lame')} CLI`,
    ffmpeg: `ffmpeg${version('ffmpeg')} CLI`,
    'bundled ffmpeg': `the bundled ffmpeg${version('bundled ffmpeg')} run on the file`,
  };
  const formats: { format: EncodeFormat; label: string; tools: Exclude<Encoder, 'ours'>[] }[] = [
    { format: 'mp3', label: 'MP3 (LAME)', tools: ['lame', 'ffmpeg', 'bundled ffmpeg'] },
    {
      format: 'm4b',
      label: `M4B (AAC by ffmpeg's "fast" coder: the bundled build's default, pinned for the ffmpeg CLI, whose default is "twoloop")`,
      tools: ['ffmpeg', 'bundled ffmpeg'],
    },
  ];
  return formats.flatMap(({ format, label, tools }) => {
    const run = (encoder: Encoder) => e.runs.find((x) => x.encoder === encoder && x.format === format);
    const ours = run('ours');
    if (!ours) return [];
    const oursSec = ours.workSeconds ?? ours.seconds;
    const oursRss = ours.peakRssMb + (ours.ffmpegRssMb ?? 0);
    const against = (base: EncodeRun) =>
      `${names[base.encoder as Exclude<Encoder, 'ours'>]}: ${f2(base.seconds)} s, ${f1(base.peakRssMb)} MB; ours ${f2(oursSec / base.seconds)}x its time, ${f1(oursRss / base.peakRssMb)}x its RSS`;
    const baselines = tools.flatMap((tool) => {
      const base = run(tool);
      if (base) return [against(base)];
      const why = e.skipped.find((s) => s.startsWith(`${tool}:`));
      return why ? [`${names[tool]}: not run (${why.slice(tool.length + 2)})`] : [];
    });
    return [
      `| Encoding to ${label}, ${e.bitrateKbps} kbps mono: the sample spoken by eSpeak, ${f1(e.audioSec / 60)} min at ${e.sampleRate / 1000} kHz (a ${f1(e.wavMb)} MB WAV) | ` +
        `ours (the PCM streamed from Node into the bundled ffmpeg, 12 s at a time): ${f2(oursSec)} s (${f2(ours.seconds)} s with Node's start-up), peak RSS Node ${f1(ours.peakRssMb)} MB (${f1(ours.nodeStartRssMb ?? 0)} MB before encoding) + ffmpeg ${f1(ours.ffmpegRssMb ?? 0)} MB; ` +
        `${baselines.join('; ')} | |`,
    ];
  });
}

/** Real-time factor rows of the measures table (also printed by `scripts/bench/kokoro.ts` alone). */
export function kokoroRows(results: RtfResult[]): string[] {
  return results.map((k) => {
    const shape =
      k.engine === 'kokoro'
        ? `Kokoro-82M ${k.precision === 'int8' ? 'int8 (as published)' : 'float32'}, ${k.sessions} session${k.sessions > 1 ? 's' : ''} x ${k.intraOpThreads} thread${k.intraOpThreads > 1 ? 's' : ''}`
        : `eSpeak, ${k.sessions} thread${k.sessions > 1 ? 's' : ''}`;
    const target = k.engine === 'kokoro' ? `RTF <= ${TARGET_RTF} (whole sample in 6 min): ${mark(k.rtf <= TARGET_RTF)}` : '';
    return (
      `| ${shape}: real-time factor on the first ${k.chunks} chunks of the sample (all submitted at once, after a warm-up) | ` +
      `RTF ${f2(k.rtf)} (${f1(k.wallSec)} s for ${f1(k.audioSec)} s of audio); load + warm-up ${f1(k.loadSec)} s; peak RSS ${k.peakRssMb.toFixed(0)} MB; ` +
      `whole sample (${f1(SAMPLE_AUDIO_SEC)} s of audio) projected ${f1(k.projectedSec / 60)} min | ${target} |`
    );
  });
}

/** The main job's document with Kokoro, and how honest its ETA was (also printed by `scripts/bench/kokoro-sample.ts` alone). */
/** The recognizer's real-time factor, and --verify's cost on the sample against the run without it (same bench, own chunk stores). */
export function verifyRows(recognizer: RecognizerRun[], plain: KokoroSampleResult, verified: KokoroSampleResult): string[] {
  const v = verified.verification;
  const overhead = verified.wallSec / plain.wallSec - 1;
  return [
    ...recognizer.map(
      (r) =>
        `| The recognizer (Whisper base int8, 1 thread) on ${r.chunks} chunks of the sample spoken by ${r.engine} | ` +
        `${f1(r.hearSec)} s for ${f1(r.audioSec)} s of audio: real-time factor ${f2(r.rtf)}; mean word error rate ${f2(r.wordErrorRate)} ` +
        `(model load ${f1(r.loadSec)} s) | — |`,
    ),
    `| The sample with Kokoro and \`--verify\` (every chunk heard back), against the same run without it | ` +
      `${f1(verified.wallSec / 60)} min against ${f1(plain.wallSec / 60)} min: +${Math.round(overhead * 100)}%` +
      `${v ? `; ${v.checked} chunks heard, ${v.resynthesized} spoken again, ${v.unresolved.length} unresolved` : ''} | at most +25%: ${mark(overhead <= 0.25)} |`,
  ];
}

export function kokoroSampleRows(k: KokoroSampleResult): string[] {
  const minutes = (sec: number) => `${f1(sec / 60)} min`;
  const share = (check: EtaCheck) => `${Math.round(check.doneShare * 100)}%`;
  const error = (estimate: number, actual: number) =>
    `${estimate >= actual ? '+' : ''}${Math.round(((estimate - actual) / actual) * 100)}%`;
  return [
    `| The sample (samples/reading.txt, ${k.chunks} chunks) with Kokoro through the workflow, as \`npm start\` runs it (C=5, ${k.sessions} sessions) | ` +
      `${minutes(k.wallSec)} for ${minutes(k.audioSec)} of audio (real-time factor ${f2(k.rtf)}); the first chunk after ${f1(k.firstChunkSec)} s | under 6 min: ${mark(k.wallSec <= 360)} |`,
    `| Its progress ETA against the time synthesis really had left | ` +
      k.etaChecks
        .map(
          (c) =>
            `at ${share(c)}: ETA ${f1(c.etaSec)} s, actual ${f1(c.actualLeftSec)} s (${error(c.etaSec, c.actualLeftSec)}; the naive time-per-chunk estimate: ${error(c.naiveEtaSec, c.actualLeftSec)})`,
        )
        .join('; ') +
      ` | within 25% from 25% done: ${mark(k.etaChecks.filter((c) => c.doneShare >= 0.25).every((c) => Math.abs(c.etaSec - c.actualLeftSec) <= 0.25 * c.actualLeftSec))} |`,
  ];
}

/** The issue's target: a 5 MB book at latency 0 within 1.3x Temporal's floor for the same activities. */
export const BOOK_FLOOR_TARGET = 1.3;

/** The larger of the sampled peak and the VmHWM. */
const peakMb = (rss: RssPeaks, who: 'worker' | 'server'): number => Math.max(rss[`${who}SampledMb`], rss[`${who}HwmMb`] ?? 0);

/** Books at scale: one row per text size and latency, then where the time went and the floor target (also printed by `scripts/bench/books.ts` alone). */
export function booksTable(runs: BookRun[]): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const mb = (bytes: number) => `${f2(bytes / 1024 / 1024)} MB`;
  const partName = (id: string) => /\/(part-\d+)$/u.exec(id)?.[1] ?? 'parent';
  const c = runs[0]?.concurrency ?? 0;
  const row = (r: BookRun) =>
    `| ${r.sizeMb} MB (${n(r.characters)} chars) | ${r.latencyMs} ms | ${n(r.chunks)} in ${r.parts} | ${f1(r.wallSec)} s | ${f1(r.synthesisSec)} s | ${f1(r.stitchSec)} s | ` +
    (r.idealSec ? `ideal ${f1(r.idealSec)} s: ${f2(r.makespanRatio!)}x` : `${f1(r.chunksPerSec)} chunks/s`) +
    ` | ${f1(r.floor.wallSec)} s | ${f2(r.synthesisOverFloor)}x; ${f2(r.wallLessStitchOverFloor)}x` +
    ` | ${n(r.largestPart.events)} events, ${mb(r.largestPart.bytes)} (${partName(r.largestPart.workflowId)})${r.largestBytes.workflowId === r.largestPart.workflowId ? '' : `; ${mb(r.largestBytes.bytes)} (${partName(r.largestBytes.workflowId)})`}` +
    ` | ${n(r.parent.events)} events, ${mb(r.parent.bytes)} | ${peakMb(r.rss, 'worker').toFixed(0)} MB / ${peakMb(r.rss, 'server').toFixed(0)} MB |`;
  const where = (r: BookRun) => {
    const t = r.timings;
    const inWindows = t.partsSec - t.readChunksSec - t.storeChunkListSec;
    return (
      `- ${r.sizeMb} MB, L=${r.latencyMs} ms: chunking ${f1(r.chunkingSec)} s; synthesis ${f1(r.synthesisSec)} s = parts ${f1(t.partsSec)} s (readChunks ${f1(t.readChunksSec)} s, storeChunkList ${f1(t.storeChunkListSec)} s, ` +
      `chunk windows ${f1(inWindows)} s of which end-of-part drains ${f1(t.drainSec)} s; each part ${t.eachPartSec.map(f1).join(', ')} s) + between parts ${f1(t.betweenPartsSec)} s; stitch ${f1(r.stitchSec)} s (${f1(r.audioSec / 60)} min of audio, ${f1(r.outputMb)} MB). ` +
      `CPU: worker process ${f1(r.workerCpuSec)} s, server ${f1(r.serverCpuSec)} s; ${n(r.workflowTasks)} workflow tasks (${f2(r.workflowTasks / r.chunks)} per chunk). ` +
      `Floor: ${f1(r.floor.wallSec)} s (between children ${f1(r.floor.timings.betweenPartsSec)} s, drains ${f1(r.floor.timings.drainSec)} s); CPU worker ${f1(r.floor.workerCpuSec)} s, server ${f1(r.floor.serverCpuSec)} s; ` +
      `${n(r.floor.workflowTasks)} workflow tasks; largest history ${n(r.floor.largestPart.events)} events, ${mb(r.floor.largestPart.bytes)}; peak RSS worker ${peakMb(r.floor.rss, 'worker').toFixed(0)} MB, server ${peakMb(r.floor.rss, 'server').toFixed(0)} MB. ` +
      `Per chunk, CPU: worker ${f1((r.workerCpuSec * 1000) / r.chunks)} ms against the floor's ${f1((r.floor.workerCpuSec * 1000) / r.chunks)} ms, server ${f1((r.serverCpuSec * 1000) / r.chunks)} against ${f1((r.floor.serverCpuSec * 1000) / r.chunks)} ms; ` +
      `the chunk activity alone (engine, hashes, the store's durable write) ${f2(r.chunkActivityCpuMs)} ms.`
    );
  };
  const target = runs.filter((r) => r.sizeMb === 5 && r.latencyMs === 0);
  const hwm = runs.every((r) => r.rss.workerHwmMb !== undefined && r.rss.serverHwmMb !== undefined);
  return [
    `Books at scale: a generated text ("Chapter N" headings, 40 paragraphs each of 2-5 seeded English-like sentences), stored (textRef), simulated engine (8 kHz, 1,500 characters/s), C = ${c}, spoken in parts of up to 1,000 chunks (one after the other); WAV, no loudness pass, no captions. ` +
      `Makespan: synthesis against ceil(chunks / C) x L (or chunks per second at L = 0). Floor: Temporal alone, the same part sizes as sequential child workflows, each a sliding window of C no-op activities (sleeping L), on the same server. ` +
      `Histories protobuf-encoded. Peak RSS: ${hwm ? 'VmHWM, reset just before each run (and never below the 500 ms samples)' : 'sampled every 500 ms'}.`,
    '',
    '| Text | L | Chunks in parts | Wall | Synthesis | Stitch | Makespan | Temporal floor | Synthesis / floor; (wall - stitch) / floor | Largest history | Parent history | Peak RSS worker / server |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(row),
    '',
    ...runs.map(where),
    ...target.map(
      (r) =>
        `\nThe issue's target, a 5 MB book at L = 0 within ${BOOK_FLOOR_TARGET}x Temporal's floor for the same activities: (wall - stitch) / floor = ${f2(r.wallLessStitchOverFloor)}x: ${mark(r.wallLessStitchOverFloor <= BOOK_FLOOR_TARGET)} ` +
        `(synthesis alone / floor = ${f2(r.synthesisOverFloor)}x: ${mark(r.synthesisOverFloor <= BOOK_FLOOR_TARGET)}; the whole wall time, stitch included, ${f2(r.wallSec / r.floor.wallSec)}x).`,
    ),
  ];
}

/** The live-audio row of the measures table (also printed by `scripts/bench/live.ts` alone). */
export function liveRow(l: LiveResult): string {
  return (
    `| Live audio through the API (simulated, L=${l.latencyMs} ms, N=${l.chunks}, C=${l.concurrency}): POST, then GET /live with fetch | ` +
    `first audio byte ${f2(l.ttfaSec)} s after the POST, whole document ${f1(l.wholeSec)} s (workflow ${f1(l.workflowSec)} s): audio ${f1(l.ratio)}x sooner; ` +
    `a listener playing from the first byte was >= ${f1(l.minLeadSec)} s ahead whenever the stream waited for chunks, ${l.underruns} underrun${l.underruns === 1 ? '' : 's'}; live bytes ${l.identical ? 'identical to' : 'DIFFER from'} the final file past the header (${f1(l.audioSec)} s of audio) | ` +
    `TTFA <= L + 1 s = ${f1(l.targetSec)} s: ${mark(l.targetMet)}; no underrun, identical: ${mark(l.underruns === 0 && l.identical)} |`
  );
}

/** Makespan against N: sequential, parallel, and the parallel ideal. */
export function makespanSvg(rows: SeedRow[], latencyMs: number, concurrency: number): string {
  const width = 640;
  const height = 400;
  const pad = { left: 60, right: 150, top: 30, bottom: 50 };
  const maxN = Math.max(...rows.map((r) => r.chunks));
  const maxY = Math.max(...rows.map((r) => r.sequentialSec)) * 1.05;
  const x = (n: number) => pad.left + (n / maxN) * (width - pad.left - pad.right);
  const y = (s: number) => height - pad.bottom - (s / maxY) * (height - pad.top - pad.bottom);
  const series = [
    { name: 'sequential', color: '#d62728', points: rows.map((r) => [r.chunks, r.sequentialSec] as const) },
    { name: `parallel (C=${concurrency})`, color: '#1f77b4', points: rows.map((r) => [r.chunks, r.parallelSec] as const) },
    {
      name: 'parallel ideal',
      color: '#7f7f7f',
      dash: '4 4',
      points: rows.map((r) => [r.chunks, (Math.ceil(r.chunks / concurrency) * latencyMs) / 1000] as const),
    },
  ];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * maxY);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">Makespan against chunks (L = ${latencyMs} ms per chunk)</text>`,
    `<line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${y(0)}" x2="${pad.left}" y2="${pad.top}" stroke="black"/>`,
    ...ticks.map((t) => `<text x="${pad.left - 8}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(0)} s</text>`),
    ...rows.map((r) => `<text x="${x(r.chunks)}" y="${y(0) + 18}" text-anchor="middle">${r.chunks}</text>`),
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">chunks (N)</text>`,
    ...series.flatMap((s, i) => [
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${s.points.map(([n, v]) => `${x(n).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
      ...s.points.map(([n, v]) => `<circle cx="${x(n).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"/>`),
      `<line x1="${width - pad.right + 15}" y1="${pad.top + 20 * i + 10}" x2="${width - pad.right + 40}" y2="${pad.top + 20 * i + 10}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${width - pad.right + 45}" y="${pad.top + 20 * i + 14}">${s.name}</text>`,
    ]),
    '</svg>',
  ].join('\n');
}

/** The fleet measures: the same document on disk and on S3; a small document's time beside another tenant's big one. */
export function fleetTable({ stores: s, servers: v, fairness: f }: FleetResults): string[] {
  return [
    `| Measure | Figure |`,
    `|---|---|`,
    `| The same ${s.chunks}-chunk document (simulated, L = 0, C = ${s.concurrency}), chunks and output on disk, then on S3 (versitygw on this machine) | ${f1(s.localSec)} s, then ${f1(s.s3Sec)} s: ${f2(s.s3Sec / s.localSec)}x, ${f1(s.s3MsPerChunk)} ms more per chunk; worker CPU ${f1(s.localWorkerCpuMs / s.chunks)} then ${f1(s.s3WorkerCpuMs / s.chunks)} ms per chunk |`,
    `| The same ${v.chunks}-chunk document (on disk, C = ${v.concurrency}) on our tuned dev server (SQLite), then on the real server v1.29.1 on PostgreSQL (stock settings plus deploy/dynamicconfig.yaml) | ${f1(v.devServerSec)} s, then ${f1(v.realServerSec)} s: ${f2(v.realServerSec / v.devServerSec)}x; server CPU ${f1(v.devServerCpuMsPerChunk)} ms per chunk (SQLite inside), then ${f1(v.realServerCpuMsPerChunk)} ms + PostgreSQL ${f1(v.postgresCpuMsPerChunk)} ms |`,
    `| A ${f.smallChunks}-chunk document (L = ${f.latencyMs} ms) on a worker with ${f.slots} slots: alone, then while another tenant's ${f.bigChunks}-chunk document runs | alone ${f1(f.soloSec)} s; with tenants ${f1(f.withTenantsSec)} s (${f2(f.withTenantsSec / f.soloSec)}x alone); without ${f1(f.withoutTenantsSec)} s (${f2(f.withoutTenantsSec / f.soloSec)}x) |`,
  ];
}
