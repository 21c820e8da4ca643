// Pure conversions over 16-bit PCM: channel layout and sample rate.

import waveResampler from 'wave-resampler';
import type { PcmAudio } from '../contract/audio.ts';

/** Frames the resampler makes from `frames` (wave-resampler sizes its output exactly like this). */
export function resampledFrameCount(frames: number, fromRate: number, toRate: number): number {
  if (fromRate === toRate) return frames;
  return Math.trunc(frames * ((toRate - fromRate) / fromRate + 1));
}

/** Mono to stereo copies the channel; stereo to mono averages the two. */
export function convertChannels(audio: PcmAudio, channels: number): PcmAudio {
  if (audio.channels === channels) return audio;
  const frames = audio.samples.length / audio.channels;
  const samples = new Int16Array(frames * channels);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < audio.channels; c++) sum += audio.samples[f * audio.channels + c]!;
    const mixed = channels < audio.channels ? Math.round(sum / audio.channels) : audio.samples[f * audio.channels]!;
    for (let c = 0; c < channels; c++)
      samples[f * channels + c] = channels > audio.channels ? audio.samples[f * audio.channels + Math.min(c, audio.channels - 1)]! : mixed;
  }
  return { sampleRate: audio.sampleRate, channels, samples };
}

/** Band-limited (sinc) resampling, one channel at a time. */
export function resamplePcm(audio: PcmAudio, sampleRate: number): PcmAudio {
  if (audio.sampleRate === sampleRate) return audio;
  const { channels } = audio;
  const frames = audio.samples.length / channels;
  const outFrames = resampledFrameCount(frames, audio.sampleRate, sampleRate);
  const samples = new Int16Array(outFrames * channels);
  const channel = new Float64Array(frames);
  for (let c = 0; c < channels; c++) {
    for (let f = 0; f < frames; f++) channel[f] = audio.samples[f * channels + c]!;
    const resampled = waveResampler.resample(channel, audio.sampleRate, sampleRate, { method: 'sinc' });
    for (let f = 0; f < outFrames; f++) samples[f * channels + c] = clampInt16(resampled[f]!);
  }
  return { sampleRate, channels, samples };
}

/** Converts to the given layout and rate (channels first: fewer samples to resample when mixing down). */
export function convertPcm(audio: PcmAudio, sampleRate: number, channels: number): PcmAudio {
  return resamplePcm(convertChannels(audio, channels), sampleRate);
}

/** Rounds to the nearest 16-bit sample, clipping what does not fit. */
export function clampInt16(value: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(value)));
}
