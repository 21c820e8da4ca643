// The audio a fake model answers with: the simulated engine's tones, as WAV or MP3, at any rate
// and channel count, so tests can predict every sample.

import { Mp3Encoder } from '@breezystack/lamejs';
import { convertChannels } from '../../src/audio/pcm.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';

export interface OutputFormat {
  format: 'wav' | 'mp3';
  sampleRate: number;
  channels: 1 | 2;
}

export function fakeModelAudio(text: string, { format, sampleRate, channels }: OutputFormat): { bytes: Uint8Array; contentType: string } {
  const audio = convertChannels(simulatedAudio(text, sampleRate), channels);
  if (format === 'wav') return { bytes: encodeWav(audio), contentType: 'audio/wav' };
  return { bytes: encodeMp3(audio.samples, sampleRate, channels), contentType: 'audio/mpeg' };
}

function encodeMp3(interleaved: Int16Array, sampleRate: number, channels: number): Uint8Array {
  const frames = interleaved.length / channels;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    left[f] = interleaved[f * channels]!;
    right[f] = interleaved[f * channels + channels - 1]!;
  }
  const encoder = new Mp3Encoder(channels, sampleRate, 128);
  const parts: Uint8Array[] = [];
  // lamejs hands back Int8Arrays: view their bytes as unsigned.
  const bytesOf = (encoded: ArrayBufferView) => new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const block = 1152 * 10;
  for (let start = 0; start < frames; start += block) {
    const l = left.subarray(start, start + block);
    parts.push(bytesOf(channels === 2 ? encoder.encodeBuffer(l, right.subarray(start, start + block)) : encoder.encodeBuffer(l)));
  }
  parts.push(bytesOf(encoder.flush()));
  return Buffer.concat(parts);
}
