// The stitch tail: what a document waits for after its last chunk, with the defaults on (trim,
// loudness, captions, WAV), through the stitch activity on a real chunk store of simulated chunks
// of ~19 s (the issue's 50 chunks make 16 minutes). Beside it: the floor (one plain read of the
// same chunk files), the same stitch when the store has no levels records (measured in the stitch
// and stored back, then one pass), and the old two passes (reached with a 1 ms crossfade, which
// the records cannot follow), and the same one pass to MP3 (the encoder's cost on top). All measured
// in one run, so the ratios compare like with like. Above an hour of audio only the floor and the
// one pass are run (the others would take minutes and say nothing new).
//
// Part of `npm run bench`; alone: `node --import tsx scripts/bench/stitch-tail.ts [--hours 0.27,1,10] [--dir DIR]`.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { type Activities, createActivities } from '../../src/activities/index.ts';
import type { StitchInput, StitchResult, SynthesizeChunkInput } from '../../src/activities/types.ts';
import { DEFAULT_LOUDNESS } from '../../src/contract/input-schema.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { SIMULATED_CHARS_PER_SECOND, SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { LocalBlobStore } from '../../src/storage/blob-store.ts';
import { chunkLevelsStored } from '../../src/storage/chunk-levels.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';

export interface StitchTailResult {
  audioMinutes: number;
  chunks: number;
  /** One plain read of every chunk file. */
  floorSec: number;
  /** With every chunk's record: one pass. */
  onePassSec: number;
  /** The issue's target for the tail: 0.5 s plus 1 s per hour of audio. */
  targetSec: number;
  /** No records in the store: measured and stored back, then one pass (up to an hour of audio). */
  noRecordsSec?: number;
  /** The two passes of before the records (up to an hour of audio). */
  twoPassSec?: number;
  /** The one pass to MP3 (up to an hour of audio). */
  mp3Sec?: number;
}

/** Above this much audio, only the floor and the one pass are measured. */
const COMPARED_UP_TO_HOURS = 1;

const CHUNK_SECONDS = 19.2;
/** The issue's sizes: its 50 chunks (16 minutes), an hour, and a long book. */
export const tailHours = (longHours: number) => [(50 * CHUNK_SECONDS) / 3600, 1, longHours];
const PAUSES_MS = [250, 400, 250, 900, 250, 400];

const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

async function synthesize(activities: Activities, count: number): Promise<ChunkRef[]> {
  const chars = Math.round(CHUNK_SECONDS * SIMULATED_CHARS_PER_SECOND);
  const refs: ChunkRef[] = [];
  for (let index = 0; index < count; index++) {
    const text = `Chunk ${index} of the tail bench. `.padEnd(chars, 'the quick brown fox jumps over the lazy dog ');
    const input: SynthesizeChunkInput = { index, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {} };
    refs.push(await speakChunk(env(), activities, input));
  }
  return refs;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

export async function stitchTail(dir: string, hours: number[]): Promise<StitchTailResult[]> {
  const results: StitchTailResult[] = [];
  for (const h of hours) {
    const root = join(dir, `stitch-tail-${h}h`);
    const blobDir = join(root, 'blobs');
    const outputDir = join(root, 'out');
    await mkdir(outputDir, { recursive: true });
    // A worker's activities on the chunk store (each its own store instance: the one that made the
    // chunks keeps the records it measured in memory, the last 1,024; another reads them from disk).
    const activitiesOnStore = () =>
      createActivities({ engines: { simulated: new SimulatedEngine() }, blobStore: new LocalBlobStore(blobDir), outputDir });
    const activities = activitiesOnStore();
    const count = Math.round((h * 3600) / CHUNK_SECONDS);
    const chunks = await synthesize(activities, count);
    // The records are measured while the next chunks are spoken; with no latency here, they would all
    // be measured inside the stitch's time (the stock-server bench measures a real window's last ones).
    await chunkLevelsStored();
    const stitch = (name: string, crossfadeMs = 0, format: 'wav' | 'mp3' = 'wav', by = activities) => {
      const input: StitchInput = {
        chunks,
        pausesAfterMs: chunks.map((_, i) => (i === chunks.length - 1 ? 0 : PAUSES_MS[i % PAUSES_MS.length]!)),
        output: { name, format, trim: true, captions: true, loudness: DEFAULT_LOUDNESS, crossfadeMs },
      };
      return env().run<[StitchInput], StitchResult, Activities['stitch']>(by.stitch, input);
    };
    const floor = await timed(async () => {
      for (const chunk of chunks) await readFile(fileURLToPath(chunk.uri));
    });
    const onePass = await timed(() => stitch('one-pass.wav'));
    const compared: Partial<StitchTailResult> = {};
    if (h <= COMPARED_UP_TO_HOURS) {
      compared.mp3Sec = (await timed(() => stitch('one-pass.mp3', 0, 'mp3'))).seconds;
      compared.twoPassSec = (await timed(() => stitch('two-pass.wav', 1))).seconds;
      await rm(join(blobDir, 'levels'), { recursive: true, force: true });
      // Another worker's store: none of the records in memory either.
      const noRecords = await timed(() => stitch('no-records.wav', 0, 'wav', activitiesOnStore()));
      if (noRecords.value.sha256 !== onePass.value.sha256) throw new Error('the stitch without records wrote another file');
      compared.noRecordsSec = noRecords.seconds;
    }
    results.push({
      audioMinutes: onePass.value.durationSec / 60,
      chunks: count,
      floorSec: floor.seconds,
      onePassSec: onePass.seconds,
      targetSec: 0.5 + onePass.value.durationSec / 3600,
      ...compared,
    });
    await rm(root, { recursive: true, force: true });
  }
  return results;
}

export function stitchTailTable(results: StitchTailResult[]): string {
  const f = (s: number | undefined) => (s === undefined ? '-' : `${s.toFixed(3)} s`);
  const rows = results.map(
    (r) =>
      `| ${r.audioMinutes.toFixed(1)} min | ${r.chunks} | ${f(r.floorSec)} | ${f(r.onePassSec)} | ` +
      `${f(r.targetSec)}: ${r.onePassSec <= r.targetSec ? 'met' : 'missed'} | ${f(r.mp3Sec)} | ${f(r.noRecordsSec)} | ` +
      `${f(r.twoPassSec)}${r.twoPassSec ? ` (${(r.twoPassSec / r.onePassSec).toFixed(1)}x the one pass)` : ''} |`,
  );
  return [
    '| audio | chunks | floor: one read | one pass (records) | target 0.5 s + 1 s/h | one pass to MP3 | no records (measured, then one pass) | two passes |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { hours: { type: 'string' }, dir: { type: 'string' } } });
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'stitch-tail-')));
  console.log(stitchTailTable(await stitchTail(dir, values.hours ? values.hours.split(',').map(Number) : tailHours(10))));
  if (!values.dir) await rm(dir, { recursive: true, force: true });
}
