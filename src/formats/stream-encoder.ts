// Audio as it is made, encoded while it streams: the formats OpenAI's speech API answers in, each
// in a form that needs no length up front (WAV with an open length, raw PCM, MP3 frames, Opus in
// Ogg, AAC in ADTS, FLAC without its final header). WAV and PCM are written here; the others by an
// ffmpeg that reads PCM on stdin and writes each packet as soon as it has one.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ffmpegPath, type PcmFormat, rawPcmInput } from '../audio/ffmpeg.ts';
import { int16Bytes, wavHeader } from '../audio/wav.ts';

export const STREAM_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export const STREAM_MEDIA_TYPES: Record<StreamFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus', // in Ogg, as OpenAI-compatible servers label it
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/** OpenAI's raw PCM: 24 kHz, 16-bit little-endian, mono. */
export const PCM_STREAM_FORMAT: PcmFormat = { sampleRate: 24_000, channels: 1 };

/** The WAV header's data size while the length is unknown: players read on until the stream ends. */
const OPEN_WAV_BYTES = 0x7fff_fff0;

const ENCODERS: Record<Exclude<StreamFormat, 'wav' | 'pcm'>, string[]> = {
  // No Xing header or ID3 tag: both would need the length, or a seek back to write it.
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3'],
  // Opus runs at 48, 24, 16, 12 or 8 kHz: eSpeak's 22,050 Hz is resampled.
  opus: ['-ar', '24000', '-c:a', 'libopus', '-b:a', '32k', '-page_duration', '100000', '-f', 'opus'],
  aac: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
};

/** The encoded stream of `pcm` (16-bit samples in `format`); pcm must already be PCM_STREAM_FORMAT for "pcm". */
export function encodeStream(pcm: AsyncIterable<Int16Array>, format: PcmFormat, target: StreamFormat): Readable {
  if (target === 'wav') return Readable.from(withWavHeader(pcm, format));
  if (target === 'pcm') return Readable.from(bytesOf(pcm));
  return ffmpegStream(pcm, format, ENCODERS[target]);
}

async function* withWavHeader(pcm: AsyncIterable<Int16Array>, format: PcmFormat): AsyncGenerator<Uint8Array> {
  yield wavHeader(format.sampleRate, format.channels, OPEN_WAV_BYTES);
  yield* bytesOf(pcm);
}

async function* bytesOf(pcm: AsyncIterable<Int16Array>): AsyncGenerator<Uint8Array> {
  for await (const samples of pcm) if (samples.length > 0) yield int16Bytes(samples);
}

/** ffmpeg's stdout, fed from `pcm`; a failure on either side ends the stream with an error. */
function ffmpegStream(pcm: AsyncIterable<Int16Array>, format: PcmFormat, encoder: string[]): Readable {
  // Raw PCM needs no probing; by default ffmpeg reads seconds of input before it encodes any (a short first chunk's worth).
  const noProbe = ['-probesize', '32', '-analyzeduration', '0'];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...noProbe,
    ...rawPcmInput(format),
    ...encoder,
    '-flush_packets',
    '1',
    'pipe:1',
  ];
  const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });
  child.stdin.on('error', () => {}); // an early exit is reported by its exit code below
  const out = child.stdout;
  const fail = (error: Error) => {
    child.kill('SIGKILL');
    out.destroy(error);
  };
  child.once('error', fail);
  child.once('close', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') out.destroy(new Error(`ffmpeg failed (${code ?? signal}): ${stderr.trim()}`));
  });
  // The listener went away: stop feeding and stop ffmpeg.
  out.once('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  void (async () => {
    try {
      for await (const bytes of bytesOf(pcm)) {
        if (out.destroyed) return;
        // Back-pressure; an ffmpeg that exits meanwhile ends the wait (its exit code reports it).
        if (!child.stdin.write(bytes)) await Promise.race([once(child.stdin, 'drain'), once(child, 'close')]);
      }
      child.stdin.end();
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return out;
}
