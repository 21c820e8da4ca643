// Output formats: audio files (WAV, MP3, M4B, Opus, FLAC), chapters, captions and speech marks.

export { ACX, AcxMeter } from './acx.ts';
export {
  type AudioFileSpec,
  type AudioFileWriter,
  defaultBitrateKbps,
  openAudioFile,
  type PausedWav,
  type WrittenFile,
} from './audio-file.ts';
export { audioFormatOf, FORMAT_FACTS, mediaTypeOf, PLAYLIST_MEDIA_TYPE } from './audio-formats.ts';
export { type ChunkSpeech, type SpeechTimings, srt, timeSentences, webVtt } from './captions.ts';
export { chapterFileName, m3uPlaylist, splitAtChapters } from './chapter-files.ts';
export { chapterList, groupChapters, placeChapters } from './chapters.ts';
export type { FrameChapter, Tags } from './ffmetadata.ts';
