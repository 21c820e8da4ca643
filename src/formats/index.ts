// Output formats: audio files (WAV, MP3, M4B, Opus, FLAC), chapters, captions and speech marks.

export { FORMAT_FACTS, mediaTypeOf, PLAYLIST_MEDIA_TYPE } from './audio-formats.ts';
export { defaultBitrateKbps, openAudioFile, type AudioFileSpec, type AudioFileWriter, type WrittenFile } from './audio-file.ts';
export { chapterFileName, m3uPlaylist, splitAtChapters } from './chapter-files.ts';
export { chapterList, groupChapters, placeChapters, type Chapter, type ChapterStart } from './chapters.ts';
export { srt, timeSentences, webVtt, type ChunkSpeech, type SpeechTimings } from './captions.ts';
export type { FrameChapter, Tags } from './ffmetadata.ts';
export { ACX, AcxMeter, type AcxReport, type AcxRule } from './acx.ts';
