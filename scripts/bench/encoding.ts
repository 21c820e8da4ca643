// Encoding: our path (a WAV's samples streamed from Node, in 12-second blocks as the stitcher
// writes chunks, into `openAudioFile`, i.e. into the ffmpeg binary of @ffmpeg-installer) against
// the command-line tools encoding the same WAV file: Debian's `lame` and `ffmpeg`, and the bundled
// ffmpeg binary itself run on the file (which separates our streaming's cost from the binary's:
// the bundled build dates from 2018, Debian's is newer). MP3 at 64 kbps mono (our default) for
// all; M4B (AAC, 64 kbps, the ipod muxer with +faststart, as ours writes it) for the two ffmpegs.
// Wall time and peak RSS of each. The WAV: samples/reading.txt spoken by eSpeak (~15 min of
// speech), resampled to 24 kHz mono, Kokoro's and Replicate's rate.
//
// `lame` and `ffmpeg` are installed with apt-get when missing (root only; for the benchmark, never
// for the product); without them, their rows say why they are missing.
//
// Alone: `node --import tsx scripts/bench/encoding.ts`.
// Our path runs as a child process of this same file (`--encode`), so that its RSS is its own;
// this module imports only what that child needs up front (report.ts would load Kokoro's engine).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../../src/audio/ffmpeg.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { openAudioFile } from '../../src/formats/audio-file.ts';
import { aptInstall, onPath } from '../../testkit/debian-packages.ts';

export type EncodeFormat = 'mp3' | 'm4b';
export type Encoder = 'ours' | 'lame' | 'ffmpeg' | 'bundled ffmpeg';

export interface EncodeRun {
  encoder: Encoder;
  format: EncodeFormat;
  /** Wall time of the whole process, start-up included (ours: Node's and tsx's too). */
  seconds: number;
  /** Ours only: from opening the encoder to the finished file, without Node's start-up. */
  workSeconds?: number;
  /** Peak RSS of the process (ours: the Node process alone). */
  peakRssMb: number;
  /** Ours only: peak RSS of the ffmpeg child that Node streams into. */
  ffmpegRssMb?: number;
  /** Ours only: the Node process's RSS before it opened the encoder (modules loaded). */
  nodeStartRssMb?: number;
  outputMb: number;
}

export interface EncodingResult {
  audioSec: number;
  sampleRate: number;
  channels: number;
  wavMb: number;
  bitrateKbps: number;
  /** First line of each tool's version, by encoder. */
  versions: Partial<Record<Encoder, string>>;
  runs: EncodeRun[];
  /** Tools left out, and why. */
  skipped: string[];
}

const SAMPLE_RATE = 24_000;
const BITRATE_KBPS = 64;
/** Our child writes the PCM in blocks of a chunk's length (the product's chunks are ~12 s). */
const BLOCK_SECONDS = 12;

// --- The parent ---

export async function encodingBenchmarks(dir: string, log: (line: string) => void = () => undefined): Promise<EncodingResult> {
  const work = join(dir, 'encoding');
  await mkdir(work, { recursive: true });
  try {
    const wav = join(work, 'speech.wav');
    log('  speaking samples/reading.txt with eSpeak for the WAV...');
    const made = performance.now();
    const { audioSec, channels } = await makeSpeechWav(wav);
    const wavMb = (await stat(wav)).size / 1e6;
    log(
      `  WAV: ${(audioSec / 60).toFixed(1)} min at ${SAMPLE_RATE} Hz, ${wavMb.toFixed(1)} MB (made in ${((performance.now() - made) / 1000).toFixed(1)} s)`,
    );
    const bundled = ffmpegPath();
    const { tools, skipped } = ensureCliTools(log);
    const versions: Partial<Record<Encoder, string>> = { 'bundled ffmpeg': firstLine(bundled, ['-version']) };
    if (tools.lame) versions.lame = firstLine(tools.lame, ['--version']);
    if (tools.ffmpeg) versions.ffmpeg = firstLine(tools.ffmpeg, ['-version']);

    // Our ffmpeg runs under a small wrapper that records its peak RSS (getrusage of its child).
    const wrapper = join(work, 'ffmpeg-rss.sh');
    const ffmpegRssFile = join(work, 'ffmpeg-rss');
    await writeFile(wrapper, `#!/bin/sh\nexec python3 -S -c '${RSS_WRAPPER}' "$@"\n`);
    await chmod(wrapper, 0o755);
    const self = fileURLToPath(import.meta.url);

    const runs: EncodeRun[] = [];
    const cli = (format: EncodeFormat) => [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'error',
      '-y',
      '-i',
      wav,
      ...codecArgs(format),
    ];
    for (const format of ['mp3', 'm4b'] as const) {
      const out = (encoder: string) => join(work, `${encoder.replace(/\s/gu, '-')}.${format}`);
      const plan: { encoder: Encoder; command: string[] }[] = [
        { encoder: 'ours', command: [process.execPath, '--import', 'tsx', self, '--encode', format, wav, out('ours')] },
        { encoder: 'bundled ffmpeg', command: [bundled, ...cli(format), out('bundled')] },
        ...(tools.ffmpeg ? [{ encoder: 'ffmpeg' as const, command: [tools.ffmpeg, ...cli(format), out('ffmpeg')] }] : []),
        ...(tools.lame && format === 'mp3'
          ? [
              {
                encoder: 'lame' as const,
                command: [
                  tools.lame,
                  '--quiet',
                  '-b',
                  String(BITRATE_KBPS),
                  '--cbr',
                  '--resample',
                  String(SAMPLE_RATE / 1000),
                  wav,
                  out('lame'),
                ],
              },
            ]
          : []),
      ];
      for (const { encoder, command } of plan) {
        const output = command[command.length - 1]!;
        const env =
          encoder === 'ours'
            ? { ...process.env, FFMPEG_PATH: wrapper, BENCH_FFMPEG: bundled, BENCH_FFMPEG_RSS: ffmpegRssFile }
            : process.env;
        const m = measured(command, env);
        const run: EncodeRun = {
          encoder,
          format,
          seconds: m.seconds,
          peakRssMb: m.peakRssKb / 1024,
          outputMb: (await stat(output)).size / 1e6,
        };
        if (encoder === 'ours') {
          const child = JSON.parse(m.stdout.trim().split('\n').pop()!) as ChildReport;
          Object.assign(run, {
            workSeconds: child.encodeSeconds,
            peakRssMb: child.maxRssKb / 1024,
            nodeStartRssMb: child.startRssKb / 1024,
            ffmpegRssMb: Number(await readFile(ffmpegRssFile, 'utf8')) / 1024,
          });
        }
        log(
          `  ${format} ${encoder}: ${(run.workSeconds ?? run.seconds).toFixed(2)} s, ${run.peakRssMb.toFixed(1)} MB${run.ffmpegRssMb ? ` + ffmpeg ${run.ffmpegRssMb.toFixed(1)} MB` : ''}`,
        );
        runs.push(run);
        await rm(output, { force: true });
      }
    }
    return { audioSec, sampleRate: SAMPLE_RATE, channels, wavMb, bitrateKbps: BITRATE_KBPS, versions, runs, skipped };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The CLIs' codec and muxer arguments for the format, as `openAudioFile` gives them
 * (src/formats/audio-formats.ts). AAC is pinned to the "fast" coder: the bundled 2018 build's
 * default, hence what ours runs; Debian's ffmpeg 5.1 defaults to "twoloop", another algorithm,
 * slower (1.4x on pink noise here, much more on this speech in a trial run).
 */
function codecArgs(format: EncodeFormat): string[] {
  const bitrate = ['-b:a', `${BITRATE_KBPS}k`];
  return format === 'mp3'
    ? ['-c:a', 'libmp3lame', ...bitrate, '-f', 'mp3']
    : ['-c:a', 'aac', '-aac_coder', 'fast', ...bitrate, '-movflags', '+faststart', '-f', 'ipod'];
}

/** Runs `$BENCH_FFMPEG "$@"` with stdio passed through, then writes its peak RSS (KB) to $BENCH_FFMPEG_RSS. No single quotes: it sits in sh's. */
const RSS_WRAPPER = [
  'import os, resource, subprocess, sys',
  'r = subprocess.run([os.environ["BENCH_FFMPEG"]] + sys.argv[1:])',
  'open(os.environ["BENCH_FFMPEG_RSS"], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))',
  'sys.exit(r.returncode if r.returncode >= 0 else 1)',
].join('\n');

/** Runs a command; its wall time and peak RSS (getrusage RUSAGE_CHILDREN: the largest process of its tree), and its stdout. */
function measured(command: string[], env: NodeJS.ProcessEnv): { seconds: number; peakRssKb: number; stdout: string } {
  const probe =
    'import resource,subprocess,sys,time\nt=time.time()\nr=subprocess.run(sys.argv[1:],check=True,capture_output=True,text=True)\nprint(time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\nprint(r.stdout)';
  const out = execFileSync('python3', ['-c', probe, ...command], { env }).toString();
  const [first, ...rest] = out.split('\n');
  const [seconds, peakRssKb] = first!.trim().split(/\s+/u).map(Number);
  return { seconds: seconds!, peakRssKb: peakRssKb!, stdout: rest.join('\n') };
}

/** samples/reading.txt spoken by eSpeak (22,050 Hz), resampled to 24 kHz by the bundled ffmpeg, as a 16-bit WAV. */
async function makeSpeechWav(path: string): Promise<{ audioSec: number; channels: number }> {
  // Imported here, not up front: the `--encode` child needs neither.
  const [{ EspeakEngine }, { chunkText }] = await Promise.all([
    import('../../src/engines/espeak/espeak-engine.ts'),
    import('../../src/text/chunker.ts'),
  ]);
  const text = await readFile(new URL('../../samples/reading.txt', import.meta.url), 'utf8');
  const engine = new EspeakEngine(2);
  let spoken: Awaited<ReturnType<typeof engine.synthesize>>[];
  try {
    spoken = await Promise.all(
      chunkText(text).map((c) => engine.synthesize({ text: c.text, options: {}, signal: new AbortController().signal })),
    );
  } finally {
    await engine.close();
  }
  const { sampleRate, channels } = spoken[0]!;
  const pcm = Buffer.concat(spoken.map((a) => Buffer.from(a.samples.buffer, a.samples.byteOffset, a.samples.byteLength)));
  const resampled = await pipeThrough(
    ffmpegPath(),
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      's16le',
      '-ar',
      String(sampleRate),
      '-ac',
      String(channels),
      '-i',
      'pipe:0',
      '-ar',
      String(SAMPLE_RATE),
      '-f',
      's16le',
      'pipe:1',
    ],
    pcm,
  );
  const samples = new Int16Array(resampled.buffer, resampled.byteOffset, resampled.byteLength / 2);
  await writeFile(path, encodeWav({ sampleRate: SAMPLE_RATE, channels, samples }));
  return { audioSec: samples.length / channels / SAMPLE_RATE, channels };
}

function pipeThrough(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolvePromise(Buffer.concat(out)) : reject(new Error(`${command} exited with ${code}: ${err.trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** `lame` and `ffmpeg` on PATH, installed with apt-get when missing and we are root. */
function ensureCliTools(log: (line: string) => void): { tools: { lame?: string; ffmpeg?: string }; skipped: string[] } {
  const find = () => ({ lame: onPath('lame', process.env), ffmpeg: onPath('ffmpeg', process.env) });
  let tools = find();
  const missing = (['lame', 'ffmpeg'] as const).filter((name) => !tools[name]);
  if (missing.length === 0) return { tools, skipped: [] };
  let reason: string | undefined;
  log(`  ${missing.join(' and ')} not found: installing Debian's packages for the benchmark (once):`);
  try {
    aptInstall(missing, (line) => log(`  ${line}`));
  } catch (error) {
    reason = `not installed: ${(error as Error).message}`;
  }
  tools = find();
  const skipped = missing.filter((name) => !tools[name]).map((name) => `${name}: ${reason ?? 'still missing after apt-get install'}`);
  for (const line of skipped) log(`  skipping ${line}`);
  return { tools, skipped };
}

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0]!.trim();
}

// --- The child: our path ---

interface ChildReport {
  encodeSeconds: number;
  maxRssKb: number;
  startRssKb: number;
}

/** Streams the WAV's samples into `openAudioFile`, a block at a time, and prints a ChildReport. */
async function encodeChild(format: EncodeFormat, input: string, output: string): Promise<void> {
  const startRssKb = process.memoryUsage().rss / 1024;
  const file = await open(input);
  try {
    const { sampleRate, channels, dataStart, dataBytes } = await wavLayout(file);
    const started = performance.now();
    const writer = await openAudioFile({
      format,
      path: output,
      pcm: { sampleRate, channels },
      maxFrames: dataBytes / 2 / channels,
      bitrateKbps: BITRATE_KBPS,
      tags: {},
      chapters: [],
    });
    const block = BLOCK_SECONDS * sampleRate * channels * 2;
    for (let at = 0; at < dataBytes; at += block) {
      // A fresh buffer each time: ffmpeg's stdin may still hold the last one.
      const bytes = new Uint8Array(Math.min(block, dataBytes - at));
      await file.read(bytes, 0, bytes.length, dataStart + at);
      await writer.write(new Int16Array(bytes.buffer, 0, bytes.length / 2));
    }
    await writer.finish();
    const report: ChildReport = {
      encodeSeconds: (performance.now() - started) / 1000,
      maxRssKb: process.resourceUsage().maxRSS,
      startRssKb,
    };
    console.log(JSON.stringify(report));
  } finally {
    await file.close();
  }
}

/** Where a 16-bit PCM WAV's samples lie, from its first 4 KB. */
async function wavLayout(
  file: Awaited<ReturnType<typeof open>>,
): Promise<{ sampleRate: number; channels: number; dataStart: number; dataBytes: number }> {
  const head = Buffer.alloc(4096);
  const { bytesRead } = await file.read(head, 0, head.length, 0);
  if (
    head.toString('ascii', 0, 4) !== 'RIFF' ||
    head.toString('ascii', 8, 12) !== 'WAVE' ||
    head.toString('ascii', 12, 16) !== 'fmt ' ||
    head.readUInt16LE(34) !== 16
  ) {
    throw new Error('not a 16-bit PCM WAV');
  }
  let at = 20 + head.readUInt32LE(16);
  while (at + 8 <= bytesRead && head.toString('ascii', at, at + 4) !== 'data') at += 8 + head.readUInt32LE(at + 4);
  if (at + 8 > bytesRead) throw new Error('no data chunk in the first 4 KB');
  return {
    channels: head.readUInt16LE(22),
    sampleRate: head.readUInt32LE(24),
    dataStart: at + 8,
    dataBytes: head.readUInt32LE(at + 4) & ~1,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === '--encode') {
    await encodeChild(args[1] as EncodeFormat, args[2]!, args[3]!);
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'durable-tts-encoding-'));
    try {
      const result = await encodingBenchmarks(dir, (line) => console.error(line));
      const { encodingRows } = await import('./report.ts');
      console.log(['| Measure | Result | Target |', '|---|---|---|', ...encodingRows(result)].join('\n'));
      console.log(JSON.stringify(result, null, 2));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
