// Child process of the stitching benchmark: stitches the WAV files listed in a JSON plan, so that
// its peak memory can be measured on its own.

import { readFile } from 'node:fs/promises';
import { decodeWav } from '../../src/audio/wav.ts';
import { openAudioFile } from '../../src/formats/index.ts';
import { NO_JOIN_EFFECTS } from '../../src/stitch/joiner.ts';
import { stitchDocument } from '../../src/stitch/stitcher.ts';

const [planFile, out] = process.argv.slice(2) as [string, string];
const files = JSON.parse(await readFile(planFile, 'utf8')) as string[];
const first = decodeWav(await readFile(files[0]!));
const frames = first.samples.length / first.channels;
// Every chunk of the plan is a copy of one of a few files of the same length.
const started = performance.now();
const format = { sampleRate: first.sampleRate, channels: first.channels };
await stitchDocument({
  files: [files.map((file, index) => ({ index, file, ...format, frames, pauseAfterMs: 0 }))],
  load: async (piece) => decodeWav(await readFile(piece.file)),
  format,
  join: NO_JOIN_EFFECTS,
  open: ({ frames: total }) => openAudioFile({ format: 'wav', path: out, pcm: format, maxFrames: total, tags: {}, chapters: [] }),
});
// The stitching itself, without Node's start-up: the parent reads this line.
console.log(`stitch-seconds ${(performance.now() - started) / 1000}`);
