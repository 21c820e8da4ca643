// Stitching ahead: a document's first chunks levelled and written while its last ones are spoken,
// and the stitch after the last chunk going on from them. Whether it did or not, the document's
// file is the same, byte for byte: the gain rule (src/stitch/stitch-ahead.ts) is every one-pass
// stitch's. Real stores, real files; the activities run in Temporal's mock activity environment.

import { mkdir, mkdtemp, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Activities, createActivities } from '../../src/activities/index.ts';
import type { StitchInput, StitchResult, SynthesizeChunkInput } from '../../src/activities/types.ts';
import { computeLevels } from '../../src/audio/levels.ts';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import type { PcmAudio } from '../../src/contract/audio.ts';
import type { LoudnessTarget } from '../../src/contract/input-schema.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { openAudioFile } from '../../src/formats/index.ts';
import { aheadPrefix, documentGain } from '../../src/stitch/stitch-ahead.ts';
import { stitchDocument, stitchPrefix } from '../../src/stitch/stitcher.ts';
import { LocalBlobStore, sha256Hex } from '../../src/storage/blob-store.ts';
import { chunkLevelsStored } from '../../src/storage/chunk-levels.ts';
import { stagingPidOnThisMachine } from '../../src/storage/staging-folders.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const TARGET: LoudnessTarget = { targetLufs: -18, truePeakDb: -1.5 };
const CHUNKS = 12;

let root: string;
let outputDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stitch-ahead-'));
  outputDir = join(root, 'output');
  await mkdir(outputDir);
});
afterEach(async () => {
  await chunkLevelsStored();
  await rm(root, { recursive: true, force: true });
});

describe('the gain rule', () => {
  it('stitches all but the last tenth ahead, and none of a short document', () => {
    expect([9, 10, 12, 50, 51].map(aheadPrefix)).toEqual([0, 9, 10, 45, 45]);
  });

  it("takes the first chunks' gain within 0.05 dB of the whole's, else the whole's, and never one that limits", () => {
    const room = { truePeakDb: -6, ceilingDb: -1.5 };
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.15 }, room)).toEqual({ gainDb: 3.15 });
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.05 }, room)).toEqual({ gainDb: 3.05 });
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.16 }, room)).toEqual({ gainDb: 3.1 });
    expect(documentGain({ gainDb: 3.1 }, undefined, room)).toEqual({ gainDb: 3.1 });
    expect(documentGain({ gainDb: 3.1, limiterCeilingDb: -2 }, { gainDb: 3.1 }, room)).toEqual({ gainDb: 3.1, limiterCeilingDb: -2 });
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.1, limiterCeilingDb: -2 }, room)).toEqual({ gainDb: 3.1 });
    // The whole's loudest peak (in its last chunks) would pass the ceiling with the first chunks' larger gain.
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.14 }, { truePeakDb: -4.62, ceilingDb: -1.5 })).toEqual({ gainDb: 3.1 });
    expect(documentGain({ gainDb: 3.1 }, { gainDb: 3.12 }, { truePeakDb: -4.62, ceilingDb: -1.5 })).toEqual({ gainDb: 3.12 });
  });
});

describe('the stitch ahead and the stitch after it', () => {
  const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const activities = () =>
    createActivities({ engines: { simulated: new SimulatedEngine() }, blobStore: new LocalBlobStore(join(root, 'blobs')), outputDir });

  async function speakAll(on: Activities): Promise<ChunkRef[]> {
    const refs: ChunkRef[] = [];
    for (let index = 0; index < CHUNKS; index++) {
      const text = `Sentence ${index} of the document, ${'and more words '.repeat(1 + (index % 4))}to say.`;
      const input: SynthesizeChunkInput = { index, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {} };
      refs.push(await speakChunk(env(), on, input));
    }
    return refs;
  }

  const request = (chunks: ChunkRef[], name: string, pauses: number[] = chunks.map((_, i) => (i % 3 === 2 ? 900 : 250))): StitchInput => ({
    chunks,
    pausesAfterMs: pauses,
    output: { name, format: 'wav', trim: true, captions: true, loudness: TARGET },
  });
  const stitch = (on: Activities, input: StitchInput) => env().run<[StitchInput], StitchResult, Activities['stitch']>(on.stitch, input);
  const stitchAhead = (on: Activities, input: StitchInput) =>
    env().run<[StitchInput & { documentChunks: number }], string | null, Activities['stitchAhead']>(on.stitchAhead, {
      ...input,
      chunks: input.chunks.slice(0, aheadPrefix(CHUNKS)),
      pausesAfterMs: input.pausesAfterMs.slice(0, aheadPrefix(CHUNKS)),
      documentChunks: CHUNKS,
    });
  /** This process's staging folders, and the prefixes waiting in them. */
  const stagingFolders = async () => (await readdir(outputDir)).filter((name) => stagingPidOnThisMachine(name) === process.pid);
  const prefixFiles = async () =>
    (
      await Promise.all((await stagingFolders()).map(async (f) => (await readdir(join(outputDir, f))).map((n) => join(outputDir, f, n))))
    ).flat();
  const leftovers = async () => [...(await stagingFolders()), ...(await readdir(outputDir)).filter((name) => name.endsWith('.tmp'))];

  it('goes on from the first chunks written ahead: the same file as a stitch of the whole, nothing left behind', async () => {
    const on = activities();
    const chunks = await speakAll(on);
    const whole = await stitch(on, request(chunks, 'whole.wav'));
    expect(whole.aheadChunks).toBeUndefined();

    const token = await stitchAhead(on, request(chunks, 'ahead.wav'));
    expect(token).toEqual(expect.any(String));
    expect(await leftovers()).toHaveLength(1); // the prefix, waiting under a temporary name
    const ahead = await stitch(on, { ...request(chunks, 'ahead.wav'), ahead: token! });

    expect(ahead.aheadChunks).toBe(aheadPrefix(CHUNKS));
    expect(ahead.sha256).toBe(whole.sha256);
    expect(sha256Hex(await readFile(ahead.path))).toBe(ahead.sha256);
    expect(ahead.bytes).toBe(whole.bytes);
    expect(ahead.loudness).toEqual(whole.loudness);
    expect(await leftovers()).toEqual([]);
    expect(decodeWav(await readFile(ahead.path)).samples.length).toBe(whole.frames);
  });

  it("keeps the prefix in this process's staging folder, which a worker starting after its death removes", async () => {
    const on = activities();
    const chunks = await speakAll(on);
    await stitchAhead(on, request(chunks, 'staged.wav'));
    expect(await prefixFiles()).toHaveLength(1);
  });

  it('stitches the whole when the prefix file was cut short, and removes it', async () => {
    const on = activities();
    const chunks = await speakAll(on);
    const whole = await stitch(on, request(chunks, 'whole.wav'));
    const token = await stitchAhead(on, request(chunks, 'cut.wav'));
    const [file] = await prefixFiles();
    await truncate(file!, 1000);

    const cut = await stitch(on, { ...request(chunks, 'cut.wav'), ahead: token! });

    expect(cut.aheadChunks).toBeUndefined();
    expect(cut.sha256).toBe(whole.sha256);
    expect(await prefixFiles()).toEqual([]);
  });

  it('stitches the whole when the prefix is not this worker’s or not of these pauses, and removes it', async () => {
    const on = activities();
    const chunks = await speakAll(on);
    const whole = await stitch(on, request(chunks, 'whole.wav'));

    const elsewhere = await stitch(on, { ...request(chunks, 'elsewhere.wav'), ahead: 'a-token-of-another-worker' });
    expect(elsewhere.aheadChunks).toBeUndefined();
    expect(elsewhere.sha256).toBe(whole.sha256);

    // Stitched ahead with other pauses: the stitch's own prefix differs, so it does not go on from it.
    const token = await stitchAhead(
      on,
      request(
        chunks,
        'other.wav',
        chunks.map(() => 100),
      ),
    );
    const other = await stitch(on, { ...request(chunks, 'other.wav'), ahead: token! });
    expect(other.aheadChunks).toBeUndefined();
    expect(other.sha256).toBe(whole.sha256);
    expect(await leftovers()).toEqual([]);
  });
});

describe('the stitcher going on from a prefix', () => {
  /** Noise at `amplitude`, one second. */
  function noise(seed: number, amplitude: number): PcmAudio {
    const random = seededRandom(seed);
    const samples = new Int16Array(24_000);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round((random() * 2 - 1) * amplitude);
    return { sampleRate: 24_000, channels: 1, samples };
  }

  async function stitchBothWays(amplitudes: number[]) {
    const audio = amplitudes.map((amplitude, seed) => noise(seed + 1, amplitude));
    const records = audio.map((a) => {
      const wav = encodeWav(a);
      return computeLevels(a, { audioSha256: sha256Hex(wav), audioBytes: wav.length });
    });
    const pieces = audio.map((_, index) => ({ index, sampleRate: 24_000, channels: 1, frames: 24_000, pauseAfterMs: 300 }));
    const common = {
      load: async (piece: { index: number }) => ({ ...audio[piece.index]!, samples: audio[piece.index]!.samples.slice() }),
      loadsFresh: true,
      format: { sampleRate: 24_000, channels: 1 },
      join: { trim: true, crossfadeMs: 0 },
      loudness: TARGET,
    };
    const levelsOf = (piece: { index: number }) => records[piece.index]!;
    const open = (name: string, frames: number) =>
      openAudioFile({ format: 'wav', path: join(outputDir, name), pcm: common.format, maxFrames: frames, tags: {}, chapters: [] });
    const whole = await stitchDocument({ ...common, files: [pieces], levelsOf, open: ({ frames }) => open('whole.wav', frames) });
    const prefix = await stitchPrefix(
      { ...common, files: [pieces.slice(0, aheadPrefix(pieces.length))], open: ({ frames }) => open('prefix.wav', frames) },
      levelsOf,
    );
    const opened: boolean[] = [];
    const resumed = await stitchDocument({
      ...common,
      files: [pieces],
      levelsOf,
      resume: prefix!,
      open: ({ frames }, _i, goesOn) => {
        opened.push(!!goesOn);
        return openAudioFile({
          format: 'wav',
          path: join(outputDir, 'resumed.wav'),
          pcm: common.format,
          maxFrames: frames,
          tags: {},
          chapters: [],
          ...(goesOn ? { resume: prefix!.file } : {}),
        });
      },
    });
    return { whole, prefix: prefix!, resumed, opened };
  }

  it('goes on when the first pieces set the gain: the same bytes as the whole in one go', async () => {
    const { whole, prefix, resumed, opened } = await stitchBothWays(Array.from({ length: 10 }, () => 3_000));
    expect(opened).toEqual([true]);
    expect(prefix.pieces).toBe(9);
    expect(resumed.loudness!.gainDb).toBe(prefix.gainDb);
    expect(resumed.files[0]!.file.sha256).toBe(whole.files[0]!.file.sha256);
  });

  it("does not when the last pieces move the whole's gain by more than 0.05 dB: the whole's gain, written afresh", async () => {
    // The last piece four times as loud: the document's gain is well below its first pieces'.
    const { whole, prefix, resumed, opened } = await stitchBothWays([...Array.from({ length: 9 }, () => 2_000), 8_000]);
    expect(opened).toEqual([false]);
    expect(Math.abs(prefix.gainDb - whole.loudness!.gainDb)).toBeGreaterThan(0.05);
    expect(resumed.loudness!.gainDb).toBe(whole.loudness!.gainDb);
    expect(resumed.files[0]!.file.sha256).toBe(whole.files[0]!.file.sha256);
  });
});
