// Writes the document's PCM, as it streams in, to a file of the asked format: WAV (RF64 beyond
// 4 GiB) by us, MP3/M4B/Opus/FLAC by ffmpeg. Written under a temporary name and renamed at the end,
// so nothing half-written ever has the final name. A WAV is written and hashed on a thread of its
// own (src/system/sha256-off-thread.ts), at most 4 MB waiting. What is written is copied: the
// caller may reuse its samples once write() resolves.

import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { FfmpegProcess, type PcmFormat, rawPcmInput } from '../audio/ffmpeg.ts';
import { int16Bytes, MAX_WAV_DATA_BYTES, rf64Header, wavHeader } from '../audio/wav.ts';
import type { OutputFormat } from '../document/input.ts';
import { HashedFileWrites } from '../system/sha256-off-thread.ts';
import { FORMAT_FACTS } from './audio-formats.ts';
import { type FrameChapter, ffmetadata, type Tags } from './ffmetadata.ts';

export interface AudioFileSpec {
  format: OutputFormat;
  path: string;
  pcm: PcmFormat;
  /** Frames there will be at most: a WAV that could pass 4 GiB is written as RF64. */
  maxFrames: number;
  bitrateKbps?: number;
  tags: Tags;
  chapters: FrameChapter[];
  /** A JPEG to embed as the cover, where the format holds one. */
  coverPath?: string;
  /** A WAV: go on writing this one, paused after its first samples (it becomes the file at `path`). */
  resume?: PausedWav;
}

/** A WAV written up to some point and closed, not yet under its name: its header's sizes are filled in when it is finished. */
export interface PausedWav {
  temporary: string;
  dataBytes: number;
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface AudioFileWriter {
  /** The samples are copied (or written) once this resolves: the caller may reuse them. */
  write(samples: Int16Array): Promise<void>;
  finish(): Promise<WrittenFile>;
  /** Removes what was written; the final name is never touched. */
  abort(): Promise<void>;
  /** A WAV: everything written is on disk, the file closed under its temporary name, to be resumed (`AudioFileSpec.resume`). */
  pause?(): Promise<PausedWav>;
}

export async function openAudioFile(spec: AudioFileSpec): Promise<AudioFileWriter> {
  if (spec.resume) return openWav(spec, spec.resume.temporary, spec.resume.dataBytes);
  const temporary = `${spec.path}.${randomUUID()}.tmp`;
  return FORMAT_FACTS[spec.format].encoder ? openEncoded(spec, temporary) : openWav(spec, temporary);
}

/** The bitrate a format gets when none is asked: enough for speech at the output's channels. */
export function defaultBitrateKbps(format: OutputFormat, channels: number): number | undefined {
  const perChannel = FORMAT_FACTS[format].encoder?.kbpsPerChannel;
  return perChannel ? perChannel * channels : undefined;
}

// --- WAV ---

/** `resumedBytes`: the data a paused WAV at `temporary` holds already (its header is a plain WAV's, sizes to come). */
async function openWav(spec: AudioFileSpec, temporary: string, resumedBytes?: number): Promise<AudioFileWriter> {
  const { sampleRate, channels } = spec.pcm;
  const rf64 = spec.maxFrames * channels * 2 > MAX_WAV_DATA_BYTES;
  if (rf64 && resumedBytes !== undefined)
    throw new Error('a WAV past 4 GiB is written as RF64 from its first byte: it cannot resume a plain one');
  const header = (dataBytes: number) => (rf64 ? rf64Header : wavHeader)(sampleRate, channels, dataBytes);
  const file = resumedBytes === undefined ? await open(temporary, 'wx') : await openPaused(temporary, header(0).length + resumedBytes);
  let dataBytes = resumedBytes ?? 0;
  // The header promises maxFrames; a stitch planned from its chunks' records writes exactly that,
  // so the file is hashed as it goes out. Otherwise the sizes are filled in at the end and the
  // file read back for its hash.
  const promised = spec.maxFrames * channels * 2;
  // Written and hashed on the files thread (the tail's largest cost here); if it cannot run, here
  // one write at a time, and read back for the hash. Resumed: the header promises the plan's sizes
  // now, and the thread hashes what the file holds while the rest is joined.
  let onThread: HashedFileWrites | undefined;
  try {
    if (resumedBytes !== undefined) await writeHeader(temporary, header(promised));
    onThread = await HashedFileWrites.open(file.fd, resumedBytes === undefined ? undefined : header(0).length + resumedBytes);
    if (resumedBytes === undefined) await (onThread ? onThread.write(header(promised)) : file.write(header(promised)));
  } catch (error) {
    await onThread?.drop();
    await discard(file, temporary);
    throw error;
  }
  return {
    async write(samples) {
      const bytes = int16Bytes(samples);
      dataBytes += bytes.length;
      await (onThread ? onThread.write(bytes) : file.write(bytes));
    },
    async finish() {
      // Everything written and on disk; the hash of what was written, when the thread wrote it.
      let sha256 = onThread ? await onThread.finish() : undefined;
      if (!onThread) await file.sync();
      if (dataBytes !== promised) {
        sha256 = undefined;
        await writeHeader(temporary, header(dataBytes));
        await file.sync();
      }
      await file.close();
      return publish(temporary, spec.path, sha256);
    },
    abort: async () => {
      await onThread?.drop();
      await discard(file, temporary);
    },
    async pause() {
      await (onThread ? onThread.finish() : file.sync());
      await file.close();
      return { temporary, dataBytes };
    },
  };
}

/**
 * A paused WAV, to append to (a header goes through a handle of its own: an appending one writes
 * only at the end); it must hold `bytes`, no more, no less: one removed or cut short fails here.
 */
async function openPaused(path: string, bytes: number): Promise<FileHandle> {
  const file = await open(path, constants.O_RDWR | constants.O_APPEND);
  const { size } = await file.stat();
  if (size === bytes) return file;
  await file.close();
  throw new Error(`the WAV paused at ${bytes} bytes holds ${size}: it cannot be gone on from`);
}

/** A WAV's header, over the one it was opened with. */
async function writeHeader(path: string, bytes: Buffer): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.write(bytes, 0, bytes.length, 0);
  } finally {
    await file.close();
  }
}

// --- Compressed, by ffmpeg ---

async function openEncoded(spec: AudioFileSpec, temporary: string): Promise<AudioFileWriter> {
  const encoder = FORMAT_FACTS[spec.format].encoder!;
  const metadataPath = `${temporary}.ffmetadata`;
  await writeFile(metadataPath, ffmetadata(spec.tags, spec.chapters, spec.pcm.sampleRate));
  const bitrate = spec.bitrateKbps ?? defaultBitrateKbps(spec.format, spec.pcm.channels);
  const resample = encoder.sampleRates && !encoder.sampleRates.includes(spec.pcm.sampleRate) ? ['-ar', '48000'] : [];
  // The picture is copied as it is (a JPEG): an attached picture, not a video track.
  const cover =
    spec.coverPath && FORMAT_FACTS[spec.format].cover
      ? { input: ['-i', spec.coverPath], output: ['-map', '2:v', '-c:v', 'copy', '-disposition:v', 'attached_pic'] }
      : { input: [], output: [] };
  const ffmpeg = new FfmpegProcess([
    ...rawPcmInput(spec.pcm),
    '-f',
    'ffmetadata',
    '-i',
    metadataPath,
    ...cover.input,
    '-map',
    '0:a',
    ...cover.output,
    '-map_metadata',
    '1',
    '-map_chapters',
    '1',
    '-c:a',
    encoder.codec,
    ...(bitrate ? ['-b:a', `${bitrate}k`] : []),
    ...resample,
    ...(encoder.extra ?? []),
    '-f',
    encoder.muxer,
    '-y',
    temporary,
  ]);
  const cleanUp = () => rm(metadataPath, { force: true });
  return {
    write: (samples) => ffmpeg.write(Buffer.from(int16Bytes(samples))), // a copy: the pipe may hold it after this resolves
    async finish() {
      try {
        await ffmpeg.finish();
      } finally {
        await cleanUp();
      }
      return publish(temporary, spec.path);
    },
    async abort() {
      ffmpeg.kill();
      await Promise.all([cleanUp(), rm(temporary, { force: true })]);
    },
  };
}

// --- Helpers ---

/** Gives the finished file its name and describes it (unless hashed as written, the hash is read back: the header came last). */
async function publish(temporary: string, path: string, hashed?: string): Promise<WrittenFile> {
  const [sha256, { size }] = await Promise.all([hashed ?? fileSha256(temporary), stat(temporary)]);
  await rename(temporary, path);
  return { path, bytes: size, sha256 };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path)) hash.update(block as Buffer);
  return hash.digest('hex');
}

async function discard(file: FileHandle, temporary: string): Promise<void> {
  await file.close().catch(() => {});
  await rm(temporary, { force: true });
}
