// Writes the document's PCM, as it streams in, to a file of the asked format: WAV (RF64 beyond
// 4 GiB) by us, MP3/M4B/Opus/FLAC by ffmpeg. Written under a temporary name and renamed at the end,
// so nothing half-written ever has the final name. Memory stays bounded: at most 4 MB of writes wait
// (the hashing thread reads the written file back itself).

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { FfmpegProcess, type PcmFormat, rawPcmInput } from '../audio/ffmpeg.ts';
import { int16Bytes, MAX_WAV_DATA_BYTES, rf64Header, wavHeader } from '../audio/wav.ts';
import type { OutputFormat } from '../document/input.ts';
import { WrittenFileSha256 } from '../system/sha256-off-thread.ts';
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
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface AudioFileWriter {
  /** The samples are the writer's once given: they may still be on their way to the file when this resolves. */
  write(samples: Int16Array): Promise<void>;
  finish(): Promise<WrittenFile>;
  /** Removes what was written; the final name is never touched. */
  abort(): Promise<void>;
}

export async function openAudioFile(spec: AudioFileSpec): Promise<AudioFileWriter> {
  const temporary = `${spec.path}.${randomUUID()}.tmp`;
  return FORMAT_FACTS[spec.format].encoder ? openEncoded(spec, temporary) : openWav(spec, temporary);
}

/** The bitrate a format gets when none is asked: enough for speech at the output's channels. */
export function defaultBitrateKbps(format: OutputFormat, channels: number): number | undefined {
  const perChannel = FORMAT_FACTS[format].encoder?.kbpsPerChannel;
  return perChannel ? perChannel * channels : undefined;
}

// --- WAV ---

async function openWav(spec: AudioFileSpec, temporary: string): Promise<AudioFileWriter> {
  const { sampleRate, channels } = spec.pcm;
  const rf64 = spec.maxFrames * channels * 2 > MAX_WAV_DATA_BYTES;
  const header = (dataBytes: number) => (rf64 ? rf64Header : wavHeader)(sampleRate, channels, dataBytes);
  const file = await open(temporary, 'wx+'); // read too: the hashing thread reads it back
  let dataBytes = 0;
  // The header promises maxFrames; a stitch planned from its chunks' records writes exactly that,
  // so the file is hashed as it goes out. Otherwise the sizes are filled in at the end and the
  // file read back for its hash.
  const promised = spec.maxFrames * channels * 2;
  const first = header(promised);
  // Hashed on another thread as it goes out (the tail's largest cost here); read back if that thread fails.
  const hash = new WrittenFileSha256(file.fd);
  await file.write(first);
  const writes = new BackgroundWrites(file, first.length, (upTo) => hash.writtenUpTo(upTo));
  return {
    async write(samples) {
      const bytes = int16Bytes(samples);
      dataBytes += bytes.length;
      await writes.write(bytes);
    },
    async finish() {
      await writes.settled();
      const hashed = dataBytes === promised;
      if (!hashed) {
        await hash.drop();
        await file.write(header(dataBytes), 0, undefined, 0);
      }
      // The thread reads the file through its descriptor: the digest settles before it is closed.
      const digest = hashed ? hash.digest(first.length + dataBytes).catch(() => undefined) : undefined;
      await file.sync();
      const sha256 = await digest;
      await file.close();
      return publish(temporary, spec.path, sha256);
    },
    abort: async () => {
      await writes.settled().catch(() => {});
      await hash.drop();
      await discard(file, temporary);
    },
  };
}

/** Writes waiting at once: the stitch levels the next chunk while the last one goes to the file. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Flushed to disk every this much, one flush at a time. */
const FLUSH_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * A file's writes, in order, while the caller goes on: the stitch's main thread waited on each
 * write of an hour's file for about a quarter of a second. The file is flushed to disk as it
 * goes, so the sync that ends it has only the last megabytes left (about 25 ms per 45 MB here
 * when all were left to it, after the last chunk, where the user waits).
 */
class BackgroundWrites {
  private queue: Promise<void> = Promise.resolve();
  /** The writes not done yet, oldest first. */
  private readonly waiting: Array<Promise<void>> = [];
  private queuedBytes = 0;
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly file: FileHandle,
    /** Bytes already in the file: the writes append after them. */
    private written: number,
    /** Told each time the file's first `upTo` bytes are all written. */
    private readonly onWritten: (upTo: number) => void = () => {},
  ) {}

  /** Resolves once `bytes` are queued (written, when too many wait): they are the file's now, unchanged. */
  async write(bytes: Uint8Array): Promise<void> {
    this.queuedBytes += bytes.length;
    const written: Promise<void> = this.queue.then(async () => {
      await this.file.write(bytes);
      this.written += bytes.length;
      this.onWritten(this.written);
      this.queuedBytes -= bytes.length;
      this.waiting.splice(this.waiting.indexOf(written), 1);
      this.flushSome(bytes.length);
    });
    written.catch(() => {}); // thrown by the next wait on it
    this.queue = written;
    this.waiting.push(written);
    // Over the bound: wait for the oldest write only, so the file keeps something to write.
    while (this.queuedBytes > MAX_QUEUED_BYTES) await this.waiting[0];
  }

  /** Every write done, and every flush; the first failure of either is thrown. */
  async settled(): Promise<void> {
    try {
      await this.queue;
    } finally {
      await this.flushing;
    }
    if (this.failure) throw this.failure;
  }

  private flushSome(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY_BYTES || this.flushing) return;
    this.unflushed = 0;
    this.flushing = this.file
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.flushing = undefined;
      });
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
    write: (samples) => ffmpeg.write(int16Bytes(samples)),
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

async function discard(file: FileHandle, temporary: string): Promise<void> {
  await file.close().catch(() => {});
  await rm(temporary, { force: true });
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path)) hash.update(block as Buffer);
  return hash.digest('hex');
}
