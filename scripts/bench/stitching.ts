// Stitching: our streaming stitcher against `ffmpeg -f concat` on the same chunk files, time and
// peak memory, and a 10-hour document to show that memory does not grow with length.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';

export interface StitchMeasure {
  label: string;
  chunks: number;
  audioHours: number;
  /** Wall time of the whole process, start-up included. */
  seconds: number;
  /** Ours only: the stitching itself, without Node's start-up. */
  workSeconds?: number;
  peakRssMb: number;
  outputMb: number;
}

const SAMPLE_RATE = 24_000;
const CHUNK_SECONDS = 12;

/** Runs a command and returns its wall time and the peak RSS of the process tree's largest child. */
function measured(command: string[]): { seconds: number; peakRssMb: number; workSeconds?: number } {
  // Python's getrusage(RUSAGE_CHILDREN) reports the child's peak RSS after it exits.
  const probe =
    'import resource,subprocess,sys,time\nt=time.time()\nr=subprocess.run(sys.argv[1:],check=True,capture_output=True,text=True)\nprint(time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\nprint(r.stdout)';
  const out = execFileSync('python3', ['-c', probe, ...command]).toString();
  const [seconds, rssKb] = out.split('\n')[0]!.trim().split(/\s+/u).map(Number);
  const work = /stitch-seconds ([\d.]+)/u.exec(out)?.[1];
  return { seconds: seconds!, peakRssMb: rssKb! / 1024, ...(work ? { workSeconds: Number(work) } : {}) };
}

/** ffmpeg from Debian's packages, installed if missing (root only). */
function ensureFfmpeg(): boolean {
  if (spawnSync('ffmpeg', ['-version']).status === 0) return true;
  console.error('  ffmpeg not found: installing it from Debian packages (apt-get install ffmpeg)');
  const install = spawnSync('apt-get', ['install', '-y', '-q', 'ffmpeg'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return install.status === 0 && spawnSync('ffmpeg', ['-version']).status === 0;
}

/** Writes `count` different 12-second chunk WAVs. */
async function makeChunks(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = `Chunk ${i} `.padEnd(Math.round((CHUNK_SECONDS * 1000) / 45), 'abcdefghij ');
    const file = join(dir, `chunk-${i}.wav`);
    await writeFile(file, encodeWav(simulatedAudio(text, SAMPLE_RATE)));
    files.push(file);
  }
  return files;
}

export async function stitchingBenchmarks(dir: string, hoursLong: number): Promise<StitchMeasure[]> {
  const results: StitchMeasure[] = [];
  const chunkDir = join(dir, 'stitch-chunks');
  const runner = new URL('./stitch-files.ts', import.meta.url).pathname;
  const stitchOurs = async (label: string, plan: string[]) => {
    const planFile = join(dir, `${label}.json`);
    const out = join(dir, `${label}.wav`);
    await writeFile(planFile, JSON.stringify(plan));
    const m = measured([process.execPath, '--import', 'tsx', runner, planFile, out]);
    results.push({
      label,
      chunks: plan.length,
      audioHours: (plan.length * CHUNK_SECONDS) / 3600,
      ...m,
      outputMb: (await stat(out)).size / 1e6,
    });
    await rm(out, { force: true });
  };

  const fifty = await makeChunks(chunkDir, 50);
  await stitchOurs('ours: 50 x 12 s', fifty);
  if (ensureFfmpeg()) {
    const list = join(dir, 'concat.txt');
    await writeFile(list, fifty.map((f) => `file '${f}'`).join('\n'));
    const out = join(dir, 'ffmpeg.wav');
    const m = measured(['ffmpeg', '-y', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', out]);
    results.push({
      label: 'ffmpeg -f concat -c copy: 50 x 12 s',
      chunks: 50,
      audioHours: (50 * CHUNK_SECONDS) / 3600,
      ...m,
      outputMb: (await stat(out)).size / 1e6,
    });
    await rm(out, { force: true });
  }
  const long = Math.round((hoursLong * 3600) / CHUNK_SECONDS);
  // The same 50 files in turn: a long document without writing gigabytes of input first.
  await stitchOurs(
    `ours: ${long} x 12 s (${hoursLong} h)`,
    Array.from({ length: long }, (_, i) => fifty[i % fifty.length]!),
  );
  await rm(chunkDir, { recursive: true, force: true });
  return results;
}
