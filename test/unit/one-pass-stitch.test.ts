// The one-pass stitch: with every chunk's levels record in the store (synthesizeChunk keeps them)
// the stitch reads each chunk's audio once and its file reaches the loudness target as ffmpeg's
// meter reads it; a store without records (older than them) still stitches, and gets them back.
// The store is the real LocalBlobStore, wrapped only to count its reads.

import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.ts';
import type { StitchInput, StitchResult, SynthesizeChunkInput } from '../../src/activities/types.ts';
import { applyGain } from '../../src/audio/gain.ts';
import { computeLevels } from '../../src/audio/levels.ts';
import { LoudnessMeter } from '../../src/audio/loudness.ts';
import { decodeWav, encodeWav, int16Bytes } from '../../src/audio/wav.ts';
import type { PcmAudio } from '../../src/contract/audio.ts';
import type { LoudnessTarget } from '../../src/contract/input-schema.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import type { LoudnessFigures } from '../../src/contract/reports.ts';
import { SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { openAudioFile } from '../../src/formats/index.ts';
import { stitchDocument } from '../../src/stitch/stitcher.ts';
import {
  type BlobStore,
  type HashedBlob,
  LocalBlobStore,
  type PutOptions,
  type StoredBlob,
  sha256Hex,
} from '../../src/storage/blob-store.ts';
import { chunkLevelsStored, loadChunkLevels } from '../../src/storage/chunk-levels.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

/** The real store underneath; counts `get` by uri. */
class CountingBlobStore implements BlobStore {
  readonly gets = new Map<string, number>();
  constructor(private readonly store: LocalBlobStore) {}
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<StoredBlob> {
    return this.store.put(key, bytes, options);
  }
  find(key: string): Promise<string | undefined> {
    return this.store.find(key);
  }
  get(uri: string): Promise<Buffer> {
    this.gets.set(uri, (this.gets.get(uri) ?? 0) + 1);
    return this.store.get(uri);
  }
  getHashed(uri: string, into?: ArrayBuffer): Promise<HashedBlob> {
    this.gets.set(uri, (this.gets.get(uri) ?? 0) + 1);
    return this.store.getHashed(uri, into);
  }
  remove(key: string): Promise<void> {
    return this.store.remove(key);
  }
  owns(path: string): boolean {
    return this.store.owns(path);
  }
}

const TARGET: LoudnessTarget = { targetLufs: -18, truePeakDb: -1.5 };
const TEXTS = [
  'The lighthouse keeper climbed the stairs at dusk.',
  'Below him the sea was restless, and the gulls had gone quiet.',
  'He lit the lamp.',
  'Nothing moved on the horizon; nothing ever did, until that night, when a light answered his.',
  'He wrote it down.',
  'Then he waited.',
];

let root: string;
let blobDir: string;
let outputDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'one-pass-stitch-'));
  blobDir = join(root, 'blobs');
  outputDir = join(root, 'output');
  await mkdir(outputDir);
});
afterEach(async () => {
  await chunkLevelsStored(); // the chunks' records are stored after their activities return
  await rm(root, { recursive: true, force: true });
});

const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const activitiesOn = (blobStore: BlobStore): Activities =>
  createActivities({ engines: { simulated: new SimulatedEngine() }, blobStore, outputDir });

async function synthesizeAll(activities: Activities): Promise<ChunkRef[]> {
  const refs: ChunkRef[] = [];
  for (const [index, text] of TEXTS.entries()) {
    const input: SynthesizeChunkInput = { index, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {} };
    refs.push(await speakChunk(env(), activities, input));
  }
  await chunkLevelsStored(); // each chunk's record is stored after its activity returns
  return refs;
}

function stitch(activities: Activities, chunks: ChunkRef[], name: string): Promise<StitchResult> {
  const input: StitchInput = {
    chunks,
    pausesAfterMs: [400, 250, 900, 250, 400, 0],
    output: { name, format: 'wav', trim: true, captions: true, loudness: TARGET },
  };
  return env().run<[StitchInput], StitchResult, Activities['stitch']>(activities.stitch, input);
}

async function ffmpegLoudness(path: string): Promise<LoudnessFigures> {
  const audio = decodeWav(await readFile(path));
  const meter = new LoudnessMeter(audio, { precise: true });
  await meter.write(int16Bytes(audio.samples));
  return meter.result();
}

const chunkGets = (store: CountingBlobStore, chunks: ChunkRef[]) => chunks.map((chunk) => store.gets.get(chunk.uri) ?? 0);
const records = async () => (await readdir(join(blobDir, 'levels'), { recursive: true })).filter((name) => name.endsWith('.lvl'));

describe('the stitch with levels records', () => {
  it("reads each chunk's audio once and reaches the loudness target within 0.1 LU as ffmpeg measures the file", async () => {
    const chunks = await synthesizeAll(activitiesOn(new LocalBlobStore(blobDir)));
    expect(await records()).toHaveLength(TEXTS.length);
    const store = new CountingBlobStore(new LocalBlobStore(blobDir));

    const result = await stitch(activitiesOn(store), chunks, 'one-pass.wav');

    expect(chunkGets(store, chunks)).toEqual(TEXTS.map(() => 1));
    const measured = await ffmpegLoudness(result.path);
    expect(Math.abs(measured.integratedLufs! - TARGET.targetLufs)).toBeLessThanOrEqual(0.1);
    expect(measured.truePeakDb!).toBeLessThanOrEqual(TARGET.truePeakDb + 0.1);
    // What the result reports, from the records, is what the file holds (to the summary's 0.1).
    expect(Math.abs(result.loudness!.after.integratedLufs! - measured.integratedLufs!)).toBeLessThanOrEqual(0.1);
    expect(result.loudness!.before.integratedLufs).not.toBe(result.loudness!.after.integratedLufs);
    expect(await readFile(join(outputDir, 'one-pass.vtt'), 'utf8')).toContain('He lit the lamp.');
  });

  it('takes the records this process measured for the store from memory: no record read, the same file', async () => {
    const store = new CountingBlobStore(new LocalBlobStore(blobDir));
    const activities = activitiesOn(store);
    const chunks = await synthesizeAll(activities);

    const fromMemory = await stitch(activities, chunks, 'from-memory.wav');
    const fromStore = await stitch(activitiesOn(new LocalBlobStore(blobDir)), chunks, 'from-store.wav');

    const recordReads = [...store.gets.keys()].filter((uri) => uri.endsWith('.lvl'));
    expect(recordReads).toEqual([]);
    expect(chunkGets(store, chunks)).toEqual(TEXTS.map(() => 1)); // the audio, once, for the pass
    expect(fromMemory.sha256).toBe(fromStore.sha256);
    expect(fromMemory.loudness).toEqual(fromStore.loudness);
  });

  it('stitches a store without records the same, and stores them back', async () => {
    const chunks = await synthesizeAll(activitiesOn(new LocalBlobStore(blobDir)));
    const withRecords = await stitch(activitiesOn(new LocalBlobStore(blobDir)), chunks, 'with.wav');
    await rm(join(blobDir, 'levels'), { recursive: true });
    const store = new CountingBlobStore(new LocalBlobStore(blobDir));

    const without = await stitch(activitiesOn(store), chunks, 'without.wav');

    // Measured in the stitch (one read), then the one pass (another); the file is the same.
    expect(chunkGets(store, chunks)).toEqual(TEXTS.map(() => 2));
    expect(without.sha256).toBe(withRecords.sha256);
    expect(without.loudness).toEqual(withRecords.loudness);
    expect(await records()).toHaveLength(TEXTS.length);

    const again = new CountingBlobStore(new LocalBlobStore(blobDir));
    await stitch(activitiesOn(again), chunks, 'again.wav');
    expect(chunkGets(again, chunks)).toEqual(TEXTS.map(() => 1));
  });
});

describe('the one pass against the two passes', () => {
  it('writes the same samples, file for file, trims and pauses included', async () => {
    const store = new LocalBlobStore(blobDir);
    const chunks = await synthesizeAll(activitiesOn(store));
    const audio = await Promise.all(chunks.map(async (chunk) => decodeWav(await store.get(chunk.uri))));
    const levels = await Promise.all(chunks.map((chunk) => loadChunkLevels(store, { audioSha256: chunk.sha256 })));
    // Two files (chapters), an exact pause and plain ones, a lead-in and a tail.
    const pieces = chunks.map((chunk, index) => ({
      ...chunk,
      pauseAfterMs: [400, 250, 900, 250, 400, 0][index]!,
      ...(index === 1 ? { exactPause: true } : {}),
    }));
    const run = async (name: string, onePass: boolean, loudness?: LoudnessTarget, loadsFresh = false) => {
      const stitched = await stitchDocument({
        files: [pieces.slice(0, 3), pieces.slice(3)],
        // Fresh: a copy per read, which the one pass may level where it is (as the activity's reads are).
        load: async (piece) =>
          loadsFresh ? { ...audio[piece.index]!, samples: audio[piece.index]!.samples.slice() } : audio[piece.index]!,
        ...(loadsFresh ? { loadsFresh } : {}),
        format: { sampleRate: 24_000, channels: 1 },
        join: { trim: true, crossfadeMs: 0, leadInMs: 500, tailMs: 700 },
        ...(loudness ? { loudness } : {}),
        ...(onePass ? { levelsOf: (piece: { index: number }) => levels[piece.index]! } : {}),
        open: ({ frames }, i) =>
          openAudioFile({
            format: 'wav',
            path: join(outputDir, `${name}-${i}.wav`),
            pcm: { sampleRate: 24_000, channels: 1 },
            maxFrames: frames,
            tags: {},
            chapters: [],
          }),
      });
      const samples = await Promise.all(stitched.files.map(async (f) => decodeWav(await readFile(f.file.path)).samples));
      return { stitched, samples };
    };

    const one = await run('one', true);
    const two = await run('two', false);
    expect(one.stitched.files.map((f) => f.placed)).toEqual(two.stitched.files.map((f) => f.placed));
    expect(one.samples).toEqual(two.samples);

    // With the loudness target: each file is the unit-gain file at the document's one gain, sample for sample.
    const levelled = await run('levelled', true, TARGET);
    expect(levelled.stitched.loudness!.limitedMs).toBe(0);
    expect(levelled.samples).toEqual(one.samples.map((samples) => applyGain(samples, levelled.stitched.loudness!.gainDb)));
    // Levelled in place, the same file; the chunks read are what changed, never the audio they came from.
    const inPlace = await run('in-place', true, TARGET, true);
    expect(inPlace.samples).toEqual(levelled.samples);
    const untouched = await run('untouched', true);
    expect(untouched.samples).toEqual(one.samples);
  });
});

describe('the one-pass stitch with the limiter', () => {
  /** Quiet noise with a loud 1 kHz blip every 0.7 s: the gain to the target pushes the clicks past the ceiling. */
  function clicky(seed: number): PcmAudio {
    const random = seededRandom(seed);
    const samples = new Int16Array(3 * 24_000);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round((random() * 2 - 1) * 1_500);
    for (let at = 2_000; at < samples.length; at += 16_800)
      for (let i = 0; i < 48; i++) samples[at + i] = Math.round(30_000 * Math.sin((2 * Math.PI * i) / 24));
    return { sampleRate: 24_000, channels: 1, samples };
  }

  it('levels as the two passes do, and measures what it wrote', async () => {
    const audio = [1, 2, 3].map(clicky);
    const records = audio.map((a) => {
      const wav = encodeWav(a);
      return computeLevels(a, { audioSha256: sha256Hex(wav), audioBytes: wav.length });
    });
    const pieces = audio.map((_, index) => ({ index, sampleRate: 24_000, channels: 1, frames: 72_000, pauseAfterMs: 300 }));
    const reads: number[] = [];
    const run = (name: string, onePass: boolean) =>
      stitchDocument({
        files: [pieces],
        load: async (piece) => {
          reads.push(piece.index);
          return audio[piece.index]!;
        },
        format: { sampleRate: 24_000, channels: 1 },
        join: { trim: true, crossfadeMs: 0 },
        loudness: TARGET,
        ...(onePass ? { levelsOf: (piece: { index: number }) => records[piece.index]! } : {}),
        open: ({ frames }) =>
          openAudioFile({
            format: 'wav',
            path: join(outputDir, name),
            pcm: { sampleRate: 24_000, channels: 1 },
            maxFrames: frames,
            tags: {},
            chapters: [],
          }),
      });

    const one = await run('one.wav', true);
    expect(reads).toEqual([0, 1, 2]);
    const two = await run('two.wav', false);
    expect(reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);

    expect(one.loudness!.limitedMs).toBeGreaterThan(0);
    expect(one.frames).toBe(two.frames);
    expect(one.files[0]!.placed).toEqual(two.files[0]!.placed);
    expect(Math.abs(one.loudness!.gainDb - two.loudness!.gainDb)).toBeLessThanOrEqual(0.1);
    const measured = await ffmpegLoudness(one.files[0]!.file.path);
    expect(Math.abs(one.loudness!.after.integratedLufs! - measured.integratedLufs!)).toBeLessThanOrEqual(0.1);
    expect(measured.truePeakDb!).toBeLessThanOrEqual(TARGET.truePeakDb + 0.1);
    // The true peak after the limiter is estimated (the largest sample written, raised as the records' chunks rise between samples).
    expect(Math.abs(one.loudness!.after.truePeakDb! - measured.truePeakDb!)).toBeLessThanOrEqual(0.5);
  });
});
