// What each output format is made of: its media type, and for the compressed ones the ffmpeg
// encoder and container. The format's name is also the file's extension.

import type { OutputFormat } from '../document/input.ts';

export interface FormatFacts {
  mediaType: string;
  /** ffmpeg's encoder and muxer; absent for WAV, which we write ourselves. */
  encoder?: { codec: string; muxer: string; kbpsPerChannel: number; extra?: string[]; sampleRates?: number[] };
  /** Carries chapter marks (M4B: chapter atoms; MP3: ID3v2 CHAP/CTOC), at most `maxChapters` of them. */
  chapters: boolean;
  maxChapters?: number;
  /** Holds a cover picture (MP4 covr atom, ID3v2 APIC, FLAC PICTURE). */
  cover?: true;
}

export const FORMAT_FACTS: Record<OutputFormat, FormatFacts> = {
  wav: { mediaType: 'audio/wav', chapters: false },
  // LAME writes the Xing/LAME header with the encoder delay and padding: decoders trim them (gapless).
  // ffmpeg writes the ID3 table of contents' entry count in one byte: more chapters are grouped.
  mp3: {
    mediaType: 'audio/mpeg',
    encoder: { codec: 'libmp3lame', muxer: 'mp3', kbpsPerChannel: 64 },
    chapters: true,
    maxChapters: 255,
    cover: true,
  },
  // AAC in MP4 ("ipod" muxer): an edit list skips the encoder's priming samples; faststart puts the
  // index first, so a player can start before it has the whole file.
  m4b: {
    mediaType: 'audio/mp4',
    encoder: { codec: 'aac', muxer: 'ipod', kbpsPerChannel: 64, extra: ['-movflags', '+faststart'] },
    chapters: true,
    cover: true,
  },
  opus: {
    mediaType: 'audio/ogg',
    encoder: { codec: 'libopus', muxer: 'ogg', kbpsPerChannel: 32, sampleRates: [8_000, 12_000, 16_000, 24_000, 48_000] },
    chapters: false,
  },
  flac: { mediaType: 'audio/flac', encoder: { codec: 'flac', muxer: 'flac', kbpsPerChannel: 0 }, chapters: false, cover: true },
  // A read-along book: its audio is MP3, one file per chapter (READ_ALONG_AUDIO), packed with the text.
  epub: { mediaType: 'application/epub+zip', chapters: false },
};

/** The audio inside a read-along EPUB: one of the two types every EPUB 3 reader must play. */
export const READ_ALONG_AUDIO = 'mp3';

/** The format of the audio files a document's format makes: its own, or an EPUB's MP3s. */
export const audioFormatOf = (format: OutputFormat): Exclude<OutputFormat, 'epub'> => (format === 'epub' ? READ_ALONG_AUDIO : format);

/** An extended M3U playlist, UTF-8 (the list of a document split into files). */
export const PLAYLIST_MEDIA_TYPE = 'audio/x-mpegurl';

/** The media type of an output file, by its extension. */
export function mediaTypeOf(name: string): string {
  const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (extension === 'm3u8') return PLAYLIST_MEDIA_TYPE;
  return FORMAT_FACTS[extension as OutputFormat]?.mediaType ?? 'application/octet-stream';
}
