// WAV reading and writing. Chunks are small and go through wavefile; the stitched document is
// streamed, so it gets only a header from here.

import wavefile from 'wavefile';

const { WaveFile } = wavefile;
import type { PcmAudio } from '../engines/engine.ts';

export const WAV_HEADER_BYTES = 44;
/** RIFF sizes are 32-bit: a plain WAV file holds at most 4 GiB. */
export const MAX_WAV_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

export function encodeWav(audio: PcmAudio): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(audio.channels, audio.sampleRate, '16', audio.samples);
  return wav.toBuffer();
}

/** Decodes any PCM WAV wavefile understands (8/16/24/32-bit, float) to 16-bit. */
export function decodeWav(bytes: Uint8Array): PcmAudio {
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
  const blockAlign = channels * 2;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
