// Decodes what a TTS provider answers (WAV or MP3) to 16-bit PCM.

import { MPEGDecoder } from 'mpg123-decoder';
import type { PcmAudio } from '../contract/audio.ts';
import { clampInt16 } from './pcm.ts';
import { decodeWav } from './wav.ts';

export async function decodeAudioFile(bytes: Uint8Array): Promise<PcmAudio> {
  if (startsWith(bytes, 'RIFF') && startsWith(bytes.subarray(8), 'WAVE')) return decodeWav(bytes);
  if (startsWith(bytes, 'ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return decodeMp3(bytes);
  throw new Error(`unsupported audio format (expected WAV or MP3; starts with ${Buffer.from(bytes.subarray(0, 4)).toString('hex')})`);
}

async function decodeMp3(bytes: Uint8Array): Promise<PcmAudio> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const { channelData, samplesDecoded, sampleRate } = decoder.decode(bytes);
    if (samplesDecoded === 0) throw new Error('MP3 holds no audio');
    const channels = channelData.length;
    const samples = new Int16Array(samplesDecoded * channels);
    for (let c = 0; c < channels; c++) {
      const channel = channelData[c]!;
      for (let f = 0; f < samplesDecoded; f++) {
        samples[f * channels + c] = clampInt16(channel[f]! * 32767);
      }
    }
    return { sampleRate, channels, samples };
  } finally {
    decoder.free();
  }
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  return Buffer.from(bytes.subarray(0, ascii.length)).toString('latin1') === ascii;
}
