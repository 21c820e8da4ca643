// WAV reading and writing. 16-bit PCM, what we store, is read and written where the samples lie;
// other WAV flavours go through wavefile. The stitched document is streamed: it takes only a header.

import wavefile from 'wavefile';

const { WaveFile } = wavefile;

import type { PcmAudio } from '../contract/audio.ts';

export const WAV_HEADER_BYTES = 44;
/** RIFF sizes are 32-bit: a plain WAV file holds at most 4 GiB. */
export const MAX_WAV_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

/**
 * A 16-bit PCM WAV of `audio`: the header, then the samples as they lie in memory (wavefile packs
 * them one by one, ~6 ms for a one-second chunk).
 */
export function encodeWav(audio: PcmAudio): Uint8Array {
  const data = int16Bytes(audio.samples);
  return Buffer.concat([wavHeader(audio.sampleRate, audio.channels, data.length), data]);
}

/** The bytes of 16-bit samples as WAV stores them: WAV is little-endian, like every platform we support. */
export function int16Bytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Decodes any PCM WAV wavefile understands (8/16/24/32-bit, float) to 16-bit. */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  return decodePcm16(bytes) ?? decodeWithWavefile(bytes);
}

/**
 * The stitcher's hot path: the chunks we store are plain 16-bit PCM WAV, whose samples can be used
 * where they lie instead of being unpacked one by one. Undefined for anything else.
 */
function decodePcm16(bytes: Uint8Array): PcmAudio | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < WAV_HEADER_BYTES || tag(0) !== 'RIFF' || tag(8) !== 'WAVE' || tag(12) !== 'fmt ') return undefined;
  if (view.getUint16(20, true) !== 1 || view.getUint16(34, true) !== 16) return undefined; // PCM, 16-bit
  const channels = view.getUint16(22, true);
  const sampleRate = view.getUint32(24, true);
  let at = 20 + view.getUint32(16, true);
  while (at + 8 <= bytes.length && tag(at) !== 'data') at += 8 + view.getUint32(at + 4, true);
  if (at + 8 > bytes.length) return undefined;
  const size = Math.min(view.getUint32(at + 4, true), bytes.length - at - 8) & ~1;
  const start = bytes.byteOffset + at + 8;
  // Int16Array needs an even offset; copy in the rare case it is odd (a copy even of a Buffer, whose slice is a view).
  const samples =
    start % 2 === 0
      ? new Int16Array(bytes.buffer, start, size / 2)
      : new Int16Array(Uint8Array.prototype.slice.call(bytes, at + 8, at + 8 + size).buffer);
  return channels > 0 && sampleRate > 0 ? { sampleRate, channels, samples } : undefined;
}

function decodeWithWavefile(bytes: Uint8Array): PcmAudio {
  const wav = new WaveFile(bytes);
  if (wav.bitDepth !== '16') wav.toBitDepth('16');
  const fmt = wav.fmt as { numChannels: number; sampleRate: number };
  const samples = wav.getSamples(true, Int16Array) as unknown as Int16Array;
  return { sampleRate: fmt.sampleRate, channels: fmt.numChannels, samples };
}

/** The canonical 44-byte header of a 16-bit PCM WAV holding `dataBytes` of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  if (dataBytes > MAX_WAV_DATA_BYTES) {
    throw new RangeError(`audio of ${dataBytes} bytes is too long for a WAV file (max 4 GiB)`);
  }
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  writeFmtAndData(header, 12, sampleRate, channels, dataBytes);
  return header;
}

const RF64_HEADER_BYTES = 80;

/**
 * The header of an RF64 file (EBU Tech 3306), the WAV of more than 4 GiB: the 32-bit sizes read
 * 0xFFFFFFFF and the real ones sit in a "ds64" chunk. Players and ffmpeg read it.
 */
export function rf64Header(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(RF64_HEADER_BYTES);
  header.write('RF64', 0, 'ascii');
  header.writeUInt32LE(0xffff_ffff, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('ds64', 12, 'ascii');
  header.writeUInt32LE(28, 16);
  header.writeBigUInt64LE(BigInt(RF64_HEADER_BYTES - 8 + dataBytes), 20); // RIFF size
  header.writeBigUInt64LE(BigInt(dataBytes), 28);
  header.writeBigUInt64LE(BigInt(dataBytes / (channels * 2)), 36); // sample (frame) count
  header.writeUInt32LE(0, 44); // no table
  writeFmtAndData(header, 48, sampleRate, channels, 0xffff_ffff);
  return header;
}

/** The "fmt " chunk of 16-bit PCM and the "data" chunk's header, at `at`. */
function writeFmtAndData(header: Buffer, at: number, sampleRate: number, channels: number, dataSize: number): void {
  const blockAlign = channels * 2;
  header.write('fmt ', at, 'ascii');
  header.writeUInt32LE(16, at + 4); // fmt chunk size
  header.writeUInt16LE(1, at + 8); // PCM
  header.writeUInt16LE(channels, at + 10);
  header.writeUInt32LE(sampleRate, at + 12);
  header.writeUInt32LE(sampleRate * blockAlign, at + 16);
  header.writeUInt16LE(blockAlign, at + 20);
  header.writeUInt16LE(16, at + 22);
  header.write('data', at + 24, 'ascii');
  header.writeUInt32LE(dataSize, at + 28);
}
